"""A smart contract on a channel: the application-facing way to evaluate and submit transactions.

Shaped like the official Fabric Gateway clients (``Contract.EvaluateTransaction``, ``SubmitTransaction``,
``NewProposal``). A ``contract_name`` qualifies transaction names as ``"<contract>:<name>"``, the convention
the contract-API shims use to route to one of several contracts in a chaincode.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from gateway.client.commit import require_committed
from gateway.client.context import ClientContext
from gateway.client.errors import InvalidArgumentError
from gateway.client.fields import require_name
from gateway.client.proposal import Proposal, ProposalBase, new_proposed_transaction
from gateway.client.rpc import Flow, blocking

ProposalT = TypeVar("ProposalT", bound=ProposalBase[Any])
C = TypeVar("C")
P = ParamSpec("P")
R = TypeVar("R")


def evaluated(proposal: ProposalBase[Any]) -> Flow[bytes]:
    """Query: run on one peer, nothing is ordered or committed."""
    return (yield from proposal.evaluate_flow())


def submitted(proposal: ProposalBase[Any]) -> Flow[Any]:
    """Endorse and submit; returns once ordered. Call ``get_status()`` to wait for the commit."""
    transaction = yield from proposal.endorse_flow()
    return (yield from transaction.submit_flow())


def committed(proposal: ProposalBase[Any]) -> Flow[bytes]:
    """Endorse, submit and wait for the commit; raises ``CommitError`` unless the peer marked it VALID."""
    transaction = yield from submitted(proposal)
    require_committed((yield from transaction.status_flow()))
    return transaction.result  # type: ignore[no-any-return]


def with_new_proposal(
    new_proposal: Callable[Concatenate[C, P], ProposalBase[Any]], operation: Callable[[Any], Flow[R]]
) -> Callable[Concatenate[C, P], Flow[R]]:
    """``operation`` on a proposal made by ``new_proposal`` from the same arguments.

    That is all ``evaluate``, ``submit_async`` and ``submit`` are (as in the official clients), so they take
    ``new_proposal``'s parameters, shown by ``help()`` and ``inspect.signature``, without restating them.
    """

    def flow(contract: C, /, *args: P.args, **kwargs: P.kwargs) -> Flow[R]:
        return (yield from operation(new_proposal(contract, *args, **kwargs)))

    returns = inspect.signature(operation).return_annotation
    flow.__signature__ = inspect.signature(new_proposal).replace(return_annotation=returns)  # type: ignore[attr-defined]
    flow.__name__, flow.__doc__ = operation.__name__, operation.__doc__
    return flow


class ContractBase(Generic[ProposalT]):
    """A chaincode on a channel, both flavours: every operation is a flow over its ``new_proposal``."""

    proposal_type: type[ProposalT]

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
    ) -> ProposalT:
        """An unsigned proposal; it is signed on ``evaluate``/``endorse`` or offline via its ``digest``."""
        args = [self.qualified_name(transaction_name), *arguments]
        proposed = new_proposed_transaction(
            self._context, self.channel_id, self.chaincode_name, args, transient_data, endorsing_organizations
        )
        return self.proposal_type(self._context, proposed, self.channel_id)

    evaluate_flow = with_new_proposal(new_proposal, evaluated)

    def evaluate_transaction_flow(self, transaction_name: str, *args: bytes | str) -> Flow[bytes]:
        return (yield from self.evaluate_flow(transaction_name, args))

    submit_async_flow = with_new_proposal(new_proposal, submitted)
    submit_flow = with_new_proposal(new_proposal, committed)

    def submit_transaction_flow(self, transaction_name: str, *args: bytes | str) -> Flow[bytes]:
        return (yield from self.submit_flow(transaction_name, args))


class Contract(ContractBase[Proposal]):
    proposal_type = Proposal
    evaluate = blocking(ContractBase.evaluate_flow)
    evaluate_transaction = blocking(ContractBase.evaluate_transaction_flow)
    submit_async = blocking(ContractBase.submit_async_flow)
    submit = blocking(ContractBase.submit_flow)
    submit_transaction = blocking(ContractBase.submit_transaction_flow)
