"""The endorsers a gateway can use: its own peer in-process, other peers over gRPC with TLS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from fabric_protos.peer import peer_pb2_grpc, proposal_pb2, proposal_response_pb2

from network.devnet.endorser.endorser import Endorser
from network.devnet.node.grpcserver import client_channel


@dataclass
class EndorserTarget:
    """One peer: MSP ID, address and how to reach it."""

    mspid: str
    address: str
    local: Endorser | None = None
    endpoint: Any = None
    last_error_code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    """gRPC code of the last remote failure (Fabric's gateway reports ``status.Code(err)``)."""
    _stub: peer_pb2_grpc.EndorserStub | None = None
    _channel: grpc.aio.Channel | None = None

    async def process(self, signed: proposal_pb2.SignedProposal, timeout: float,
                      ) -> tuple[proposal_response_pb2.ProposalResponse | None, str | None]:
        """(response, gRPC error text); a remote gRPC error comes without a response, as in Go."""
        if self.local is not None:
            outcome = await self.local.process_proposal(signed)
            return outcome.response, outcome.grpc_error
        if self._stub is None:
            self._channel = client_channel(self.endpoint.address, self.endpoint.tls_root_cert, self.endpoint.host)
            self._stub = peer_pb2_grpc.EndorserStub(self._channel)
        try:
            return await self._stub.ProcessProposal(signed, timeout=timeout), None
        except grpc.aio.AioRpcError as exc:
            await self.drop()
            self.last_error_code = exc.code()
            return None, f"rpc error: code = {exc.code().name.title().replace('_', '')} desc = {exc.details()}"

    async def drop(self) -> None:
        """Failed connections are closed and re-dialled on next use (``registry.go`` ``removeEndorser``)."""
        if self._channel is not None:
            await self._channel.close()
        self._channel = None
        self._stub = None
