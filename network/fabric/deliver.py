"""Reading blocks from an orderer with ``AtomicBroadcast/Deliver`` (works on v2.5, v3.x and devnet).

The request is a signed ``DELIVER_SEEK_INFO`` envelope carrying ``SeekInfo`` (``protoutil`` ``CreateSignedEnvelope``);
the orderer checks the signer against ``/Channel/Readers`` (``common/deliver/deliver.go``). The last config
block is found through the newest block's metadata: ``OrdererBlockMetadata.last_config`` in the SIGNATURES
slot (``protoutil.GetLastConfigIndexFromBlock``), falling back to the older LAST_CONFIG slot.
"""

from __future__ import annotations

import time

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2, ab_pb2_grpc

from network.configtx.update_sign import Signer, signature_header
from network.layout import NetworkLayout


def seek_envelope(channel: str, signer: Signer, position: ab_pb2.SeekPosition) -> common_pb2.Envelope:
    seek = ab_pb2.SeekInfo(start=position, stop=position, behavior=ab_pb2.SeekInfo.BLOCK_UNTIL_READY)
    chdr = common_pb2.ChannelHeader(type=common_pb2.DELIVER_SEEK_INFO, channel_id=channel, epoch=0)
    chdr.timestamp.seconds = int(time.time())
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=chdr.SerializeToString(),
                                 signature_header=signature_header(signer).SerializeToString()),
        data=seek.SerializeToString(),
    )  # fmt: skip
    raw = payload.SerializeToString()
    return common_pb2.Envelope(payload=raw, signature=signer.sign(raw))


def _fetch(
    root_cert: bytes, port: int, channel: str, signer: Signer, position: ab_pb2.SeekPosition, timeout: float
) -> common_pb2.Block:
    credentials = grpc.ssl_channel_credentials(root_certificates=root_cert)
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as conn:
        stub = ab_pb2_grpc.AtomicBroadcastStub(conn)
        for response in stub.Deliver(iter([seek_envelope(channel, signer, position)]), timeout=timeout):
            if response.WhichOneof("Type") == "block":
                return response.block
            raise RuntimeError(f"deliver on {channel}: {common_pb2.Status.Name(response.status)}")
    raise RuntimeError(f"deliver on {channel}: stream ended without a block")


def _describe(exc: Exception) -> str:
    if isinstance(exc, grpc.RpcError):
        return f"{exc.code().name}"  # type: ignore[attr-defined]
    return str(exc)


def fetch_block(
    layout: NetworkLayout, channel: str, signer: Signer, number: int | None = None, timeout: float = 30.0
) -> common_pb2.Block:
    """Block ``number`` (None: the newest) from the first orderer of the spec that serves it; retried in rounds
    until ``timeout`` because orderers answer SERVICE_UNAVAILABLE while raft elects a leader."""
    if number is None:
        position = ab_pb2.SeekPosition(newest=ab_pb2.SeekNewest())
    else:
        position = ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=number))
    errors: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        errors = []
        for org, node in layout.spec.orderer_nodes():
            root = layout.tlsca_cert(org.msp_id).read_bytes()
            try:
                return _fetch(root, node.port or 0, channel, signer, position, min(timeout, 10.0))
            except (grpc.RpcError, RuntimeError) as exc:
                errors.append(f"{node.name}: {_describe(exc)}")
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    which = number if number is not None else "newest"
    raise RuntimeError(f"no orderer delivered {channel} block {which} within {timeout:.0f}s: " + "; ".join(errors))


def last_config_index(block: common_pb2.Block) -> int:
    slots = block.metadata.metadata
    if len(slots) > common_pb2.SIGNATURES and slots[common_pb2.SIGNATURES]:
        value = common_pb2.Metadata.FromString(slots[common_pb2.SIGNATURES]).value
        if value:
            return common_pb2.OrdererBlockMetadata.FromString(value).last_config.index
    if len(slots) > common_pb2.LAST_CONFIG and slots[common_pb2.LAST_CONFIG]:
        value = common_pb2.Metadata.FromString(slots[common_pb2.LAST_CONFIG]).value
        return common_pb2.LastConfig.FromString(value).index
    raise ValueError(f"block {block.header.number}: metadata names no last config block")


def last_config_block(layout: NetworkLayout, channel: str, signer: Signer, timeout: float = 30.0) -> common_pb2.Block:
    newest = fetch_block(layout, channel, signer, timeout=timeout)
    index = last_config_index(newest)
    return newest if index == newest.header.number else fetch_block(layout, channel, signer, index, timeout)
