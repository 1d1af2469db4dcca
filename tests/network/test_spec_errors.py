"""A bad spec fails before anything is written, and the error names the offending key path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from network.crypto.bootstrap import generate
from network.spec import DEFAULT_SPEC_PATH, SpecError, load_spec, parse_spec

Spec = dict[str, Any]


def base() -> Spec:
    return yaml.safe_load(DEFAULT_SPEC_PATH.read_text())


def _set(path: str, value: Any) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        node: Any = spec
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _dup_org(spec: Spec) -> None:
    twin = copy.deepcopy(spec["member_orgs"][0])
    twin.update(name="Org4", domain="org4.example.com", msp_id="Org1MSP")
    twin["peers"] = [{"name": "peer0", "port": 12051, "chaincode_port": 12052, "operations_port": 12444}]
    spec["member_orgs"].append(twin)


def _dup_channel(spec: Spec) -> None:
    spec["channels"].append(copy.deepcopy(spec["channels"][0]))


def _dup_peer(spec: Spec) -> None:
    spec["member_orgs"][1]["peers"].append({"name": "peer0"})


def _dup_user(spec: Spec) -> None:
    spec["member_orgs"][2]["users"].append({"name": "user1"})


def _admin_client(spec: Spec) -> None:
    spec["member_orgs"][0]["users"].append({"name": "Admin", "role": "client"})


def _no_client(spec: Spec) -> None:
    spec["member_orgs"][1]["users"] = [{"name": "Boss", "role": "admin"}]


CASES: list[tuple[str, Callable[[Spec], None], str, str]] = [
    ("duplicate MSP ID", _dup_org, "member_orgs[3].msp_id", "duplicate MSP ID"),
    ("unknown org in channel", _set("channels.0.orgs.2", "Org9MSP"), "channels[0].orgs[2]", "unknown member org"),
    ("unknown orderer org", _set("channels.0.orderer_orgs", ["NopeMSP"]), "channels[0].orderer_orgs[0]", "unknown"),
    ("port clash", _set("member_orgs.1.peers.0.port", 7051), "member_orgs[1].peers[0].port", "port clash"),
    ("port in chaincode range", _set("member_orgs.0.peers.0.port", 10000), "member_orgs[0].peers[0].port", "chaincode"),
    (
        "port out of range",
        _set("orderer_orgs.0.nodes.0.admin_port", 70000),
        "orderer_orgs[0].nodes[0].admin_port",
        "65535",
    ),
    ("base_port too high", _set("base_port", 64000), "base_port", "past 65535"),
    ("invalid peer name", _set("member_orgs.0.peers.0.name", "Peer_0"), "member_orgs[0].peers[0].name", "pattern"),
    ("invalid channel name", _set("channels.0.name", "Asset Channel"), "channels[0].name", "pattern"),
    ("invalid MSP ID", _set("member_orgs.2.msp_id", "Org3 MSP"), "member_orgs[2].msp_id", "pattern"),
    ("invalid domain", _set("member_orgs.1.domain", "org2..example.com"), "member_orgs[1].domain", "pattern"),
    ("unknown key", _set("member_orgs.0.peerz", []), "member_orgs[0].peerz", "unknown key"),
    ("duplicate channel", _dup_channel, "channels[1].name", "duplicate channel"),
    ("duplicate peer", _dup_peer, "member_orgs[1].peers[1].name", "duplicate peer"),
    ("duplicate user (case-insensitive)", _dup_user, "member_orgs[2].users[2].name", "duplicate user"),
    ("Admin must be admin", _admin_client, "member_orgs[0].users[1].role", "must have role 'admin'"),
    ("org without a client", _no_client, "member_orgs[1].users", "role 'client'"),
    ("bad role", _set("member_orgs.0.users.0.role", "boss"), "member_orgs[0].users[0].role", "client"),
    (
        "bad policy rule",
        _set("channels.0.policies.endorsement", "MOST Endorsement"),
        "channels[0].policies.endorsement",
        "implicit-meta",
    ),
    (
        "bad signature policy",
        _set("channels.0.policies.lifecycle_endorsement", "OR('Org1MSP.boss')"),
        "channels[0].policies.lifecycle_endorsement",
        "unknown role",
    ),
    (
        "policy names an org off the channel",
        _set("channels.0.policies.endorsement", "AND('Org1MSP.peer', 'Org9MSP.peer')"),
        "channels[0].policies.endorsement",
        "'Org9MSP', which is not an org of this channel",
    ),
    ("preferred > absolute", _set("channels.0.batch.preferred_max_bytes", 10**9), "channels[0].batch", "preferred_max"),
    ("bad batch timeout", _set("channels.0.batch.timeout", "2 seconds"), "channels[0].batch.timeout", "Go duration"),
    ("no member orgs", _set("member_orgs", []), "member_orgs", "at least 1"),
    (
        "bad attribute name",
        _set("member_orgs.0.users.0.attributes", {"1role": "x"}),
        "member_orgs[0].users[0].attributes",
        "attribute name",
    ),
    ("duplicate domain", _set("member_orgs.1.domain", "org1.example.com"), "member_orgs[1].domain", "duplicate domain"),
]


@pytest.mark.parametrize(("mutate", "path", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec_names_key_path(mutate: Callable[[Spec], None], path: str, reason: str) -> None:
    spec = base()
    mutate(spec)
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    assert path in info.value.paths, f"{path} not in {info.value.paths}: {info.value}"
    messages = [str(i) for i in info.value.issues if str(i).startswith(path)]
    assert any(reason in m for m in messages), messages


def test_default_spec_is_valid() -> None:
    spec = parse_spec(base())
    assert [o.msp_id for o in spec.member_orgs] == ["Org1MSP", "Org2MSP", "Org3MSP"]


def test_yaml_syntax_error_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("member_orgs: [\n")
    with pytest.raises(SpecError, match="bad.yaml.*not valid YAML"):
        load_spec(bad)


def test_bad_spec_writes_nothing(tmp_path: Path) -> None:
    """The CLI validates first; here the same order: parse fails, generate is never reached, no dir appears."""
    spec_file = tmp_path / "spec.yaml"
    data = base()
    data["channels"][0]["orgs"].append("Ghost")
    spec_file.write_text(yaml.safe_dump(data))
    from network.cli import main

    out = tmp_path / "out"
    assert main(["generate", "--spec", str(spec_file), "--out", str(out)]) == 1
    assert not out.exists()
    assert generate  # the library entry point exists too; it only accepts already-validated specs
