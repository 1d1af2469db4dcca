"""``update_batch_bytes`` against a real protobuf encoder of Fabric's private ``txmgr.Updates`` message.

The proto is not shipped in any wheel, so the test declares it (``core/ledger/kvledger/txmgmt/txmgr/
update_batch_bytes.proto``: ``KVWrite{namespace=1, collection=2, key=3, isDelete=4, value=5,
version_bytes=6}``, ``Updates{repeated KVWrite kvwrites=1}``) and lets protobuf serialise it; only the
ordering and the first-entry labels are spelled out here, following ``deterministicBytesForPubAndHashUpdates``.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hypothesis import given, settings
from hypothesis import strategies as st

from network.devnet.ledger.commithash import update_batch_bytes
from network.devnet.ledger.updates import Update, UpdateBatch
from network.devnet.ledger.version import Version

F = descriptor_pb2.FieldDescriptorProto


def _updates_class() -> Any:
    fdp = descriptor_pb2.FileDescriptorProto(name="txmgr_oracle.proto", package="oracle", syntax="proto3")
    kv = fdp.message_type.add(name="KVWrite")
    for number, (name, kind) in enumerate(
        [
            ("namespace", F.TYPE_STRING),
            ("collection", F.TYPE_STRING),
            ("key", F.TYPE_BYTES),
            ("isDelete", F.TYPE_BOOL),
            ("value", F.TYPE_BYTES),
            ("version_bytes", F.TYPE_BYTES),
        ],
        start=1,
    ):
        kv.field.add(name=name, number=number, type=kind, label=F.LABEL_OPTIONAL)
    updates = fdp.message_type.add(name="Updates")
    updates.field.add(
        name="kvwrites", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED, type_name=".oracle.KVWrite"
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("oracle.Updates"))


Updates = _updates_class()


def oracle_bytes(batch: UpdateBatch) -> bytes:
    msg = Updates()
    for ns in sorted(set(batch.public) | set(batch.hashed), key=str.encode):
        if ns == "":
            continue
        entries: list[tuple[str, bytes, Update]] = [
            ("", k.encode(), batch.public[ns][k]) for k in sorted(batch.public.get(ns, {}), key=str.encode)
        ]
        for coll in sorted(batch.hashed.get(ns, {}), key=str.encode):
            updates = batch.hashed[ns][coll]
            entries += [(coll if i == 0 else "", kh, updates[kh]) for i, kh in enumerate(sorted(updates))]
        for i, (coll, key, update) in enumerate(entries):
            msg.kvwrites.add(
                namespace=ns if i == 0 else "",
                collection=coll,
                key=key,
                isDelete=update.value is None,
                value=update.value or b"",
                version_bytes=update.version.to_bytes(),
            )
    return bytes(msg.SerializeToString(deterministic=True))


names = st.text(alphabet="ab_é\x00", max_size=3)
updates = st.builds(
    Update,
    st.one_of(st.none(), st.binary(max_size=4)),
    st.builds(Version, st.integers(0, 2**40), st.integers(0, 300)),
    st.just({}),
)
batches = st.builds(
    UpdateBatch,
    st.dictionaries(names, st.dictionaries(names, updates, max_size=3), max_size=3),
    st.dictionaries(
        names, st.dictionaries(names, st.dictionaries(st.binary(max_size=3), updates, max_size=3), max_size=2)
    ),
)


@settings(max_examples=300, deadline=None)
@given(batches)
def test_update_batch_bytes_equal_protobuf_encoding(batch: UpdateBatch) -> None:
    assert update_batch_bytes(batch) == oracle_bytes(batch)
