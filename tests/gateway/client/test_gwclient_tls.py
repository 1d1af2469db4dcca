"""TLS channels to a peer reached over loopback, verified against the peer's real host name."""

from __future__ import annotations

import grpc
import pytest
from devnet.fixtures.pki import CA
from gwclient_server import FakeGateway, serve

from gateway.client import EvaluateError, connect
from gateway.client.identity import canonical_pem
from gateway.client.tls import secure_channel
from network.crypto.certs import private_key_pem

HOST = "peer0.org1.example.com"


def tls_material() -> tuple[bytes, bytes, bytes]:
    """(CA cert PEM, server cert PEM, server key PEM) with the server cert valid only for HOST."""
    ca = CA.create("tlsca.org1.example.com")
    cert, key = ca.issue(HOST, None, dns_names=(HOST,))
    return ca.pem, canonical_pem(cert), private_key_pem(key)


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
