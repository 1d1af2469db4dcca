"""A client of the orderer's channel participation REST API (what ``osnadmin channel ...`` does).

Endpoints and status codes: ``orderer/common/channelparticipation/restapi.go``; the client side of Fabric is
``internal/osnadmin``. The admin endpoint requires mutual TLS: the client presents an orderer-org admin's TLS
client cert and trusts the orderer org's TLS CA.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from network.layout import NetworkLayout

API = "/participation/v1/channels"


class ParticipationError(RuntimeError):
    """The orderer refused a participation request; carries the HTTP status and the orderer's message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"channel participation API: HTTP {status}: {message}")


def tls_context(ca_cert: Path, client_cert: Path, client_key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca_cert))
    context.load_cert_chain(str(client_cert), str(client_key))
    return context


def _error(response: httpx.Response) -> ParticipationError:
    try:
        message = str(response.json().get("error", response.text))
    except ValueError:
        message = response.text
    return ParticipationError(response.status_code, message)


class ParticipationClient:
    """One orderer's admin endpoint. Use as a context manager or call :meth:`close`."""

    def __init__(self, port: int, context: ssl.SSLContext, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=context, timeout=timeout)

    @classmethod
    def for_orderer(cls, layout: NetworkLayout, orderer_name: str, admin_user: str = "Admin") -> ParticipationClient:
        """Client for an orderer node of ``layout`` as that orderer org's admin user."""
        for org, node in layout.spec.orderer_nodes():
            if orderer_name in (node.name, f"{node.name}.{org.domain}"):
                if node.admin_port is None:
                    raise ValueError(f"admin_port: orderer {orderer_name} has no admin port")
                user = layout.user_tls(layout.user_dir(org.msp_id, admin_user))
                context = tls_context(layout.tlsca_cert(org.msp_id), user.cert, user.key)
                return cls(node.admin_port, context)
        raise KeyError(f"orderer: no orderer node {orderer_name!r}")

    def __enter__(self) -> ParticipationClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def list_channels(self) -> list[str]:
        response = self._http.get(API)
        if response.status_code != 200:
            raise _error(response)
        return sorted(entry["name"] for entry in response.json().get("channels") or [])

    def channel_info(self, channel: str) -> dict[str, Any] | None:
        """``{name, url, consensusRelation, status, height}``, or None when the orderer is not on the channel."""
        response = self._http.get(f"{API}/{channel}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _error(response)
        info: dict[str, Any] = response.json()
        return info

    def join(self, block: bytes) -> dict[str, Any]:
        """POST a channel's config block (multipart part ``config-block``); 201 on success."""
        files = {"config-block": ("config.block", block, "application/octet-stream")}
        response = self._http.post(API, files=files)
        if response.status_code != 201:
            raise _error(response)
        info: dict[str, Any] = response.json()
        return info

    def remove(self, channel: str) -> None:
        response = self._http.delete(f"{API}/{channel}")
        if response.status_code != 204:
            raise _error(response)

    def block(self, channel: str, which: str | int = "config") -> bytes:
        """A marshalled block: ``newest``, ``oldest``, ``config`` (the last config block) or a number."""
        response = self._http.get(f"{API}/{channel}/blocks/{which}")
        if response.status_code != 200:
            raise _error(response)
        return response.content

    def ready(self) -> bool:
        """Whether the admin endpoint answers (any HTTP status counts)."""
        try:
            self._http.get(API)
        except httpx.TransportError:
            return False
        return True
