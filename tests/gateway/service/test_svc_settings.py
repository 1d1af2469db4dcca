"""Configuration: every mistake names the offending field."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.service.bootstrap import jwt_verifier, peer_channel
from gateway.service.settings import load_settings, parse_settings

ORG = {"msp_id": "Org1MSP", "channel": "mychannel", "chaincode": "assets", "peer": {"address": "127.0.0.1:7051"}}


def test_valid_config_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "gw.yaml"
    path.write_text("orgs:\n  Org1: {msp_id: Org1MSP, channel: ch, chaincode: cc}\nmvcc_retries: 5\n")
    settings = load_settings(path)
    assert settings.orgs["Org1"].channel == "ch" and settings.mvcc_retries == 5


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "config.orgs"),
        ({"orgs": {}}, "config.orgs"),
        ({"orgs": {"Org1": {**ORG, "msp_id": ""}}}, "config.orgs.Org1.msp_id"),
        ({"orgs": {"Org1": {**ORG, "peer": {}}}}, "config.orgs.Org1.peer.address"),
        ({"orgs": {"Org1": ORG}, "mvcc_retries": 99}, "config.mvcc_retries"),
        ({"orgs": {"Org1": {**ORG, "peer": "127.0.0.1:7051"}}}, "config.orgs.Org1.peer"),
        (
            {"orgs": {"Org1": {**ORG, "peer": {"address": "a:1", "tls_ca": "ca.pem", "client_cert": "c.pem"}}}},
            "config.orgs.Org1.peer.client_cert/client_key",
        ),
        (
            {"orgs": {"Org1": {**ORG, "peer": {"address": "a:1", "client_cert": "c.pem", "client_key": "k.pem"}}}},
            "config.orgs.Org1.peer.tls_ca",
        ),
    ],
)
def test_config_errors_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        parse_settings(data)


def test_peer_is_required_to_serve_an_org() -> None:
    settings = parse_settings({"orgs": {"Org1": {**ORG, "peer": None}}})
    with pytest.raises(ValueError, match=r"config\.orgs\.Org1\.peer"):
        peer_channel(settings.orgs["Org1"])


def test_jwt_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert jwt_verifier(parse_settings({"orgs": {"Org1": ORG}})) is None
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = tmp_path / "issuer.pem"
    pem.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    verifier = jwt_verifier(parse_settings({"orgs": {"Org1": ORG}, "jwt": {"key_file": str(pem), "audience": "gw"}}))
    assert verifier is not None and verifier.algorithm == "ES256" and verifier.audience == "gw"
    monkeypatch.setenv("GW_JWT_SECRET", "short")
    with pytest.raises(ValueError, match="config.jwt.secret_env"):
        jwt_verifier(
            parse_settings({"orgs": {"Org1": ORG}, "jwt": {"algorithm": "HS256", "secret_env": "GW_JWT_SECRET"}})
        )
    with pytest.raises(ValueError, match="jwt.algorithm"):
        jwt_verifier(parse_settings({"orgs": {"Org1": ORG}, "jwt": {"algorithm": "none", "key_file": str(pem)}}))
