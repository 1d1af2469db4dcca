"""CCaaS packages (deterministic, Fabric's package-ID rule) and our external builder scripts run for real."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from network.fabric.ccaas import build_package, read_package_metadata
from network.fabric.peer_config import BUILDER_DIR


def _code_files(package: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(package), mode="r:gz") as outer:
        member = outer.extractfile("code.tar.gz")
        assert member is not None
        code = member.read()
    with tarfile.open(fileobj=io.BytesIO(code), mode="r:gz") as inner:
        return {m.name: inner.extractfile(m).read() for m in inner.getmembers()}  # type: ignore[union-attr]


def test_package_is_ccaas_with_connection_json_and_fabric_package_id() -> None:
    package = build_package("assetregistry_1.0", "127.0.0.1:9999")
    assert read_package_metadata(package.data) == {"type": "ccaas", "label": "assetregistry_1.0", "path": ""}
    connection = json.loads(_code_files(package.data)["connection.json"])
    assert connection["address"] == "127.0.0.1:9999" and connection["tls_required"] is False
    assert package.package_id == "assetregistry_1.0:" + hashlib.sha256(package.data).hexdigest()
    gzip.decompress(package.data)  # a plain gzip stream


def test_same_inputs_give_the_same_package_id_and_other_address_another() -> None:
    first = build_package("cc_1", "127.0.0.1:9999")
    assert build_package("cc_1", "127.0.0.1:9999").package_id == first.package_id
    assert build_package("cc_1", "127.0.0.1:9998").package_id != first.package_id


def test_bad_label_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="label"):
        build_package("-starts-with-dash", "127.0.0.1:1")


def _run(script: str, *args: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BUILDER_DIR / "bin" / script), *map(str, args)], capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip


def _unpacked(tmp_path: Path, package_type: str) -> tuple[Path, Path]:
    src, meta = tmp_path / "src", tmp_path / "meta"
    src.mkdir(parents=True)
    meta.mkdir(parents=True)
    (meta / "metadata.json").write_text(json.dumps({"type": package_type, "label": "x"}, indent=1))
    (src / "connection.json").write_text('{"address": "127.0.0.1:9999"}')
    return src, meta


def test_detect_accepts_only_ccaas_packages(tmp_path: Path) -> None:
    src, meta = _unpacked(tmp_path / "a", "CCaaS")
    assert _run("detect", src, meta).returncode == 0
    src, meta = _unpacked(tmp_path / "b", "golang")
    assert _run("detect", src, meta).returncode == 1


def test_build_then_release_put_connection_json_where_the_peer_looks(tmp_path: Path) -> None:
    src, meta = _unpacked(tmp_path, "ccaas")
    (src / "META-INF" / "statedb" / "couchdb" / "indexes").mkdir(parents=True)
    (src / "META-INF" / "statedb" / "couchdb" / "indexes" / "i.json").write_text("{}")
    bld, rel = tmp_path / "bld", tmp_path / "rel"
    build = _run("build", src, meta, bld)
    assert build.returncode == 0, build.stderr
    release = _run("release", bld, rel)
    assert release.returncode == 0, release.stderr
    served = rel / "chaincode" / "server" / "connection.json"
    assert json.loads(served.read_text()) == {"address": "127.0.0.1:9999"}
    assert (rel / "statedb" / "couchdb" / "indexes" / "i.json").is_file()


def test_build_fails_clearly_without_connection_json(tmp_path: Path) -> None:
    src, meta = _unpacked(tmp_path, "ccaas")
    (src / "connection.json").unlink()
    build = _run("build", src, meta, tmp_path / "bld")
    assert build.returncode != 0 and "connection.json" in build.stderr
