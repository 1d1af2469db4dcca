"""Drive the real contract dispatch (``ContractChaincode.invoke``) over a :class:`MemLedger`.

``submit`` = simulate + commit (a failed or conflicting transaction changes nothing); ``evaluate`` =
simulate only. ``simulate`` / ``commit`` are exposed separately to model concurrent endorsement against
one snapshot followed by ordered commits, which is what MVCC conflicts are about.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from fabric_chaincode_python.fabric_contract_api import ContractChaincode

from chaincode.assetregistry.contract import AssetRegistry
from chaincode.assetregistry.errors import ErrorCode, RegistryError, parse_error
from chaincode.testing.certs import Identity
from chaincode.testing.memstub import MemLedger, MemStub

START_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z


class Harness:
    def __init__(self, ledger: MemLedger | None = None, chaincode: ContractChaincode | None = None) -> None:
        self.ledger = ledger or MemLedger()
        self.chaincode = chaincode or ContractChaincode.new_chaincode(AssetRegistry())
        self.now = START_TIME
        self._counter = 0

    def tick(self, seconds: int = 1) -> None:
        self.now += seconds

    def _tx_id(self) -> str:
        self._counter += 1
        return hashlib.sha256(f"tx-{self._counter}".encode()).hexdigest()

    def simulate(self, who: Identity, fn: str, *args: str) -> tuple[MemStub, Any]:
        """Run the proposal; returns the stub (read/write sets) and the decoded result or error."""
        stub = MemStub(self.ledger, self._tx_id(), who.msp_id, who.cert_pem, [fn, *args], self.now)
        response = asyncio.run(self.chaincode.invoke(stub))
        if response.status >= 400:
            error = parse_error(response.message) or RegistryError(ErrorCode.INTERNAL, response.message)
            return stub, error
        return stub, json.loads(response.payload) if response.payload else None

    def submit(self, who: Identity, fn: str, *args: str) -> Any:
        self.tick()
        stub, result = self.simulate(who, fn, *args)
        if isinstance(result, RegistryError):
            raise result
        self.ledger.commit(stub)
        self.ledger.next_block()
        return result

    def evaluate(self, who: Identity, fn: str, *args: str) -> Any:
        stub, result = self.simulate(who, fn, *args)
        if isinstance(result, RegistryError):
            raise result
        if stub.writes or stub.event:
            raise AssertionError(f"evaluate {fn} produced writes or an event")
        return result

    def last_event(self) -> tuple[str, dict[str, Any]]:
        _, name, payload = self.ledger.events[-1]
        return name, json.loads(payload)
