"""Start the asset-registry chaincode as a service: ``python -m chaincode``.

Environment (same names the shim and Fabric's external-builder ``chaincode.json`` use):
``CHAINCODE_ID`` (installed package ID), ``CHAINCODE_SERVER_ADDRESS`` (``host:port``),
``CORE_TLS_CLIENT_KEY_PATH`` + ``CORE_TLS_CLIENT_CERT_PATH`` (enable TLS), ``CORE_PEER_TLS_ROOTCERT_FILE``
(require peer client certificates), ``CHAINCODE_LOG_LEVEL`` (default INFO).

Importing the shim sets the root logger to DEBUG and logs every peer message; :func:`configure_logging`
turns that down and writes our own one-line JSON records to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from typing import Any

from chaincode.shimfix.server import ChaincodeServer, build_server


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {"time": round(record.created, 3), "level": record.levelname,
                                "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return json.dumps(body, sort_keys=True)


def configure_logging(level: str = "INFO") -> None:
    import fabric_chaincode_python.fabric_shim.logging  # noqa: F401  (import first: it reconfigures root)

    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("asyncio").setLevel(logging.ERROR)  # the shim logs a WARNING per peer message
    ours = logging.getLogger("chaincode")
    ours.setLevel(level.upper())
    ours.propagate = False
    if not ours.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        ours.addHandler(handler)


def new_chaincode() -> Any:
    from fabric_chaincode_python.fabric_contract_api import ContractChaincode

    from chaincode.assetregistry.contract import AssetRegistry

    return ContractChaincode.new_chaincode(AssetRegistry())


async def serve(env: dict[str, str]) -> None:
    server, port = build_server(
        new_chaincode(), env.get("CHAINCODE_ID", ""), env.get("CHAINCODE_SERVER_ADDRESS", ""),
        key=env.get("CORE_TLS_CLIENT_KEY_PATH") or None, cert=env.get("CORE_TLS_CLIENT_CERT_PATH") or None,
        client_ca=env.get("CORE_PEER_TLS_ROOTCERT_FILE") or None,
    )
    await server.start()
    logging.getLogger("chaincode.server").info(
        "listening address=%s port=%d tls=%s", env.get("CHAINCODE_SERVER_ADDRESS"), port,
        bool(env.get("CORE_TLS_CLIENT_KEY_PATH")))
    await serve_until_signalled(server, grace=3)


async def serve_until_signalled(server: ChaincodeServer, grace: float) -> None:
    """Run a started server until SIGTERM or SIGINT, then let in-flight transactions finish for ``grace`` seconds:
    ``consortium down`` stops chaincode servers with SIGTERM, and a peer waits for each COMPLETED it is owed."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace)


EVENT_LOOPS = ("uvloop", "asyncio")


def run_event_loop(main: Coroutine[Any, Any, None], loop: str | None = None) -> None:
    """Run ``main`` on uvloop or on asyncio's own loop (``CHAINCODE_EVENT_LOOP``; unset: uvloop where it is
    installed, which is every platform but Windows).

    The server frames HTTP/2 inside the event loop (grpclib), so the loop's socket and callback costs are the
    chaincode's transport costs: on the devnet benchmark uvloop's C transports cut the chaincode process's CPU
    by about 7 %. An unknown name is refused with the variable named.
    """
    if loop is not None and loop not in EVENT_LOOPS:
        main.close()
        raise ValueError(f"CHAINCODE_EVENT_LOOP: expected one of {', '.join(EVENT_LOOPS)}, got {loop!r}")
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                main.close()
                raise ValueError("CHAINCODE_EVENT_LOOP: uvloop is not installed") from None
        else:
            uvloop.run(main)
            return
    asyncio.run(main)


def main() -> int:
    env = dict(os.environ)
    configure_logging(env.get("CHAINCODE_LOG_LEVEL", "INFO"))
    try:
        run_event_loop(serve(env), env.get("CHAINCODE_EVENT_LOOP") or None)
    except ValueError as exc:
        logging.getLogger("chaincode.server").error("%s", exc)
        return 2
    return 0
