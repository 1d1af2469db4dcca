"""One transaction through the Gateway, reported as an outcome label instead of an exception.

The steps are the official clients' (endorse, submit, commit status) so submit-to-commit latency can be
timed on its own. Error labels keep the failing step: an endorsement refused for an MVCC reason and a
transaction invalidated at commit are different things to count.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from gateway.client.aio import AsyncContract
from gateway.client.errors import CommitStatusError, EndorseError, SubmitError


async def submit_and_wait(contract: AsyncContract, name: str, args: Sequence[str],
                          examples: dict[str, str] | None = None) -> tuple[str, float]:
    """-> (TxValidationCode name or ``ENDORSE_<grpc code>`` / ``SUBMIT_..`` / ``STATUS_..``, submit start).
    ``examples`` collects the first error message seen per error label (for the result file)."""
    submitted_at = time.monotonic()
    try:
        transaction = await contract.new_proposal(name, list(args)).endorse()
        submitted_at = time.monotonic()
        commit = await transaction.submit()
        status = await commit.get_status()
    except (EndorseError, SubmitError, CommitStatusError) as exc:
        step = {EndorseError: "ENDORSE", SubmitError: "SUBMIT", CommitStatusError: "STATUS"}[type(exc)]
        label = f"{step}_{exc.code.name}"
        if examples is not None and label not in examples:
            details = "; ".join(d.message for d in getattr(exc, "details", []) or [])
            examples[label] = f"{exc} {details}".strip()[:500]
        return label, submitted_at
    return status.code_name, submitted_at
