"""A gateway-client "driver" with the interface of ``chaincode.testing.harness.Harness``.

The unit scenarios in ``tests/chaincode/`` call ``h.submit(who, fn, *args)``, ``h.evaluate(...)``,
``h.last_event()``, ``h.now`` / ``h.tick(s)`` and compare ``h.ledger.state`` before and after a refused
transaction. ``DevnetHarness`` implements exactly that against devnet, so those scenario functions run unchanged
with real identities, real endorsement by MAJORITY of three orgs' peers, ordering and validation:

- ``submit``: endorse through the caller's own org's Gateway, submit, wait for the commit (``CommitError``
  unless VALID); a refusal by the chaincode surfaces as the client's ``EndorseError`` whose per-peer
  ``ErrorDetail`` carries the chaincode's JSON error, converted back to ``RegistryError`` so scenarios assert
  the same stable error code;
- ``now``/``tick``: the proposal timestamp is the chaincode's clock (``GetTxTimestamp``); ticking moves it
  ahead of the wall clock, which the peer accepts within its time window (15 min,
  ``peer.authentication.timewindow``), so only scenarios that tick less than that can run here;
- ``last_event``: read from the peer's ``ChaincodeEvents`` stream (``network.get_chaincode_events``) at the
  block of the last submitted transaction, matched by transaction id;
- reads after a submit see it on every peer: ``submit`` returns once all peers committed its block;
- ``ledger.state``: the chaincode namespace's world state as committed by every peer (read from the peers'
  own ledger databases once all have the same height; read-only).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fabric_protos.gateway import gateway_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import proposal_pb2

from chaincode.assetregistry.errors import RegistryError, parse_error
from gateway.client import EndorseError, EvaluateError
from gateway.client.errors import CommitError
from gateway.client.proposal import build_proposal
from integration.conftest import AssetNetwork
from network.devnet.node import paths

TIME_WINDOW_SECONDS = 15 * 60 - 60  # stay a minute inside the peer's default 15-minute window
SETTLE_SECONDS = 30.0


@dataclass(frozen=True)
class DevnetIdentity:
    """A user of the generated consortium; ``account()`` as ``chaincode.testing.certs.Identity.account``."""

    msp_id: str
    user: str
    common_name: str

    def account(self, name: str | None = None) -> str:
        return f"{self.msp_id}/{name or self.common_name}"


@dataclass(frozen=True)
class DevnetPeople:
    """The same cast as ``tests/chaincode/conftest.py``'s ``People``, enrolled in the devnet consortium."""

    issuer1: DevnetIdentity
    kyc1: DevnetIdentity
    op1: DevnetIdentity
    alice: DevnetIdentity
    alice2: DevnetIdentity
    issuer2: DevnetIdentity
    kyc2: DevnetIdentity
    auditor2: DevnetIdentity
    bob: DevnetIdentity
    auditor3: DevnetIdentity
    carol: DevnetIdentity


def devnet_people(net: AssetNetwork) -> DevnetPeople:
    orgs = {"issuer1": "Org1MSP", "kyc1": "Org1MSP", "op1": "Org1MSP", "alice": "Org1MSP", "alice2": "Org1MSP",
            "issuer2": "Org2MSP", "kyc2": "Org2MSP", "auditor2": "Org2MSP", "bob": "Org2MSP",
            "auditor3": "Org3MSP", "carol": "Org3MSP"}
    return DevnetPeople(**{
        user: DevnetIdentity(msp, user, net.account(msp, user).split("/", 1)[1]) for user, msp in orgs.items()
    })


def registry_error(error: EndorseError | EvaluateError) -> RegistryError | None:
    """The chaincode's JSON error from the gateway error's per-peer details (or its status message)."""
    for text in [d.message for d in error.details] + [error.status_message]:
        start = text.find("{")
        parsed = parse_error(text[start:]) if start >= 0 else None
        if parsed is not None:
            return parsed
    return None


class PeerLedgers:
    """Read-only view of the peers' committed ledgers (``Harness.ledger`` counterpart)."""

    def __init__(self, net: AssetNetwork, namespace: str) -> None:
        self.net = net
        self.namespace = namespace

    def databases(self) -> list[Path]:
        out = []
        for org, peer in self.net.layout.spec.peers():
            # network/devnet/ledger/store.py Ledger.open: a directory holding ledger.sqlite
            ledgers = paths.data_dir(self.net.layout.root, f"{peer.name}.{org.domain}") / "ledgers"
            out.append(ledgers / self.net.channel / "ledger.sqlite")
        return out

    @staticmethod
    def _query(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def heights(self) -> list[int]:
        return [int(self._query(db, "SELECT COALESCE(MAX(num), -1) + 1 FROM blocks")[0][0]) for db in self.databases()]

    def wait_height(self, height: int) -> None:
        """Wait until every peer has committed ``height`` blocks. Peers commit at their own pace, so a query
        on another org's peer right after a commit could otherwise read the previous state - as on Fabric."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while min(heights := self.heights()) < height:
            if time.monotonic() > deadline:
                raise AssertionError(f"peers did not reach height {height}: {heights}")
            time.sleep(0.05)

    def settle(self) -> int:
        """Wait until every peer has committed the same number of blocks; return that height."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            heights = self.heights()
            if len(set(heights)) == 1:
                return heights[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"peers did not converge: heights {heights}")
            time.sleep(0.1)

    def states(self) -> list[dict[bytes, tuple[bytes, bytes]]]:
        self.settle()
        sql = "SELECT key, value, metadata FROM state WHERE ns = ? ORDER BY key"
        return [{bytes(k): (bytes(v), bytes(m)) for k, v, m in self._query(db, sql, self.namespace)}
                for db in self.databases()]

    def metadata(self, key: str) -> dict[str, bytes]:
        """A committed key's metadata (e.g. ``VALIDATION_PARAMETER``, the key-level endorsement policy)."""
        value, meta = self.state[key.encode()]
        return {e.name: bytes(e.value) for e in kv_rwset_pb2.KVMetadataWrite.FromString(meta).entries}

    @property
    def state(self) -> dict[bytes, tuple[bytes, bytes]]:
        """The namespace's world state (value and metadata per key); every peer must hold the same."""
        states = self.states()
        assert all(s == states[0] for s in states), "peers disagree on the world state"
        return states[0]


class DevnetHarness:
    """``Harness`` over devnet: see the module docstring."""

    def __init__(self, net: AssetNetwork, chaincode: str | None = None) -> None:
        self.net = net
        self.chaincode = chaincode or net.chaincode
        self.ledger = PeerLedgers(net, self.chaincode)
        self.offset = 0
        self.last: tuple[str, int] | None = None  # (txid, block) of the last committed transaction

    # -- clock -----------------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        return int(time.time()) + self.offset

    def tick(self, seconds: int = 1) -> None:
        if self.offset + seconds > TIME_WINDOW_SECONDS:
            raise RuntimeError(f"tick({seconds}) leaves the peer's proposal time window; not possible on devnet")
        self.offset += seconds

    # -- transactions ----------------------------------------------------------------------------------
    def _proposal(self, who: DevnetIdentity, fn: str, args: tuple[str, ...], orgs: list[str] | None) -> Any:
        gw = self.net.gateway(who.msp_id, who.user)
        identity, signer = self.net.identity(who.msp_id, who.user)
        stamp = datetime.fromtimestamp(self.now, UTC) if self.offset else None
        proposal, txid = build_proposal(identity, self.net.channel, self.chaincode, [fn, *args], timestamp=stamp)
        raw = proposal.SerializeToString()
        proposed = gateway_pb2.ProposedTransaction(
            transaction_id=txid, proposal=proposal_pb2.SignedProposal(proposal_bytes=raw),
            endorsing_organizations=orgs or [])
        return gw.new_signed_proposal(proposed.SerializeToString(), signer(raw))

    def submit(self, who: DevnetIdentity, fn: str, *args: str, endorsing_organizations: list[str] | None = None
               ) -> Any:
        proposal = self._proposal(who, fn, args, endorsing_organizations)
        try:
            submitted = proposal.endorse().submit()
        except EndorseError as error:
            raise (registry_error(error) or error) from error
        status = submitted.get_status()
        if not status.successful:
            raise CommitError(status.transaction_id, status.code, status.block_number)
        self.last = (status.transaction_id, status.block_number)
        self.ledger.wait_height(status.block_number + 1)  # scenarios read their writes on any org's peer
        return json.loads(submitted.result) if submitted.result else None

    def evaluate(self, who: DevnetIdentity, fn: str, *args: str) -> Any:
        try:
            result = self._proposal(who, fn, args, None).evaluate()
        except EvaluateError as error:
            raise (registry_error(error) or error) from error
        return json.loads(result) if result else None

    def last_event(self) -> tuple[str, dict[str, Any]]:
        """(name, payload) of the last committed transaction's chaincode event, from the peer's event stream."""
        assert self.last is not None, "no transaction submitted yet"
        txid, block = self.last
        network = self.net.gateway("Org1MSP", "alice").get_network(self.net.channel)
        with network.get_chaincode_events(self.chaincode, start_block=block, timeout=30) as events:
            for event in events:
                if event.transaction_id == txid:
                    return event.event_name, json.loads(event.payload)
                if event.block_number > block:
                    break
        raise AssertionError(f"no chaincode event for transaction {txid} in block {block}")
