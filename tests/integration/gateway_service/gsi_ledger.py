"""Read what really reached the ledger, through the peer's ``qscc`` (never through the gateway under test).

The REST gateway's own store can say anything; these helpers look at committed blocks instead: each
transaction's creator MSP (from its SignatureHeader), its validation code (block metadata
TRANSACTIONS_FILTER, ``common/ledger/blkstorage``) and the chaincode function and arguments it invoked
(ChaincodeActionPayload -> ChaincodeProposalPayload -> ChaincodeInvocationSpec, ``protoutil/txutils.go``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
from fabric_protos.common import common_pb2, ledger_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, transaction_pb2

from gateway.client import Contract, connect, load_msp_identity
from gateway.client.tls import secure_channel
from network.layout import NetworkLayout


@dataclass(frozen=True)
class LedgerTx:
    block: int
    txid: str
    creator_msp: str
    validation_code: str
    chaincode: str
    function: str
    args: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return self.validation_code == "VALID"


def peer_address(layout: NetworkLayout, msp_id: str) -> tuple[str, bytes, str]:
    """(host:port, TLS CA PEM, TLS server name) of ``msp_id``'s first peer."""
    for org, peer in layout.spec.peers():
        if org.msp_id == msp_id:
            return f"127.0.0.1:{peer.port}", layout.tlsca_cert(msp_id).read_bytes(), f"{peer.name}.{org.domain}"
    raise KeyError(f"no peer for {msp_id}")


@contextmanager
def qscc(layout: NetworkLayout, channel_id: str, msp_id: str = "Org1MSP", user: str = "User1") -> Iterator[Contract]:
    address, ca, host = peer_address(layout, msp_id)
    identity, signer = load_msp_identity(layout.user_msp_dir(msp_id, user), msp_id)
    channel: grpc.Channel = secure_channel(address, ca, server_name_override=host)
    try:
        yield connect(channel, identity, signer).get_network(channel_id).get_contract("qscc")
    finally:
        channel.close()


def chain_height(contract: Contract, channel: str) -> int:
    info = ledger_pb2.BlockchainInfo.FromString(contract.evaluate_transaction("GetChainInfo", channel))
    return int(info.height)


def block(contract: Contract, channel: str, number: int) -> common_pb2.Block:
    return common_pb2.Block.FromString(contract.evaluate_transaction("GetBlockByNumber", channel, str(number)))


def _invocation(tx: transaction_pb2.Transaction) -> tuple[str, str, tuple[str, ...]]:
    if not tx.actions:
        return "", "", ()
    action = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    ccpp = proposal_pb2.ChaincodeProposalPayload.FromString(action.chaincode_proposal_payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(ccpp.input).chaincode_spec
    args = tuple(a.decode("utf-8", "replace") for a in spec.input.args)
    return spec.chaincode_id.name, (args[0] if args else ""), args[1:]


def transactions_of(blk: common_pb2.Block) -> list[LedgerTx]:
    """Endorser transactions of one block (config transactions are left out)."""
    flags = blk.metadata.metadata[common_pb2.BlockMetadataIndex.TRANSACTIONS_FILTER]
    out: list[LedgerTx] = []
    for index, raw in enumerate(blk.data.data):
        payload = common_pb2.Payload.FromString(common_pb2.Envelope.FromString(raw).payload)
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        if chdr.type != common_pb2.HeaderType.ENDORSER_TRANSACTION:
            continue
        shdr = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
        creator = identities_pb2.SerializedIdentity.FromString(shdr.creator).mspid
        code = transaction_pb2.TxValidationCode.Name(flags[index]) if index < len(flags) else "UNKNOWN"
        chaincode, function, args = _invocation(transaction_pb2.Transaction.FromString(payload.data))
        out.append(LedgerTx(blk.header.number, chdr.tx_id, creator, code, chaincode, function, args))
    return out


def ledger_transactions(layout: NetworkLayout, channel: str, first_block: int = 0) -> list[LedgerTx]:
    """Every endorser transaction committed on ``channel`` from ``first_block`` to the current height."""
    with qscc(layout, channel) as contract:
        height = chain_height(contract, channel)
        return [tx for n in range(first_block, height) for tx in transactions_of(block(contract, channel, n))]


def height(layout: NetworkLayout, channel: str) -> int:
    with qscc(layout, channel) as contract:
        return chain_height(contract, channel)
