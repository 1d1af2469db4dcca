"""Block cutting rules of ``orderer/common/blockcutter/blockcutter.go`` as pure functions.

``ordered`` mirrors ``receiver.Ordered``:
1. A message larger than PreferredMaxBytes is isolated: the pending batch (if any) is cut, then the message
   alone forms a batch.
2. If adding the message would push the pending batch past PreferredMaxBytes, the pending batch is cut first.
3. The message joins the pending batch; when the batch reaches MaxMessageCount it is cut.
AbsoluteMaxBytes is enforced earlier, by the Broadcast size filter. The BatchTimeout timer (``cut``) lives in
the chain, which calls :func:`cut` when it fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BatchLimits:
    max_message_count: int
    absolute_max_bytes: int
    preferred_max_bytes: int


@dataclass(frozen=True)
class Pending:
    """Envelopes waiting for a block, each with the WAL index it was accepted under."""

    items: tuple[tuple[int, bytes], ...] = field(default_factory=tuple)

    @property
    def size_bytes(self) -> int:
        return sum(len(env) for _, env in self.items)


Batch = tuple[tuple[int, bytes], ...]


def message_is_oversized(size: int, limits: BatchLimits) -> bool:
    return size > limits.preferred_max_bytes


def message_overflows_batch(pending: Pending, size: int, limits: BatchLimits) -> bool:
    return pending.size_bytes + size > limits.preferred_max_bytes


def batch_is_full(pending: Pending, limits: BatchLimits) -> bool:
    return len(pending.items) >= limits.max_message_count


def ordered(pending: Pending, index: int, envelope: bytes, limits: BatchLimits) -> tuple[list[Batch], Pending]:
    """Add one envelope; return the batches that must become blocks now, and the new pending batch."""
    batches: list[Batch] = []
    size = len(envelope)
    if message_is_oversized(size, limits):
        if pending.items:
            batches.append(pending.items)
        batches.append(((index, envelope),))
        return batches, Pending()
    if pending.items and message_overflows_batch(pending, size, limits):
        batches.append(pending.items)
        pending = Pending()
    pending = Pending(pending.items + ((index, envelope),))
    if batch_is_full(pending, limits):
        batches.append(pending.items)
        pending = Pending()
    return batches, pending


def cut(pending: Pending) -> tuple[list[Batch], Pending]:
    """BatchTimeout fired: whatever is pending becomes a block."""
    if not pending.items:
        return [], pending
    return [pending.items], Pending()
