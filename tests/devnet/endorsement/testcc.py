"""A tiny chaincode on the official Python shim (fabric-chaincode-python), served as CCaaS on 127.0.0.1:0.

It uses the shim's low-level ``Chaincode`` interface so every shim request type can be exercised. Where the
shim lacks an API (state metadata) or sends a wrong payload (INVOKE_CHAINCODE sends a ChaincodeInput instead
of the ChaincodeSpec a Fabric peer expects), the request goes through the shim's own transport with the
payload a Fabric shim (Go/Node) sends.
"""

from __future__ import annotations

import json
import logging

import grpc
from fabric_chaincode_python.fabric_shim.interfaces import Chaincode
from fabric_chaincode_python.fabric_shim.response import error, success
from fabric_chaincode_python.fabric_shim.server import ChaincodeService
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc

logging.getLogger("asyncio").setLevel(logging.ERROR)
logging.getLogger().setLevel(logging.WARNING)

Msg = chaincode_shim_pb2.ChaincodeMessage


async def _raw(stub, msg_type: int, payload: bytes, action: str) -> Msg:
    msg = Msg(type=msg_type, payload=payload, txid=stub.tx_id, channel_id=stub.channel_id)
    return await stub.client._Handler__ask_peer_and_listen(msg, action)


class TestChaincode(Chaincode):
    """Functions: put k v | get k | del k | range s e | page s e size bookmark | history k |
    putmeta k name value | getmeta k | call cc fn args... | fail msg | event name payload | putget k v."""

    async def init(self, stub):
        return success(b"init-ok")

    async def invoke(self, stub):
        fn, args = stub.get_function_and_parameters()
        try:
            return await getattr(self, "fn_" + fn)(stub, *args)
        except AttributeError:
            return error(f"unknown function {fn}")
        except Exception as exc:  # noqa: BLE001 - report to client
            return error(f"{fn} failed: {exc}")

    async def fn_put(self, stub, key, value):
        await stub.put_state(key, value.encode())
        return success(b"")

    async def fn_putget(self, stub, key, value):
        await stub.put_state(key, value.encode())
        got = await stub.get_state(key)
        return success(got or b"<none>")

    async def fn_get(self, stub, key):
        return success(await stub.get_state(key))

    async def fn_del(self, stub, key):
        await stub.delete_state(key)
        return success(b"")

    async def fn_range(self, stub, start, end):
        keys = [kv.key async for kv in await stub.get_state_by_range(start, end)]
        return success(json.dumps(keys).encode())

    async def fn_page(self, stub, start, end, size, bookmark):
        raw = await stub.client.handle_get_state_by_range(
            "", start, end, stub.channel_id, stub.tx_id,
            metadata=chaincode_shim_pb2.QueryMetadata(pageSize=int(size), bookmark=bookmark).SerializeToString())
        resp = chaincode_shim_pb2.QueryResponse.FromString(raw.payload)
        meta = chaincode_shim_pb2.QueryResponseMetadata.FromString(resp.metadata)
        from fabric_protos.ledger.queryresult import kv_query_result_pb2
        keys = [kv_query_result_pb2.KV.FromString(r.resultBytes).key for r in resp.results]
        return success(json.dumps({"keys": keys, "bookmark": meta.bookmark,
                                   "count": meta.fetched_records_count}).encode())

    async def fn_history(self, stub, key):
        mods = [(m.tx_id, m.value.decode(), m.is_delete) async for m in await stub.get_history_for_key(key)]
        return success(json.dumps(mods).encode())

    async def fn_putmeta(self, stub, key, name, value):
        req = chaincode_shim_pb2.PutStateMetadata(
            key=key, metadata=chaincode_shim_pb2.StateMetadata(metakey=name, value=bytes.fromhex(value)))
        reply = await _raw(stub, Msg.PUT_STATE_METADATA, req.SerializeToString(), "PutStateMetadata")
        if reply.type != Msg.RESPONSE:
            return error(reply.payload.decode())
        return success(b"")

    async def fn_getmeta(self, stub, key):
        reply = await _raw(stub, Msg.GET_STATE_METADATA,
                           chaincode_shim_pb2.GetStateMetadata(key=key).SerializeToString(), "GetStateMetadata")
        res = chaincode_shim_pb2.StateMetadataResult.FromString(reply.payload)
        return success(json.dumps({e.metakey: e.value.hex() for e in res.entries}).encode())

    async def fn_call(self, stub, cc, *args):
        spec = chaincode_pb2.ChaincodeSpec(chaincode_id=chaincode_pb2.ChaincodeID(name=cc),
                                           input=chaincode_pb2.ChaincodeInput(args=[a.encode() for a in args]))
        reply = await _raw(stub, Msg.INVOKE_CHAINCODE, spec.SerializeToString(), "InvokeChaincode")
        if reply.type != Msg.RESPONSE:
            return error("invoke failed: " + reply.payload.decode())
        final = Msg.FromString(reply.payload)
        if final.type != Msg.COMPLETED:
            return error("callee failed: " + final.payload.decode())
        from fabric_protos.peer import proposal_response_pb2
        resp = proposal_response_pb2.Response.FromString(final.payload)
        return success(b"called:" + resp.payload)

    async def fn_fail(self, stub, message):
        return error(message)

    async def fn_status(self, stub, status, message):
        from fabric_protos.peer import proposal_response_pb2
        return proposal_response_pb2.Response(status=int(status), message=message)


async def start_server(package_id: str, chaincode: Chaincode | None = None, port: int = 0,
                       ) -> tuple[grpc.aio.Server, int]:
    """Serve ``chaincode`` with the official shim's ChaincodeService on 127.0.0.1:<ephemeral>."""
    server = grpc.aio.server()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(
        ChaincodeService(package_id, chaincode or TestChaincode()), server)
    port = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server, port
