"""gRPC server and channel setup shared by devnet nodes: TLS like Fabric's defaults, 100 MB messages.

Fabric nodes serve TLS with ``tls/server.crt``; client authentication is optional by default
(``peer.tls.clientAuthRequired`` / ``General.TLS.ClientAuthRequired`` are false), so clients without a
certificate are accepted. Message limits follow ``MaxRecvMsgSize``/``MaxSendMsgSize`` (100 MiB).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import grpc

MAX_MESSAGE_BYTES = 100 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]


def server_credentials(cert: Path, key: Path, client_roots: Iterable[Path] = ()) -> grpc.ServerCredentials:
    roots = b"".join(p.read_bytes() for p in client_roots) or None
    return grpc.ssl_server_credentials(
        [(key.read_bytes(), cert.read_bytes())], root_certificates=roots, require_client_auth=False
    )


def new_server() -> grpc.aio.Server:
    return grpc.aio.server(options=GRPC_OPTIONS)


def bind(server: grpc.aio.Server, port: int, credentials: grpc.ServerCredentials) -> int:
    bound = server.add_secure_port(f"127.0.0.1:{port}", credentials)
    if bound == 0:
        raise OSError(f"cannot bind 127.0.0.1:{port}")
    return bound


def client_channel(
    address: str,
    root_cert: bytes,
    server_name: str | None = None,
    client_cert: bytes | None = None,
    client_key: bytes | None = None,
) -> grpc.aio.Channel:
    """A TLS channel to another node; ``server_name`` overrides the SNI/hostname check (cert SAN)."""
    credentials = grpc.ssl_channel_credentials(root_cert, client_key, client_cert)
    options = list(GRPC_OPTIONS)
    if server_name:
        options.append(("grpc.ssl_target_name_override", server_name))
    return grpc.aio.secure_channel(address, credentials, options=options)
