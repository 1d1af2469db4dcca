"""Block cutting rules (``orderer/common/blockcutter/blockcutter.go``)."""

from __future__ import annotations

from network.devnet.orderer.blockcutter import BatchLimits, Pending, cut, ordered

LIMITS = BatchLimits(max_message_count=3, absolute_max_bytes=1000, preferred_max_bytes=100)


def feed(envelopes: list[bytes], limits: BatchLimits = LIMITS) -> tuple[list[list[bytes]], Pending]:
    pending = Pending()
    out: list[list[bytes]] = []
    for index, env in enumerate(envelopes, start=1):
        batches, pending = ordered(pending, index, env, limits)
        out.extend([e for _, e in batch] for batch in batches)
    return out, pending


def test_cuts_when_max_message_count_reached() -> None:
    batches, pending = feed([b"a", b"b", b"c", b"d"])
    assert batches == [[b"a", b"b", b"c"]]
    assert [e for _, e in pending.items] == [b"d"]


def test_oversized_message_is_isolated_after_cutting_pending() -> None:
    big = b"x" * 101
    batches, pending = feed([b"a", big, b"b"])
    assert batches == [[b"a"], [big]]
    assert [e for _, e in pending.items] == [b"b"]


def test_message_that_would_overflow_preferred_bytes_starts_new_batch() -> None:
    batches, pending = feed([b"a" * 60, b"b" * 50])
    assert batches == [[b"a" * 60]]
    assert [e for _, e in pending.items] == [b"b" * 50]


def test_exactly_preferred_bytes_does_not_overflow() -> None:
    batches, pending = feed([b"a" * 50, b"b" * 50])
    assert batches == []
    assert pending.size_bytes == 100


def test_timeout_cut_flushes_pending_and_is_noop_when_empty() -> None:
    _, pending = feed([b"a", b"b"])
    batches, pending = cut(pending)
    assert [[e for _, e in b] for b in batches] == [[b"a", b"b"]]
    assert cut(pending) == ([], Pending())


def test_batches_keep_wal_indexes_in_order() -> None:
    pending = Pending()
    batches, pending = ordered(pending, 7, b"a", LIMITS)
    batches, pending = ordered(pending, 8, b"b", LIMITS)
    batches, pending = ordered(pending, 9, b"c", LIMITS)
    assert batches == [((7, b"a"), (8, b"b"), (9, b"c"))]
