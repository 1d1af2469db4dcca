"""Serving a running transaction's requests from the chaincode (``core/chaincode/handler.go`` ``Handle*``).

Each request carries the transaction's (channel_id, txid); the answer is RESPONSE with the request's
result or ERROR with the error text. State is read and written through the transaction's simulator, in
the namespace of the chaincode being executed. Query iterators live until exhausted or closed:

* unpaginated queries return batches of at most 100 results (``MaxResultLimit``); when a batch is full the
  next result has already been read and is held for the next QUERY_STATE_NEXT (``BuildQueryResponse``);
* paginated queries (``QueryMetadata`` with ``pageSize`` or ``bookmark``) return one page with
  ``has_more=false`` and ``QueryResponseMetadata{fetched_records_count, bookmark}``; a bookmark replaces the
  start key; the bookmark returned is the next unread key (``GetBookmarkAndClose``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, proposal_pb2

from network.devnet.chaincode.simulator import RangeScan, TxSimulator
from network.devnet.ledger.version import KeyModification

Msg = chaincode_shim_pb2.ChaincodeMessage
Invoker = Callable[[str, str, chaincode_pb2.ChaincodeInput], Awaitable[Msg]]
"""(chaincode name, channel id, input) -> the callee's final COMPLETED/ERROR message."""

MAX_RESULT_LIMIT = 100
"""``chaincode_support.go``: results per QueryResponse batch."""
TOTAL_QUERY_LIMIT = 100000
"""``ledger.state.totalQueryLimit`` default."""


class RequestError(Exception):
    """A request the peer refuses; the text goes back to the chaincode in an ERROR message."""


@dataclass
class PendingQuery:
    """An open iterator: a range scan or a history cursor, plus results read ahead."""

    paginated: bool
    scan: RangeScan | None = None
    history: Iterator[KeyModification] | None = None
    pending: list[chaincode_shim_pb2.QueryResultBytes] = field(default_factory=list)
    total: int = 0

    def next_result(self, namespace: str) -> chaincode_shim_pb2.QueryResultBytes | None:
        if self.scan is not None:
            item = self.scan.next()
            if item is None:
                return None
            key, value = item
            kv = kv_query_result_pb2.KV(namespace=namespace, key=key, value=value.value)
            return chaincode_shim_pb2.QueryResultBytes(resultBytes=kv.SerializeToString())
        assert self.history is not None
        mod = next(self.history, None)
        if mod is None:
            return None
        proto = kv_query_result_pb2.KeyModification(tx_id=mod.tx_id, value=mod.value, is_delete=mod.is_delete)
        proto.timestamp.seconds = mod.timestamp_seconds
        proto.timestamp.nanos = mod.timestamp_nanos
        return chaincode_shim_pb2.QueryResultBytes(resultBytes=proto.SerializeToString())


@dataclass
class TransactionContext:
    """Everything a running transaction's requests need (``TransactionContext`` in Fabric)."""

    channel_id: str
    txid: str
    namespace: str
    simulator: TxSimulator
    signed_proposal: proposal_pb2.SignedProposal
    invoke: Invoker | None = None
    is_init: bool = False
    queries: dict[str, PendingQuery] = field(default_factory=dict)


def is_paginated(metadata: chaincode_shim_pb2.QueryMetadata | None) -> bool:
    """``isMetadataSetForPagination``."""
    return metadata is not None and (metadata.pageSize != 0 or metadata.bookmark != "")


def parse_query_metadata(raw: bytes) -> chaincode_shim_pb2.QueryMetadata | None:
    if not raw:
        return None
    return chaincode_shim_pb2.QueryMetadata.FromString(raw)


def parse_chaincode_name(name: str) -> tuple[str, str]:
    """``ParseName``: "cc[:version][/channel]" -> (cc, channel); the version part is ignored."""
    channel = ""
    if "/" in name:
        name, channel = name.split("/", 1)
    return name.split(":", 1)[0], channel


def build_query_response(ctx: TransactionContext, query_id: str) -> chaincode_shim_pb2.QueryResponse:
    """``QueryResponseGenerator.BuildQueryResponse``."""
    query = ctx.queries[query_id]
    while True:
        if query.total >= TOTAL_QUERY_LIMIT:
            return _final_query_response(ctx, query_id)
        result = query.next_result(ctx.namespace)
        if result is None:
            return _final_query_response(ctx, query_id)
        if not query.paginated and len(query.pending) == MAX_RESULT_LIMIT:
            batch, query.pending = query.pending, [result]
            query.total += 1
            return chaincode_shim_pb2.QueryResponse(results=batch, has_more=True, id=query_id)
        query.pending.append(result)
        query.total += 1


def _final_query_response(ctx: TransactionContext, query_id: str) -> chaincode_shim_pb2.QueryResponse:
    """``createQueryResponse``: last batch; paginated queries also return count and bookmark."""
    query = ctx.queries.pop(query_id)
    batch, query.pending = query.pending, []
    response = chaincode_shim_pb2.QueryResponse(results=batch, has_more=False, id=query_id)
    if query.paginated:
        bookmark = query.scan.bookmark() if query.scan is not None else ""
        response.metadata = chaincode_shim_pb2.QueryResponseMetadata(
            fetched_records_count=query.total, bookmark=bookmark
        ).SerializeToString()
    if query.scan is not None:
        query.scan.close()
    return response


class RequestServer:
    """Answers one transaction's requests; callable as the stream's request handler."""

    def __init__(self, ctx: TransactionContext) -> None:
        self.ctx = ctx

    def __call__(self, msg: Msg) -> Msg | Awaitable[Msg]:
        """The RESPONSE to one request. State requests are answered right away (they only touch the
        simulator); a chaincode-to-chaincode call returns an awaitable, since the callee runs first."""
        if msg.type == Msg.INVOKE_CHAINCODE:
            return self._respond_later(msg)
        handler = _HANDLERS.get(msg.type)
        if handler is None:
            raise RequestError(
                f"[{msg.txid[:8]}] Fabric side handler cannot handle message ({msg.type}) while in ready state"
            )
        return _response(msg, handler(self, msg))

    async def _respond_later(self, msg: Msg) -> Msg:
        return _response(msg, await self.invoke_chaincode(msg))

    # -- state ---------------------------------------------------------------------------------------
    @staticmethod
    def _public_only(collection: str) -> None:
        if collection:
            raise RequestError(f"collection {collection!r}: private data is not supported by this peer")

    def get_state(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.GetState.FromString(msg.payload)
        self._public_only(req.collection)
        return self.ctx.simulator.get_state(self.ctx.namespace, req.key) or b""

    def get_state_multiple(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.GetStateMultiple.FromString(msg.payload)
        self._public_only(req.collection)
        values = [self.ctx.simulator.get_state(self.ctx.namespace, key) or b"" for key in req.keys]
        return chaincode_shim_pb2.GetStateMultipleResult(values=values).SerializeToString()

    def put_state(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.PutState.FromString(msg.payload)
        self._public_only(req.collection)
        self._write(Msg.PUT_STATE, req.key, req.value)
        return b""

    def del_state(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.DelState.FromString(msg.payload)
        self._public_only(req.collection)
        self._write(Msg.DEL_STATE, req.key)
        return b""

    def get_state_metadata(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.GetStateMetadata.FromString(msg.payload)
        self._public_only(req.collection)
        metadata = self.ctx.simulator.get_state_metadata(self.ctx.namespace, req.key)
        entries = [chaincode_shim_pb2.StateMetadata(metakey=k, value=metadata[k]) for k in sorted(metadata)]
        return chaincode_shim_pb2.StateMetadataResult(entries=entries).SerializeToString()

    def put_state_metadata(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.PutStateMetadata.FromString(msg.payload)
        self._public_only(req.collection)
        self._write(Msg.PUT_STATE_METADATA, req.key, metadata=req.metadata)
        return b""

    def write_batch_state(self, msg: Msg) -> bytes:
        """WRITE_BATCH_STATE: the records applied in order, as individual PUT/DEL/metadata requests."""
        req = chaincode_shim_pb2.WriteBatchState.FromString(msg.payload)
        for rec in req.rec:
            self._public_only(rec.collection)
            if rec.type not in (Msg.PUT_STATE, Msg.DEL_STATE, Msg.PUT_STATE_METADATA):
                raise RequestError(f"unknown operation type {rec.type} in write batch")
        for rec in req.rec:
            self._write(rec.type, rec.key, rec.value, rec.metadata)
        return b""

    def _write(
        self, kind: int, key: str, value: bytes = b"", metadata: chaincode_shim_pb2.StateMetadata | None = None
    ) -> None:
        sim, ns = self.ctx.simulator, self.ctx.namespace
        if kind == Msg.PUT_STATE:
            sim.set_state(ns, key, value)
        elif kind == Msg.DEL_STATE:
            sim.delete_state(ns, key)
        else:
            assert metadata is not None
            sim.set_state_metadata(ns, key, {metadata.metakey: metadata.value})

    # -- queries -------------------------------------------------------------------------------------
    def get_state_by_range(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.GetStateByRange.FromString(msg.payload)
        self._public_only(req.collection)
        metadata = parse_query_metadata(req.metadata)
        paginated = is_paginated(metadata)
        start = req.startKey
        page_size = 0
        if paginated:
            assert metadata is not None
            if metadata.pageSize < 0:
                raise RequestError("pageSize: must not be negative")
            if metadata.bookmark:
                start = metadata.bookmark
            page_size = metadata.pageSize or TOTAL_QUERY_LIMIT
        scan = self.ctx.simulator.range_scan(self.ctx.namespace, start, req.endKey, page_size)
        return self._open_query(PendingQuery(paginated=paginated, scan=scan))

    def get_query_result(self, msg: Msg) -> bytes:
        raise RequestError("ExecuteQuery not supported for leveldb")

    def get_history_for_key(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.GetHistoryForKey.FromString(msg.payload)
        history = self.ctx.simulator.history(self.ctx.namespace, req.key)
        return self._open_query(PendingQuery(paginated=False, history=iter(history)))

    def _open_query(self, query: PendingQuery) -> bytes:
        query_id = str(uuid.uuid4())
        self.ctx.queries[query_id] = query
        return build_query_response(self.ctx, query_id).SerializeToString()

    def query_state_next(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.QueryStateNext.FromString(msg.payload)
        if req.id not in self.ctx.queries:
            raise RequestError("query iterator not found")
        return build_query_response(self.ctx, req.id).SerializeToString()

    def query_state_close(self, msg: Msg) -> bytes:
        req = chaincode_shim_pb2.QueryStateClose.FromString(msg.payload)
        query = self.ctx.queries.pop(req.id, None)
        if query is not None and query.scan is not None:
            query.scan.close()
        return chaincode_shim_pb2.QueryResponse(has_more=False, id=req.id).SerializeToString()

    # -- chaincode-to-chaincode -----------------------------------------------------------------------
    async def invoke_chaincode(self, msg: Msg) -> bytes:
        """``HandleInvokeChaincode``: payload is a ChaincodeSpec; reply carries the callee's final message."""
        spec = chaincode_pb2.ChaincodeSpec.FromString(msg.payload)
        name, channel = parse_chaincode_name(spec.chaincode_id.name)
        if not name:
            raise RequestError("chaincode_id.name: chaincode name is empty")
        if self.ctx.invoke is None:
            raise RequestError("chaincode-to-chaincode invocation is not available here")
        final = await self.ctx.invoke(name, channel or self.ctx.channel_id, spec.input)
        return final.SerializeToString()


def _response(msg: Msg, payload: bytes) -> Msg:
    return Msg(type=Msg.RESPONSE, payload=payload, txid=msg.txid, channel_id=msg.channel_id)


_HANDLERS: dict[int, Callable[[RequestServer, Msg], bytes]] = {
    Msg.GET_STATE: RequestServer.get_state,
    Msg.GET_STATE_MULTIPLE: RequestServer.get_state_multiple,
    Msg.PUT_STATE: RequestServer.put_state,
    Msg.DEL_STATE: RequestServer.del_state,
    Msg.GET_STATE_METADATA: RequestServer.get_state_metadata,
    Msg.PUT_STATE_METADATA: RequestServer.put_state_metadata,
    Msg.WRITE_BATCH_STATE: RequestServer.write_batch_state,
    Msg.GET_STATE_BY_RANGE: RequestServer.get_state_by_range,
    Msg.GET_QUERY_RESULT: RequestServer.get_query_result,
    Msg.GET_HISTORY_FOR_KEY: RequestServer.get_history_for_key,
    Msg.QUERY_STATE_NEXT: RequestServer.query_state_next,
    Msg.QUERY_STATE_CLOSE: RequestServer.query_state_close,
}
"""Requests answered synchronously; INVOKE_CHAINCODE is served by ``RequestServer._respond_later``."""
