"""A smart contract on a channel: the application-facing way to evaluate and submit transactions.

Shaped like the official Fabric Gateway clients (``Contract.EvaluateTransaction``, ``SubmitTransaction``,
``NewProposal``). A ``contract_name`` qualifies transaction names as ``"<contract>:<name>"``, the convention
the contract-API shims use to route to one of several contracts in a chaincode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.client.commit import SubmittedTransaction, require_committed
from gateway.client.context import ClientContext
from gateway.client.errors import InvalidArgumentError
from gateway.client.fields import require_name
from gateway.client.proposal import Proposal, new_proposed_transaction


class Contract:
    def __init__(self, context: ClientContext, channel_id: str, chaincode_name: str, contract_name: str = "") -> None:
        self._context = context
        self.channel_id = require_name("channel_id", channel_id)
        self.chaincode_name = require_name("chaincode_name", chaincode_name)
        if not isinstance(contract_name, str):
            raise InvalidArgumentError("contract_name", "must be a string")
        self.contract_name = contract_name

    def qualified_name(self, transaction_name: str) -> str:
        require_name("transaction_name", transaction_name)
        return f"{self.contract_name}:{transaction_name}" if self.contract_name else transaction_name

    def new_proposal(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> Proposal:
        """An unsigned proposal; it is signed on ``evaluate``/``endorse`` or offline via its ``digest``."""
        args = [self.qualified_name(transaction_name), *arguments]
        proposed = new_proposed_transaction(
            self._context, self.channel_id, self.chaincode_name, args, transient_data, endorsing_organizations
        )
        return Proposal(self._context, proposed)

    def evaluate(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> bytes:
        """Query: run on one peer, nothing is ordered or committed."""
        return self.new_proposal(transaction_name, arguments, transient_data, endorsing_organizations).evaluate()

    def evaluate_transaction(self, transaction_name: str, *args: bytes | str) -> bytes:
        return self.evaluate(transaction_name, args)

    def submit_async(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> SubmittedTransaction:
        """Endorse and submit; returns once ordered. Call ``get_status()`` to wait for the commit."""
        proposal = self.new_proposal(transaction_name, arguments, transient_data, endorsing_organizations)
        return proposal.endorse().submit()

    def submit(
        self,
        transaction_name: str,
        arguments: Sequence[bytes | str] = (),
        transient_data: Mapping[str, bytes | str] | None = None,
        endorsing_organizations: Sequence[str] | None = None,
    ) -> bytes:
        """Endorse, submit and wait for the commit; raises ``CommitError`` unless the peer marked it VALID."""
        submitted = self.submit_async(transaction_name, arguments, transient_data, endorsing_organizations)
        require_committed(submitted.get_status())
        return submitted.result

    def submit_transaction(self, transaction_name: str, *args: bytes | str) -> bytes:
        return self.submit(transaction_name, args)
