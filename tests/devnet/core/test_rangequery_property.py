"""Property: a range query recorded by the simulator validates against the same state, and any phantom
(insert, delete or version change inside the range) is detected, for raw reads and merkle summaries."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from network.devnet.ledger.rangequery import RangeQueryRecorder
from network.devnet.ledger.updates import UpdateBatch
from network.devnet.ledger.version import Version, VersionedValue
from network.devnet.validation.mvcc import valid_range_query


class DictState:
    """Committed state held in a dict (byte-ordered scans), enough for the MVCC functions."""

    def __init__(self, data: dict[str, Version]) -> None:
        self.data = data

    def get_state(self, ns: str, key: str) -> VersionedValue | None:
        v = self.data.get(key)
        return VersionedValue(b"v", v) if v is not None else None

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None:
        return None

    def range(self, ns: str, start: str, end: str) -> Iterator[tuple[str, VersionedValue]]:
        for key in sorted(self.data, key=str.encode):
            if key.encode() >= start.encode() and (not end or key.encode() < end.encode()):
                yield key, VersionedValue(b"v", self.data[key])


keys = st.text(alphabet="abcdef", min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(
    data=st.dictionaries(keys, st.integers(1, 5), max_size=40),
    bounds=st.tuples(keys, keys),
    degree=st.integers(2, 4),
    extra=keys,
)
def test_recorded_range_validates_and_phantoms_are_caught(
    data: dict[str, int], bounds: tuple[str, str], degree: int, extra: str
) -> None:
    start, end = sorted(bounds)
    state = DictState({k: Version(v, 0) for k, v in data.items()})
    rec = RangeQueryRecorder(start, end, max_degree=degree)
    for key, vv in state.range("cc", start, end):
        rec.add(key, vv.version)
    info = rec.finish(exhausted=True)
    assert valid_range_query("cc", info, UpdateBatch(), state)

    in_range = start <= extra < end
    changed = dict(state.data)
    if extra in changed:
        changed[extra] = Version(99, 0)  # version change
    else:
        changed[extra] = Version(1, 0)  # insert
    assert valid_range_query("cc", info, UpdateBatch(), DictState(changed)) is not in_range
    if extra in state.data:
        removed = {k: v for k, v in state.data.items() if k != extra}
        assert valid_range_query("cc", info, UpdateBatch(), DictState(removed)) is not in_range
