"""Fabric node readiness: devnet's ``/healthz`` wait, then the gRPC port (served after ``/healthz``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from network.devnet.node.processes import NodeProcess
from network.fabric.nodes import FabricNode
from network.fabric.supervisor import wait_healthy


class _Healthz(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        code = 200 if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "OK"}')

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def operations_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _node(tmp_path: Path, port: int, operations: int) -> FabricNode:
    process = NodeProcess("peer", "peer0.org1.example.com", "Org1MSP", ("peer",), port, operations,
                          tmp_path / "peer.pid", tmp_path / "peer.log")  # fmt: skip
    return FabricNode(process, tmp_path, "Org1MSP", "peer0")


def test_healthy_node_whose_grpc_port_is_closed_is_not_ready(tmp_path: Path, operations_port: int) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        node = _node(tmp_path, closed.getsockname()[1], operations_port)
        lines: list[str] = []
        with pytest.raises(RuntimeError, match=r"peer0\.org1\.example\.com \(gRPC port \d+ not accepting"):
            wait_healthy([node], 0.5, lines.append)
    assert lines == ["  peer0.org1.example.com: healthy"]  # /healthz passed; the port is what is missing


def test_healthy_node_with_its_grpc_port_listening_is_ready(tmp_path: Path, operations_port: int) -> None:
    with socket.socket() as grpc_port:
        grpc_port.bind(("127.0.0.1", 0))
        grpc_port.listen()
        node = _node(tmp_path, grpc_port.getsockname()[1], operations_port)
        lines: list[str] = []
        wait_healthy([node], 30, lines.append)
    assert lines == ["  peer0.org1.example.com: healthy"]
