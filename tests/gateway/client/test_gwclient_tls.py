"""TLS channels to a peer reached over loopback, verified against the peer's real host name."""

from __future__ import annotations

import datetime

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gwclient_server import FakeGateway, serve

from gateway.client import EvaluateError, connect
from gateway.client.tls import secure_channel

HOST = "peer0.org1.example.com"


def tls_material() -> tuple[bytes, bytes, bytes]:
    """(CA cert PEM, server cert PEM, server key PEM) with the server cert valid only for HOST."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tlsca.org1.example.com")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem), cert.public_bytes(pem), key_pem


def test_server_name_override_allows_loopback_and_is_required(client, peers) -> None:
    ca_pem, cert_pem, key_pem = tls_material()
    server, port = serve(FakeGateway(peers), grpc.ssl_server_credentials([(key_pem, cert_pem)]))
    try:
        with secure_channel(f"127.0.0.1:{port}", ca_pem, server_name_override=HOST) as channel:
            contract = connect(channel, *client[:2]).get_network("ch").get_contract("assets")
            assert contract.evaluate_transaction("Ping") == b"Ping@"
        with secure_channel(f"127.0.0.1:{port}", ca_pem) as channel:
            contract = connect(channel, *client[:2]).get_network("ch").get_contract("assets")
            with pytest.raises(EvaluateError) as info:
                contract.evaluate_transaction("Ping")
            assert info.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(None)


def test_half_configured_mutual_tls_is_refused() -> None:
    with pytest.raises(ValueError, match="client_certificate/client_key"):
        secure_channel("127.0.0.1:1", b"pem", client_certificate=b"cert")
    with pytest.raises(ValueError, match="root_certificates"):
        secure_channel("127.0.0.1:1", b"")
