"""The narrow interface between the REST service and Fabric.

The service never speaks gRPC itself: it asks a :class:`FabricPort` to evaluate, endorse, submit, wait for
commit status and stream chaincode events, each time handing over the *signing identity* that must sign.
The split of submit into ``endorse`` -> ``submit`` -> ``commit_status`` mirrors Fabric's Gateway service
(``internal/pkg/gateway``: Endorse, Submit, CommitStatus) and is what makes crash safety possible: the signed
envelope returned by ``endorse`` is persisted before ``submit`` sends it, and can be sent again unchanged
after a crash (same txid, so Fabric's duplicate-txid check stops a second application).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from gateway.client.identity import Identity, Signer


@dataclass(frozen=True)
class SigningIdentity:
    """An org's identity plus the signer the wallet (or HSM) produced for it."""

    label: str
    identity: Identity
    signer: Signer


@dataclass(frozen=True)
class TxRequest:
    """One chaincode invocation, already validated by the REST layer."""

    channel: str
    chaincode: str
    function: str
    args: tuple[str, ...] = ()
    transient: Mapping[str, bytes] = field(default_factory=dict)
    endorsing_orgs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedTransaction:
    """A fully signed transaction envelope, ready to send to the orderers (bytes of ``common.Envelope``)."""

    txid: str
    channel: str
    envelope: bytes
    result: bytes = b""


@dataclass(frozen=True)
class CommitStatus:
    """Outcome of a transaction as recorded in a block (``transaction.TxValidationCode``)."""

    txid: str
    validation_code: int
    block_number: int

    @property
    def valid(self) -> bool:
        return self.validation_code == VALID


@dataclass(frozen=True)
class ChaincodeEvent:
    block_number: int
    txid: str
    chaincode: str
    name: str
    payload: bytes


class FailureKind(StrEnum):
    """Where in Fabric's flow a request failed; decides the HTTP status (see ``service/errormap.py``)."""

    EVALUATE = "evaluate"
    ENDORSE = "endorse"
    SUBMIT = "submit"
    COMMIT_STATUS = "commit_status"
    EVENTS = "events"


class FabricFailure(Exception):
    """A Fabric-side failure: the gRPC status name, Fabric's message, per-peer details and, for the chaincode
    errors of the asset registry, the JSON ``{"code", "field", "message"}`` body of the chaincode response."""

    def __init__(
        self,
        kind: FailureKind,
        grpc_code: str,
        message: str,
        details: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.grpc_code = grpc_code
        self.message = message
        self.details = details


class InvalidRequest(ValueError):
    """The request could not even be built (nothing was signed or sent): the caller's input, named by
    ``field`` as the REST body names it. Raised by a port when the client library refuses an argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# transaction.TxValidationCode values the service reasons about (fabric-protocol.md §6.4).
VALID = 0
DUPLICATE_TXID = 9
ENDORSEMENT_POLICY_FAILURE = 10
MVCC_READ_CONFLICT = 11
PHANTOM_READ_CONFLICT = 12


class FabricPort(Protocol):
    """What the service needs from a Fabric gateway connection of one org."""

    def evaluate(self, who: SigningIdentity, request: TxRequest) -> bytes:
        """Run a read-only proposal on one peer; return the chaincode response payload."""
        ...

    def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction:
        """Collect endorsements and return the envelope signed by ``who``; nothing is sent to orderers."""
        ...

    def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None:
        """Send a prepared envelope to the ordering service."""
        ...

    def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus:
        """Wait (up to ``timeout`` seconds) until ``txid`` is in a block; raise FabricFailure otherwise."""
        ...

    def chaincode_events(
        self, who: SigningIdentity, channel: str, chaincode: str, start_block: int | None
    ) -> Iterator[ChaincodeEvent]:
        """Events of valid transactions from ``start_block`` (None: next block), in ledger order."""
        ...

    def channel_orgs(self, who: SigningIdentity, channel: str) -> frozenset[str]:
        """MSP IDs of the channel's application orgs (from its config block); FabricFailure if unknown."""
        ...

    def ready(self) -> bool:
        """True when the org's peer answers."""
        ...


class AsyncFabricPort(Protocol):
    """The submit half of :class:`FabricPort` as coroutines: what the submit path awaits on the event loop, so a
    transaction waiting for its commit holds no thread (``aio_port.py`` over ``gateway.client.aio``)."""

    async def endorse(self, who: SigningIdentity, request: TxRequest) -> PreparedTransaction: ...

    async def submit(self, who: SigningIdentity, prepared: PreparedTransaction) -> None: ...

    async def commit_status(self, who: SigningIdentity, channel: str, txid: str, timeout: float) -> CommitStatus: ...

    async def channel_orgs(self, who: SigningIdentity, channel: str) -> frozenset[str]: ...
