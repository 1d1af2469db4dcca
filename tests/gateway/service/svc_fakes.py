"""A test double of the FabricPort for unit tests (not Fabric behaviour: integration tests use devnet).

It records every signature made with each wallet identity, so tests can assert that nothing was signed.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.client.txid import compute_txid, new_nonce
from gateway.service.fabric_port import (
    VALID,
    ChaincodeEvent,
    CommitStatus,
    FabricFailure,
    FailureKind,
    PreparedTransaction,
    SigningIdentity,
    TxRequest,
)


@dataclass
class FakeFabric:
    org: str
    results: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, FabricFailure] = field(default_factory=dict)
    # function -> validation codes returned for successive attempts (last one repeats)
    commit_codes: dict[str, list[int]] = field(default_factory=dict)
    submit_failure: FabricFailure | None = None
    commit_failure: FabricFailure | None = None
    events: list[ChaincodeEvent] = field(default_factory=list)
    is_ready: bool = True
    channel_members: frozenset[str] = frozenset({"Org1MSP", "Org2MSP", "Org3MSP"})
    members_failure: FabricFailure | None = None
    signatures: list[tuple[str, str]] = field(default_factory=list)  # (label, msp_id)
    submitted: list[bytes] = field(default_factory=list)
    proposals: list[TxRequest] = field(default_factory=list)
    _tx_function: dict[str, str] = field(default_factory=dict)
    _attempt: dict[str, int] = field(default_factory=dict)
    _committed: dict[str, CommitStatus] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _block: int = 10

    def _sign(self, who: SigningIdentity, message: bytes) -> bytes:
        signature = who.signer(message)
        with self._lock:
            self.signatures.append((who.label, who.identity.msp_id))
        return signature

    def evaluate(self, who: SigningIdentity, request: TxRequest) -> bytes:
        self._sign(who, b"proposal:" + request.function.encode())
        self.proposals.append(request)
        if request.function in self.failures:
            failure = self.failures[request.function]
            raise FabricFailure(FailureKind.EVALUATE, failure.grpc_code, failure.message, failure.details)
        return self.results.get(request.function, b'{"ok":true}')

    def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction:
        creator = who.identity.serialize()
        nonce = new_nonce()
        txid = compute_txid(nonce, creator)
        self._sign(who, b"proposal:" + nonce)
        self.proposals.append(request)
        if request.function in self.failures:
            raise self.failures[request.function]
        signature = self._sign(who, b"payload:" + txid.encode())
        with self._lock:
            self._tx_function[txid] = request.function
        envelope = b"ENV|" + txid.encode() + b"|" + signature
        return PreparedTransaction(txid, request.channel, envelope, self.results.get(request.function, b'"done"'))

    def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None:
        if self.submit_failure is not None:
            raise self.submit_failure
        with self._lock:
            self.submitted.append(prepared.envelope)

    def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus:
        self._sign(who, b"commit:" + txid.encode())
        if self.commit_failure is not None:
            raise self.commit_failure
        with self._lock:
            if txid in self._committed:
                return self._committed[txid]
            if not any(env.split(b"|")[1].decode() == txid for env in self.submitted):
                raise FabricFailure(FailureKind.COMMIT_STATUS, "DEADLINE_EXCEEDED", "not committed in time")
            function = self._tx_function.get(txid, "")
            n = self._attempt.get(function, 0)
            self._attempt[function] = n + 1
            codes = self.commit_codes.get(function, [VALID])
            code = codes[min(n, len(codes) - 1)]
            self._block += 1
            status = CommitStatus(txid, code, self._block)
            self._committed[txid] = status
            return status

    def chaincode_events(
        self, who: SigningIdentity, channel: str, chaincode: str, start_block: int | None
    ) -> Iterator[ChaincodeEvent]:
        self._sign(who, b"events")
        first = start_block or 0
        return iter([e for e in self.events if e.block_number >= first])

    def channel_orgs(self, who: SigningIdentity, channel: str) -> frozenset[str]:
        if self.members_failure is not None:
            raise self.members_failure
        return self.channel_members

    def ready(self) -> bool:
        return self.is_ready


def envelope_digest(envelope: bytes) -> str:
    return hashlib.sha256(envelope).hexdigest()
