"""Block validation assigns Fabric's TxValidationCodes: structure, signatures, txids, policies, MVCC, phantoms."""

from __future__ import annotations

from pathlib import Path

import pytest
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import chaincode_event_pb2, collection_pb2, transaction_pb2
from fabric_protos.peer import configuration_pb2 as peer_cfg

from devnet.fixtures.configtree import config_update_envelope, orderer_config_tx
from devnet.fixtures.pki import Org
from devnet.fixtures.txs import endorser_tx
from devnet.fixtures.world import World, ref_policy, sig_policy
from network.devnet.channelconfig import propose_config_update
from network.devnet.ledger import RWSetBuilder, Version
from network.devnet.ledger.blockparse import endorser_tx_rwset
from network.devnet.ledger.rangequery import RangeQueryRecorder
from network.devnet.policy import from_string
from network.devnet.validation import BlockValidationError, validate_block

C = transaction_pb2.TxValidationCode
EITHER = "OR('Org1MSP.peer', 'Org2MSP.peer')"
BOTH = "AND('Org1MSP.peer', 'Org2MSP.peer')"


@pytest.fixture
def world(tmp_path: Path, org1: Org, org2: Org, orderer_org: Org) -> World:
    w = World.create(tmp_path, org1, org2, orderer_org)
    w.define("basic", sig_policy(EITHER))
    w.define("strict", sig_policy(BOTH))
    return w


def put(ns: str = "basic", **kv: bytes) -> RWSetBuilder:
    b = RWSetBuilder()
    for k, v in kv.items():
        b.add_write(ns, k, v)
    return b


def test_valid_transaction_commits(world: World) -> None:
    assert world.commit([world.tx(put(a=b"1"))]) == [C.VALID]
    assert world.ledger.get_state("basic", "a").value == b"1"


def test_bad_creator_signature(world: World) -> None:
    assert world.validate([world.tx(put(a=b"1"), bad_creator_signature=True)]) == [C.BAD_CREATOR_SIGNATURE]


def test_creator_from_unknown_msp(world: World) -> None:
    stranger = Org.create("StrangerMSP")
    assert world.validate([world.tx(put(a=b"1"), creator=stranger.client)]) == [C.BAD_CREATOR_SIGNATURE]


def test_txid_mismatch(world: World) -> None:
    assert world.validate([world.tx(put(a=b"1"), txid="ab" * 32)]) == [C.BAD_PROPOSAL_TXID]


def test_bad_common_header_and_proposal_hash(world: World) -> None:
    assert world.validate([world.tx(put(a=b"1"), epoch=1)]) == [C.BAD_COMMON_HEADER]
    assert world.validate([world.tx(put(a=b"1"), proposal_hash=b"\x00" * 32)]) == [C.INVALID_ENDORSER_TRANSACTION]
    assert world.validate([world.tx(put(a=b"1"), header_type=common_pb2.HeaderType.CONFIG_UPDATE)]) == [
        C.UNSUPPORTED_TX_PAYLOAD
    ]
    assert world.validate([b""]) == [C.BAD_COMMON_HEADER]  # Go decodes b"" to an empty, non-nil Envelope
    assert world.validate([b"\xff\xff"]) == [C.INVALID_OTHER_REASON]  # not an Envelope at all


def test_duplicate_txid_in_ledger_and_in_block(world: World) -> None:
    tx = world.tx(put(a=b"1"))
    assert world.commit([tx]) == [C.VALID]
    assert world.validate([tx]) == [C.DUPLICATE_TXID]
    other = world.tx(put(b=b"2"))
    assert world.validate([other, other]) == [C.VALID, C.DUPLICATE_TXID]


def test_wrong_channel(world: World, org1: Org) -> None:
    env = endorser_tx("otherchannel", org1.client, put(a=b"1").build().public, [org1.peer])
    assert world.validate([env]) == [C.TARGET_CHAIN_NOT_FOUND]


def test_endorsement_policy_failures(world: World, org1: Org, org2: Org) -> None:
    strict = put("strict", k=b"v")
    assert world.validate([world.tx(strict, endorsers=[org1.peer], cc_name="strict")]) == [C.ENDORSEMENT_POLICY_FAILURE]
    assert world.validate([world.tx(strict, endorsers=[org1.peer, org2.peer], cc_name="strict")]) == [C.VALID]
    # the same endorser twice does not count twice
    assert world.validate([world.tx(strict, endorsers=[org1.peer, org1.peer], cc_name="strict")]) == [
        C.ENDORSEMENT_POLICY_FAILURE
    ]
    tampered = world.tx(put(a=b"1"), endorsers=[org1.peer], tamper_endorsement=True)
    assert world.validate([tampered]) == [C.ENDORSEMENT_POLICY_FAILURE]
    stranger = Org.create("StrangerMSP")
    assert world.validate([world.tx(put(a=b"1"), endorsers=[stranger.peer])]) == [C.ENDORSEMENT_POLICY_FAILURE]
    assert world.validate([world.tx(put(a=b"1"), endorsers=[org1.client])]) == [C.ENDORSEMENT_POLICY_FAILURE]


def test_written_namespaces_each_need_their_policy(world: World, org1: Org) -> None:
    b = put("basic", a=b"1")
    b.add_write("strict", "k", b"v")
    assert world.validate([world.tx(b, endorsers=[org1.peer])]) == [C.ENDORSEMENT_POLICY_FAILURE]


def test_invalid_chaincode_cases(world: World) -> None:
    assert world.validate([world.tx(put("ghost", a=b"1"), cc_name="ghost")]) == [C.INVALID_CHAINCODE]
    assert world.validate([world.tx(put(a=b"1"), header_cc_name="strict")]) == [C.INVALID_CHAINCODE]
    assert world.validate([world.tx(put(a=b"1"), cc_version="")]) == [C.INVALID_CHAINCODE]
    # writing to an undefined namespace from a defined chaincode
    b = put("basic", a=b"1")
    b.add_write("ghost", "x", b"1")
    assert world.validate([world.tx(b)]) == [C.INVALID_CHAINCODE]


def test_event_for_other_chaincode(world: World) -> None:
    event = chaincode_event_pb2.ChaincodeEvent(chaincode_id="strict", event_name="e").SerializeToString()
    assert world.validate([world.tx(put(a=b"1"), events=event)]) == [C.INVALID_OTHER_REASON]
    good = chaincode_event_pb2.ChaincodeEvent(chaincode_id="basic", event_name="e").SerializeToString()
    assert world.validate([world.tx(put(a=b"1"), events=good)]) == [C.VALID]


def test_mvcc_conflicts(world: World) -> None:
    assert world.commit([world.tx(put(k=b"1"))]) == [C.VALID]
    version = world.ledger.get_state("basic", "k").version
    stale = RWSetBuilder()
    stale.add_read("basic", "k", Version(version.block_num - 1, 0))
    stale.add_write("basic", "k", b"2")
    assert world.validate([world.tx(stale)]) == [C.MVCC_READ_CONFLICT]
    absent = RWSetBuilder()
    absent.add_read("basic", "k", None)  # read as absent, but it exists now
    assert world.validate([world.tx(absent)]) == [C.MVCC_READ_CONFLICT]
    fresh = RWSetBuilder()
    fresh.add_read("basic", "k", version)
    fresh.add_write("basic", "k", b"3")
    # two transactions read the same version: the second loses to the first's write
    assert world.commit([world.tx(fresh), world.tx(fresh)]) == [C.VALID, C.MVCC_READ_CONFLICT]
    assert world.ledger.get_state("basic", "k").value == b"3"


def _range_tx(world: World, start: str, end: str, exhausted: bool = True) -> bytes:
    rec = RangeQueryRecorder(start, end)
    for key, vv in world.ledger.range("basic", start, end):
        rec.add(key, vv.version)
    b = RWSetBuilder()
    b.add_range_query("basic", rec.finish(exhausted))
    b.add_write("basic", "summary", b"x")
    return world.tx(b)


def _range_info(envelope: bytes) -> kv_rwset_pb2.RangeQueryInfo:
    rwset = endorser_tx_rwset(common_pb2.Payload.FromString(common_pb2.Envelope.FromString(envelope).payload))
    return kv_rwset_pb2.KVRWSet.FromString(rwset.ns_rwset[0].rwset).range_queries_info[0]


def test_phantom_read_raw(world: World) -> None:
    world.commit([world.tx(put(a=b"1", c=b"1"))])
    query = _range_tx(world, "a", "d")
    assert world.validate([query]) == [C.VALID]
    world.commit([world.tx(put(b=b"new"))])
    assert world.validate([query]) == [C.PHANTOM_READ_CONFLICT]
    # an insert by an earlier transaction of the same block is a phantom too
    query2 = _range_tx(world, "a", "d")
    assert world.validate([world.tx(put(bb=b"1")), query2]) == [C.VALID, C.PHANTOM_READ_CONFLICT]
    # outside the range: no conflict
    assert world.validate([world.tx(put(z=b"1")), query2]) == [C.VALID, C.VALID]


def test_phantom_read_not_exhausted_includes_end_key(world: World) -> None:
    world.commit([world.tx(put(a=b"1", b=b"1", c=b"1"))])
    rec = RangeQueryRecorder("a", "z")
    rec.add("a", world.ledger.get_state("basic", "a").version)
    rec.add("b", world.ledger.get_state("basic", "b").version)
    b = RWSetBuilder()
    b.add_range_query("basic", rec.finish(exhausted=False))
    q = world.tx(b)
    assert world.validate([q]) == [C.VALID]
    assert world.validate([world.tx(put(b=b"2")), q]) == [C.VALID, C.PHANTOM_READ_CONFLICT]
    assert world.validate([world.tx(put(c=b"2")), q]) == [C.VALID, C.VALID]


def test_phantom_read_merkle(world: World) -> None:
    world.commit([world.tx(put(**{f"k{i:03d}": b"v" for i in range(120)}))])
    query = _range_tx(world, "k", "l")
    info = _range_info(query)
    assert info.WhichOneof("reads_info") == "reads_merkle_hashes" and info.reads_merkle_hashes.max_level == 1
    assert world.validate([query]) == [C.VALID]
    world.commit([world.tx(put(k050=b"changed"))])  # version change deep inside the range
    assert world.validate([query]) == [C.PHANTOM_READ_CONFLICT]
    deleted = RWSetBuilder()
    deleted.add_delete("basic", "k119")
    query2 = _range_tx(world, "k", "l")
    assert world.validate([world.tx(deleted), query2]) == [C.VALID, C.PHANTOM_READ_CONFLICT]


def test_key_level_endorsement_policy(world: World, org1: Org, org2: Org) -> None:
    vp = from_string("OR('Org2MSP.peer')").SerializeToString()
    b = put(guarded=b"v")
    b.add_metadata_write("basic", "guarded", {"VALIDATION_PARAMETER": vp})
    assert world.commit([world.tx(b, endorsers=[org1.peer])]) == [C.VALID]
    # the chaincode policy (either org) would pass, but the key's own policy needs Org2
    assert world.validate([world.tx(put(guarded=b"w"), endorsers=[org1.peer])]) == [C.ENDORSEMENT_POLICY_FAILURE]
    assert world.validate([world.tx(put(guarded=b"w"), endorsers=[org2.peer])]) == [C.VALID]
    # other keys still follow the chaincode policy; reads never trigger the key-level policy
    reader = RWSetBuilder()
    reader.add_read("basic", "guarded", world.ledger.get_state("basic", "guarded").version)
    reader.add_write("basic", "other", b"1")
    assert world.validate([world.tx(reader, endorsers=[org1.peer])]) == [C.VALID]


def test_metadata_update_earlier_in_block_fails_later_writer(world: World, org1: Org) -> None:
    world.commit([world.tx(put(k=b"v"))])
    meta = RWSetBuilder()
    meta.add_metadata_write(
        "basic", "k", {"VALIDATION_PARAMETER": from_string("OR('Org1MSP.peer')").SerializeToString()}
    )
    assert world.validate([world.tx(meta), world.tx(put(k=b"w"))]) == [C.VALID, C.ENDORSEMENT_POLICY_FAILURE]


def test_lifecycle_namespace_uses_lifecycle_endorsement(world: World, org1: Org, org2: Org) -> None:
    b = RWSetBuilder()
    b.add_write("_lifecycle", "namespaces/fields/x/Sequence", b"\x08\x01")
    one = world.tx(b, endorsers=[org1.peer], cc_name="_lifecycle", cc_version="syscc")
    both = world.tx(b, endorsers=[org1.peer, org2.peer], cc_name="_lifecycle", cc_version="syscc")
    assert world.validate([one, both]) == [C.ENDORSEMENT_POLICY_FAILURE, C.VALID]


def test_implicit_collection_uses_org_endorsement_policy(world: World, org1: Org, org2: Org) -> None:
    b = RWSetBuilder()
    b.add_private_write("_lifecycle", "_implicit_org_Org1MSP", "namespaces/metadata/cc#1", b"approval")
    ok = world.tx(b, endorsers=[org1.peer], cc_name="_lifecycle", cc_version="syscc")
    wrong = world.tx(b, endorsers=[org2.peer], cc_name="_lifecycle", cc_version="syscc")
    assert world.validate([ok, wrong]) == [C.VALID, C.ENDORSEMENT_POLICY_FAILURE]
    undefined = RWSetBuilder()
    undefined.add_private_write("basic", "nosuchcoll", "k", b"v")
    assert world.validate([world.tx(undefined)]) == [C.ENDORSEMENT_POLICY_FAILURE]


def test_chaincode_policy_by_channel_reference(tmp_path: Path, org1: Org, org2: Org, orderer_org: Org) -> None:
    w = World.create(tmp_path, org1, org2, orderer_org)
    w.define("refcc", ref_policy("/Channel/Application/Endorsement"))  # MAJORITY of 2 orgs
    assert w.validate([w.tx(put("refcc", a=b"1"), endorsers=[org1.peer], cc_name="refcc")]) == [
        C.ENDORSEMENT_POLICY_FAILURE
    ]
    assert w.validate([w.tx(put("refcc", a=b"1"), endorsers=[org1.peer, org2.peer], cc_name="refcc")]) == [C.VALID]
    w.define("plug", sig_policy(EITHER), plugin="custom")
    assert w.validate([w.tx(put("plug", a=b"1"), cc_name="plug")]) == [C.INVALID_OTHER_REASON]


def test_config_transaction(world: World, org1: Org, org2: Org, orderer_org: Org) -> None:
    current = world.bundle.config.channel_group
    write = configtx_pb2.ConfigGroup()
    write.CopyFrom(current)
    anchors = write.groups["Application"].groups["Org1MSP"].values["AnchorPeers"]
    anchors.version += 1
    anchors.value = peer_cfg.AnchorPeers(anchor_peers=[peer_cfg.AnchorPeer(host="p1", port=1)]).SerializeToString()
    update = config_update_envelope("mychannel", current, write, [org1.admin])
    config_env = propose_config_update(world.bundle, update)
    assert config_env.config.sequence == 1
    good = orderer_config_tx("mychannel", config_env, orderer_org.orderer)
    assert world.validate([good]) == [C.VALID]
    # a config that its last_update does not produce stops the committer
    forged = configtx_pb2.ConfigEnvelope()
    forged.CopyFrom(config_env)
    forged.config.channel_group.groups["Application"].groups["Org1MSP"].values["AnchorPeers"].value = b""
    with pytest.raises(BlockValidationError, match="did not produce"):
        validate_block(
            world.next_block([orderer_config_tx("mychannel", forged, orderer_org.orderer)]), world.bundle, world.ledger
        )
    stale = configtx_pb2.ConfigEnvelope()
    stale.CopyFrom(config_env)
    stale.config.sequence = 0
    with pytest.raises(BlockValidationError, match="sequence"):
        validate_block(
            world.next_block([orderer_config_tx("mychannel", stale, orderer_org.orderer)]), world.bundle, world.ledger
        )


def test_invalid_transactions_are_logged_with_reason(world: World, caplog: pytest.LogCaptureFixture) -> None:
    bad = world.tx(put("strict", k=b"v"), cc_name="strict")
    with caplog.at_level("WARNING", logger="devnet.validation"):
        assert world.validate([bad]) == [C.ENDORSEMENT_POLICY_FAILURE]
    fields = [r.fields for r in caplog.records if hasattr(r, "fields")]  # type: ignore[attr-defined]
    assert fields and fields[0]["code"] == "ENDORSEMENT_POLICY_FAILURE" and fields[0]["txid"]
    assert "strict" in fields[0]["reason"]


def test_key_level_policy_on_private_key(world: World, org1: Org, org2: Org) -> None:
    world.define("pdc", sig_policy(EITHER), collections=_collections(("secrets", None)))
    vp = from_string("OR('Org2MSP.peer')").SerializeToString()
    b = RWSetBuilder()
    b.add_private_write("pdc", "secrets", "k", b"v")
    b.add_private_metadata_write("pdc", "secrets", "k", {"VALIDATION_PARAMETER": vp})
    assert world.commit([world.tx(b, cc_name="pdc")]) == [C.VALID]
    again = RWSetBuilder()
    again.add_private_write("pdc", "secrets", "k", b"w")
    assert world.validate([world.tx(again, endorsers=[org1.peer], cc_name="pdc")]) == [C.ENDORSEMENT_POLICY_FAILURE]
    assert world.validate([world.tx(again, endorsers=[org2.peer], cc_name="pdc")]) == [C.VALID]


def test_explicit_collection_endorsement_policy(world: World, org1: Org, org2: Org) -> None:
    world.define("pdc2", sig_policy(EITHER), collections=_collections(("strictcoll", BOTH), ("opencoll", None)))
    strict = RWSetBuilder()
    strict.add_private_write("pdc2", "strictcoll", "k", b"v")
    assert world.validate([world.tx(strict, endorsers=[org1.peer], cc_name="pdc2")]) == [C.ENDORSEMENT_POLICY_FAILURE]
    assert world.validate([world.tx(strict, endorsers=[org1.peer, org2.peer], cc_name="pdc2")]) == [C.VALID]
    open_ = RWSetBuilder()
    open_.add_private_write("pdc2", "opencoll", "k", b"v")  # no collection policy: chaincode policy applies
    assert world.validate([world.tx(open_, endorsers=[org2.peer], cc_name="pdc2")]) == [C.VALID]


def _collections(*specs: tuple[str, str | None]) -> collection_pb2.CollectionConfigPackage:
    pkg = collection_pb2.CollectionConfigPackage()
    for name, policy in specs:
        static = pkg.config.add().static_collection_config
        static.name = name
        static.member_orgs_policy.signature_policy.CopyFrom(from_string(EITHER.replace("peer", "member")))
        if policy:
            static.endorsement_policy.signature_policy.CopyFrom(from_string(policy))
    return pkg
