"""TLS gRPC channels to peers, including the loopback case.

Fabric peers present certificates for their host names (e.g. ``peer0.org1.example.com``); a client dialling
``127.0.0.1`` must verify against that name instead, which gRPC supports via ``grpc.ssl_target_name_override``
(the official clients expose the same as ``serverNameOverride``).
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc


def secure_channel(
    target: str,
    root_certificates: bytes,
    server_name_override: str | None = None,
    client_certificate: bytes | None = None,
    client_key: bytes | None = None,
    options: Sequence[tuple[str, str | int]] = (),
) -> grpc.Channel:
    """A TLS channel trusting ``root_certificates`` (PEM); client cert+key (PEM) enable mutual TLS."""
    if not root_certificates:
        raise ValueError("root_certificates: a PEM TLS CA certificate is required")
    if (client_certificate is None) != (client_key is None):
        raise ValueError("client_certificate/client_key: give both for mutual TLS, or neither")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=root_certificates, private_key=client_key, certificate_chain=client_certificate
    )
    opts = list(options)
    if server_name_override:
        opts.append(("grpc.ssl_target_name_override", server_name_override))
    return grpc.secure_channel(target, credentials, options=opts)
