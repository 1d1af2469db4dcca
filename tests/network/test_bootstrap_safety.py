"""Idempotence, add-user isolation, atomicity and --force: generated material is never silently replaced."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
import yaml

import network.crypto.identities as identities
from network.cli import main
from network.crypto.attributes import read_attributes
from network.crypto.bootstrap import GenerateError, add_user, generate
from network.crypto.nodeous import classify
from network.layout import NetworkLayout
from network.spec import DEFAULT_SPEC_PATH, ConsortiumSpec, SpecError, parse_spec


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file's content hash, mode and mtime (ns): any rewrite shows up."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(root))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                st.st_mode,
                st.st_mtime_ns,
            )
    return out


def test_second_run_changes_no_file(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    before = snapshot(fresh.root)
    result = generate(default_spec, fresh.root)
    assert result.created == []
    assert snapshot(fresh.root) == before


def test_add_user_changes_nothing_else(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    before = snapshot(fresh.root)
    folder = add_user(fresh.root, "Org2MSP", "User2", "client", {"role": "kyc"})
    after = snapshot(fresh.root)
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {"spec.resolved.json"}
    added = set(after) - set(before)
    prefix = "crypto/peerOrganizations/org2.example.com/users/User2@org2.example.com/"
    assert added and all(a.startswith(prefix) for a in added)
    layout = NetworkLayout(fresh.root)
    assert [u.name for u in layout.spec.member_org("Org2MSP").users] == ["Admin", "User1", "User2"]
    msp_id, cert_pem, _ = layout.load_identity(folder / "msp")
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_pem)
    assert msp_id == "Org2MSP" and classify(cert) == "client" and read_attributes(cert)["role"] == "kyc"
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(layout.ca_cert("Org2MSP").read_bytes()))
    # re-running generate with the original spec keeps the added user and changes nothing
    before = snapshot(fresh.root)
    generate(default_spec, fresh.root)
    assert snapshot(fresh.root) == before


def test_add_user_rejects_duplicates_and_unknown_org(fresh: NetworkLayout) -> None:
    before = snapshot(fresh.root)
    with pytest.raises(SpecError, match=r"member_orgs\[0\]\.users\[2\]\.name: duplicate user"):
        add_user(fresh.root, "Org1MSP", "user1")
    with pytest.raises(SpecError, match="unknown org 'Org7MSP'"):
        add_user(fresh.root, "Org7MSP", "User9")
    with pytest.raises(SpecError, match=r"users\[2\]\.name"):
        add_user(fresh.root, "Org1MSP", "bad name!")
    assert snapshot(fresh.root) == before


def test_missing_unit_is_regenerated_alone(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    import shutil

    peer = fresh.peer_dir("Org3MSP", "peer0")
    shutil.rmtree(peer)
    before = snapshot(fresh.root)
    result = generate(default_spec, fresh.root)
    assert [str(p) for p in result.created] == [str(peer.relative_to(fresh.root))]
    after = snapshot(fresh.root)
    assert {k: v for k, v in after.items() if k in before} == before


def test_interrupted_fresh_run_leaves_nothing(
    tmp_path: Path, default_spec: ConsortiumSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = identities.user_files

    def failing(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:  # midway: orgs and several identities are already written to staging
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("network.crypto.tree.user_files", failing)
    out = tmp_path / "net"
    with pytest.raises(RuntimeError, match="simulated crash"):
        generate(default_spec, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # the staging dir is gone too


def test_interrupted_incremental_run_changes_nothing(
    fresh: NetworkLayout, default_spec: ConsortiumSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    shutil.rmtree(fresh.user_dir("Org1MSP", "User1"))
    shutil.rmtree(fresh.user_dir("Org3MSP", "User1"))
    before = snapshot(fresh.root)
    calls = {"n": 0}
    real = identities.user_files

    def failing(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("network.crypto.tree.user_files", failing)
    with pytest.raises(RuntimeError):
        generate(default_spec, fresh.root)
    assert snapshot(fresh.root) == before
    assert sorted(p.name for p in fresh.root.parent.iterdir()) == ["net"]


def test_force_replaces_everything(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    before = snapshot(fresh.root)
    generate(default_spec, fresh.root, force=True)
    after = snapshot(fresh.root)
    assert set(after) == set(before)
    ca = str(fresh.ca_cert("Org1MSP").relative_to(fresh.root))
    assert after[ca][0] != before[ca][0]


def test_changed_spec_needs_force(fresh: NetworkLayout) -> None:
    data = yaml.safe_load(DEFAULT_SPEC_PATH.read_text())
    data["channels"][0]["orgs"] = ["Org1MSP", "Org2MSP"]
    before = snapshot(fresh.root)
    with pytest.raises(GenerateError, match="different spec.*--force"):
        generate(parse_spec(data), fresh.root)
    assert snapshot(fresh.root) == before


def test_refuses_foreign_directory(tmp_path: Path, default_spec: ConsortiumSpec) -> None:
    (tmp_path / "precious.txt").write_text("do not delete")
    for force in (False, True):
        with pytest.raises(GenerateError, match="holds no generated network"):
            generate(default_spec, tmp_path, force=force)
    assert (tmp_path / "precious.txt").read_text() == "do not delete"


def test_incomplete_ca_is_not_replaced(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    (fresh.ca_dir("Org2MSP") / "priv_sk").unlink()
    with pytest.raises(GenerateError, match="incomplete CA"):
        generate(default_spec, fresh.root)
    assert fresh.ca_cert("Org2MSP").is_file()


def test_network_dir_and_key_modes(fresh: NetworkLayout) -> None:
    assert stat.S_IMODE(fresh.root.stat().st_mode) == 0o755
    assert stat.S_IMODE(fresh.resolved_spec_path().stat().st_mode) & 0o077 == 0o044
    key = fresh.user_dir("Org1MSP", "User1") / "tls" / "client.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_cli_generate_twice_and_add_user(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net"
    assert main(["generate", "--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert "created" in first and "25 created, 0 kept" in first
    assert main(["generate", "--out", str(out)]) == 0
    assert "0 created, 25 kept" in capsys.readouterr().out
    assert main(["add-user", "--out", str(out), "--org", "Org1", "--name", "Auditor", "--attr", "role=audit"]) == 0
    assert (
        out / "crypto/peerOrganizations/org1.example.com/users/Auditor@org1.example.com/msp/keystore/priv_sk"
    ).is_file()
    assert main(["add-user", "--out", str(out), "--org", "Org1", "--name", "Auditor"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "duplicate user 'Auditor'" in err
    assert os.path.isfile(out / "spec.resolved.json")


def test_missing_org_msp_is_restored_from_existing_ca(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    import shutil

    msp = fresh.org_msp_dir("Org1MSP")
    original = {p.relative_to(msp): p.read_bytes() for p in msp.rglob("*") if p.is_file()}
    shutil.rmtree(msp)
    generate(default_spec, fresh.root)
    assert {p.relative_to(msp): p.read_bytes() for p in msp.rglob("*") if p.is_file()} == original
    assert (msp / "admincerts").is_dir()


def test_cli_refuses_changed_spec_until_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net"
    assert main(["generate", "--out", str(out)]) == 0
    data = yaml.safe_load(DEFAULT_SPEC_PATH.read_text())
    data["channels"][0]["batch"]["max_message_count"] = 99
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data))
    capsys.readouterr()
    assert main(["generate", "--spec", str(changed), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--force" in err
    assert main(["generate", "--spec", str(changed), "--out", str(out), "--force"]) == 0
    assert NetworkLayout(out).spec.channel("assetchannel").batch.max_message_count == 99


def test_force_refused_while_node_pid_files_exist(fresh: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    (fresh.root / "run").mkdir()
    (fresh.root / "run" / "peer0.org1.example.com.pid").write_text("12345\n")
    before = snapshot(fresh.root)
    with pytest.raises(GenerateError, match="peer0.org1.example.com.*consortium down"):
        generate(default_spec, fresh.root, force=True)
    assert snapshot(fresh.root) == before
