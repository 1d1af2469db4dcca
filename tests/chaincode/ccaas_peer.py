"""A minimal peer side of ``protos.Chaincode/Connect`` for testing our CCaaS server over real gRPC.

It is not a Fabric mock claiming to be a network: it performs the handshake, sends TRANSACTION messages
carrying a properly built and signed ``SignedProposal``, answers the chaincode's state requests from a
dict, and collects each transaction's final COMPLETED/ERROR message.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

import grpc
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim
from fabric_protos.peer import chaincode_shim_pb2_grpc as shim_grpc

from chaincode.testing.certs import Identity

CHANNEL = "mychannel"
CC_NAME = "assetregistry"


def signed_proposal(who: Identity, args: list[str], seconds: int) -> tuple[str, proposal_pb2.SignedProposal]:
    nonce = os.urandom(24)
    creator = who.serialized()
    tx_id = hashlib.sha256(nonce + creator).hexdigest()
    ext = proposal_pb2.ChaincodeHeaderExtension(chaincode_id=chaincode_pb2.ChaincodeID(name=CC_NAME))
    chdr = common_pb2.ChannelHeader(type=common_pb2.ENDORSER_TRANSACTION, channel_id=CHANNEL, tx_id=tx_id,
                                    extension=ext.SerializeToString())
    chdr.timestamp.seconds = seconds
    shdr = common_pb2.SignatureHeader(creator=creator, nonce=nonce)
    header = common_pb2.Header(channel_header=chdr.SerializeToString(), signature_header=shdr.SerializeToString())
    spec = chaincode_pb2.ChaincodeSpec(chaincode_id=chaincode_pb2.ChaincodeID(name=CC_NAME),
                                       input=chaincode_pb2.ChaincodeInput(args=[a.encode() for a in args]))
    cis = chaincode_pb2.ChaincodeInvocationSpec(chaincode_spec=spec)
    payload = proposal_pb2.ChaincodeProposalPayload(input=cis.SerializeToString())
    prop = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    prop_bytes = prop.SerializeToString()
    signature = who.key.sign(prop_bytes, ec.ECDSA(hashes.SHA256()))
    return tx_id, proposal_pb2.SignedProposal(proposal_bytes=prop_bytes, signature=signature)


@dataclass
class FakePeer:
    state: dict[str, bytes] = field(default_factory=dict)
    metadata_writes: list[tuple[str, str, bytes]] = field(default_factory=list)
    registered_as: str = ""

    async def connect(self, port: int, root_cert: bytes | None = None, server_name: str = "") -> None:
        target = f"127.0.0.1:{port}"
        if root_cert is None:
            self._channel = grpc.aio.insecure_channel(target)
        else:
            options = [("grpc.ssl_target_name_override", server_name)] if server_name else []
            credentials = grpc.ssl_channel_credentials(root_certificates=root_cert)
            self._channel = grpc.aio.secure_channel(target, credentials, options=options)
        self._outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._results: dict[str, asyncio.Future[Any]] = {}
        self._writes: dict[str, dict[str, bytes | None]] = {}
        self._call = shim_grpc.ChaincodeStub(self._channel).Connect(self._outgoing())
        first = await self._call.read()
        assert first.type == shim.ChaincodeMessage.REGISTER, first
        self.registered_as = chaincode_pb2.ChaincodeID.FromString(first.payload).name
        await self._outbox.put(shim.ChaincodeMessage(type=shim.ChaincodeMessage.REGISTERED))
        await self._outbox.put(shim.ChaincodeMessage(type=shim.ChaincodeMessage.READY))
        self._reader = asyncio.create_task(self._read_loop())

    async def _outgoing(self) -> Any:
        while True:
            message = await self._outbox.get()
            if message is None:
                return
            yield message

    async def close(self) -> None:
        await self._outbox.put(None)
        self._reader.cancel()
        await self._channel.close()

    async def invoke(self, who: Identity, args: list[str], seconds: int = 1_767_225_600) -> Any:
        tx_id, proposal = signed_proposal(who, args, seconds)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._results[tx_id] = future
        self._writes[tx_id] = {}
        payload = chaincode_pb2.ChaincodeInput(args=[a.encode() for a in args]).SerializeToString()
        await self._outbox.put(shim.ChaincodeMessage(type=shim.ChaincodeMessage.TRANSACTION, payload=payload,
                                                     txid=tx_id, channel_id=CHANNEL, proposal=proposal))
        return await future

    def _reply(self, request: Any, payload: bytes = b"") -> Any:
        return shim.ChaincodeMessage(type=shim.ChaincodeMessage.RESPONSE, payload=payload, txid=request.txid,
                                     channel_id=request.channel_id)

    async def _read_loop(self) -> None:
        while True:
            message = await self._call.read()
            if message is grpc.aio.EOF:
                return
            await self._handle(message)

    async def _handle(self, m: Any) -> None:
        t = shim.ChaincodeMessage
        if m.type in (t.COMPLETED, t.ERROR):
            writes = self._writes.pop(m.txid, {})
            if m.type == t.COMPLETED and proposal_response_pb2.Response.FromString(m.payload).status < 400:
                for key, value in writes.items():
                    if value is None:
                        self.state.pop(key, None)
                    else:
                        self.state[key] = value
            self._results.pop(m.txid).set_result(m)
        elif m.type == t.GET_STATE:
            await self._outbox.put(self._reply(m, self.state.get(shim.GetState.FromString(m.payload).key, b"")))
        elif m.type == t.PUT_STATE:
            req = shim.PutState.FromString(m.payload)
            self._writes[m.txid][req.key] = req.value
            await self._outbox.put(self._reply(m))
        elif m.type == t.DEL_STATE:
            self._writes[m.txid][shim.DelState.FromString(m.payload).key] = None
            await self._outbox.put(self._reply(m))
        elif m.type == t.PUT_STATE_METADATA:
            req = shim.PutStateMetadata.FromString(m.payload)
            self.metadata_writes.append((req.key, req.metadata.metakey, req.metadata.value))
            await self._outbox.put(self._reply(m))
        elif m.type == t.GET_STATE_BY_RANGE:
            req = shim.GetStateByRange.FromString(m.payload)
            keys = sorted(k for k in self.state if req.startKey <= k < req.endKey)
            response = shim.QueryResponse(has_more=False, id="q")
            for key in keys:
                kv = kv_query_result_pb2.KV(namespace=CC_NAME, key=key, value=self.state[key])
                response.results.append(shim.QueryResultBytes(resultBytes=kv.SerializeToString()))
            await self._outbox.put(self._reply(m, response.SerializeToString()))
        elif m.type == t.GET_HISTORY_FOR_KEY:
            key = shim.GetHistoryForKey.FromString(m.payload).key
            response = shim.QueryResponse(has_more=False, id="h")
            if key in self.state:
                mod = kv_query_result_pb2.KeyModification(tx_id="committed", value=self.state[key])
                response.results.append(shim.QueryResultBytes(resultBytes=mod.SerializeToString()))
            await self._outbox.put(self._reply(m, response.SerializeToString()))
        elif m.type == t.QUERY_STATE_CLOSE:
            await self._outbox.put(self._reply(m, shim.QueryResponse(id="q").SerializeToString()))
        else:
            await self._outbox.put(shim.ChaincodeMessage(type=t.ERROR, payload=b"unsupported", txid=m.txid,
                                                         channel_id=m.channel_id))
