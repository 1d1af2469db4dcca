"""One block's view of committed state: repeated point reads hit the ledger once, answers are unchanged."""

from __future__ import annotations

from collections.abc import Iterator

from network.devnet.ledger.version import Version, VersionedValue
from network.devnet.validation.stateview import BlockStateView


class CountingState:
    def __init__(self) -> None:
        self.reads: list[tuple[str, ...]] = []
        self.data = {("_lifecycle", "namespaces/metadata/cc"): VersionedValue(b"def", Version(1, 0), {})}

    def get_state(self, ns: str, key: str) -> VersionedValue | None:
        self.reads.append((ns, key))
        return self.data.get((ns, key))

    def get_private_hash(self, ns: str, collection: str, key_hash: bytes) -> VersionedValue | None:
        self.reads.append((ns, collection, key_hash.hex()))
        return None

    def range(self, ns: str, start_key: str, end_key: str) -> Iterator[tuple[str, VersionedValue]]:
        self.reads.append(("range", ns))
        return iter([])

    def txid_exists(self, txid: str) -> bool:
        self.reads.append(("txid", txid))
        return txid == "known"


def test_point_reads_are_memoised_including_absent_keys() -> None:
    state = CountingState()
    view = BlockStateView(state)
    for _ in range(3):
        found = view.get_state("_lifecycle", "namespaces/metadata/cc")
        assert found is not None and found.value == b"def"
        assert view.get_state("cc", "missing") is None
        assert view.get_private_hash("cc", "coll", b"\x01") is None
    assert state.reads == [("_lifecycle", "namespaces/metadata/cc"), ("cc", "missing"), ("cc", "coll", "01")]


def test_txids_are_memoised_and_ranges_always_reach_the_ledger() -> None:
    """Committed txids cannot change during one block's validation (duplicates inside the block are the
    block's own check), so the ledger is asked once per txid; range scans are not memoised."""
    state = CountingState()
    view = BlockStateView(state)
    assert view.txid_exists("known") and view.txid_exists("known")
    assert not view.txid_exists("new") and not view.txid_exists("new")
    assert list(view.range("cc", "", "")) == [] and list(view.range("cc", "", "")) == []
    assert state.reads.count(("txid", "known")) == 1
    assert state.reads.count(("txid", "new")) == 1
    assert state.reads.count(("range", "cc")) == 2


class BatchingState(CountingState):
    """A ledger double that also offers the batched reads."""

    def get_states(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], VersionedValue]:
        self.reads.append(("batch", str(len(keys))))
        return {k: self.data[k] for k in keys if k in self.data}

    def existing_txids(self, txids: list[str]) -> set[str]:
        self.reads.append(("txid-batch", ",".join(txids)))
        return {t for t in txids if t == "known"}


def test_prefetch_answers_like_point_reads_in_one_round_trip() -> None:
    state = BatchingState()
    view = BlockStateView(state)
    keys = [("_lifecycle", "namespaces/metadata/cc"), ("cc", "missing"), ("cc", "missing")]
    view.prefetch_states(keys)
    view.prefetch_txids(["known", "new", "known"])
    assert view.get_state("_lifecycle", "namespaces/metadata/cc") == state.data[keys[0]]
    assert view.get_state("cc", "missing") is None
    assert view.txid_exists("known") and not view.txid_exists("new")
    assert state.reads == [("batch", "2"), ("txid-batch", "known,new")]
    view.prefetch_states(keys)  # already known: no second round trip
    assert view.get_state("cc", "other") is None
    assert state.reads[2:] == [("cc", "other")]

