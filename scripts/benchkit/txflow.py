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


async def submit_and_wait(contract: AsyncContract, name: str, args: Sequence[str]) -> tuple[str, float]:
    """-> (TxValidationCode name or ``ENDORSE_<grpc code>`` / ``SUBMIT_..`` / ``STATUS_..``, submit start)."""
    submitted_at = time.monotonic()
    try:
        transaction = await contract.new_proposal(name, list(args)).endorse()
        submitted_at = time.monotonic()
        commit = await transaction.submit()
        status = await commit.get_status()
    except EndorseError as exc:
        return f"ENDORSE_{exc.code.name}", submitted_at
    except SubmitError as exc:
        return f"SUBMIT_{exc.code.name}", submitted_at
    except CommitStatusError as exc:
        return f"STATUS_{exc.code.name}", submitted_at
    return status.code_name, submitted_at
