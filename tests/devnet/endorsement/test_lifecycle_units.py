"""Package parsing and IDs, ``_lifecycle`` key encoding, deploy helpers."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from fabric_protos.common import policies_pb2
from fabric_protos.peer.lifecycle import db_pb2

from network.devnet.deploy import validation_parameter
from network.devnet.lifecycle import serializer as ser
from network.devnet.lifecycle.definition import ChaincodeDefinition, ChaincodeParameters, approval_writes
from network.devnet.lifecycle.package import PackageError, build_ccaas_package, parse_package
from network.devnet.lifecycle.store import PackageStore


def test_package_id_is_label_and_sha256_of_the_whole_file() -> None:
    raw = build_ccaas_package("asset_1.0", {"address": "127.0.0.1:9999"})
    pkg = parse_package(raw)
    assert pkg.package_id == "asset_1.0:" + hashlib.sha256(raw).hexdigest()
    assert json.loads(pkg.connection_json()) == {"address": "127.0.0.1:9999"}
    assert build_ccaas_package("asset_1.0", {"address": "127.0.0.1:9999"}) == raw  # reproducible


@pytest.mark.parametrize("label", ["", "-bad", "white space", "a/b"])
def test_invalid_labels_are_rejected(label: str) -> None:
    meta = json.dumps({"type": "ccaas", "path": "", "label": label}).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("metadata.json", meta), ("code.tar.gz", b"")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(PackageError, match="label"):
        parse_package(gzip.compress(buf.getvalue()))


def test_non_regular_entries_and_missing_files_are_rejected() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        link = tarfile.TarInfo("metadata.json")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(PackageError, match="not a regular file"):
        parse_package(gzip.compress(buf.getvalue()))
    with pytest.raises(PackageError, match="empty package"):
        parse_package(b"")
    with pytest.raises(PackageError, match="gzip"):
        parse_package(b"not a tarball")


def test_store_saves_atomically_and_lists(tmp_path: Path) -> None:
    store = PackageStore(tmp_path / "cc")
    raw = build_ccaas_package("one_1", {"address": "127.0.0.1:1"})
    pkg = store.save(raw)
    assert store.has(pkg.package_id) and store.load(pkg.package_id) == raw
    assert [p.package_id for p in store.list()] == [pkg.package_id]
    assert not list((tmp_path / "cc").glob("*.tmp"))


def test_definition_keys_follow_fabric_serializer_layout() -> None:
    params = ChaincodeParameters(version="1.0").with_defaults()
    writes = ChaincodeDefinition(3, params).state_writes("asset")
    assert sorted(writes) == sorted([
        "namespaces/metadata/asset", "namespaces/fields/asset/Sequence", "namespaces/fields/asset/EndorsementInfo",
        "namespaces/fields/asset/ValidationInfo", "namespaces/fields/asset/Collections"])
    meta = db_pb2.StateMetadata.FromString(writes["namespaces/metadata/asset"])
    assert (meta.datatype, list(meta.fields)) == (
        "ChaincodeDefinition", ["Sequence", "EndorsementInfo", "ValidationInfo", "Collections"])
    assert db_pb2.StateData.FromString(writes["namespaces/fields/asset/Sequence"]).Int64 == 3
    app = policies_pb2.ApplicationPolicy.FromString(params.validation_parameter)
    assert app.channel_config_policy_reference == "/Channel/Application/Endorsement"
    approval = approval_writes("asset", 3, params, "asset_1:abc")
    assert db_pb2.StateData.FromString(approval["chaincode-sources/fields/asset#3/PackageID"]).String == "asset_1:abc"
    assert ser.implicit_collection("Org1MSP") == "_implicit_org_Org1MSP"


def test_policy_flag_becomes_a_signature_application_policy() -> None:
    assert validation_parameter(None) == b""
    app = policies_pb2.ApplicationPolicy.FromString(validation_parameter("AND('Org1MSP.peer','Org2MSP.peer')"))
    assert app.HasField("signature_policy") and app.signature_policy.rule.n_out_of.n == 2
