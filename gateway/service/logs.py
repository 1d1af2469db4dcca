"""Structured JSON logs carrying the request id and txid of whatever is being done.

The ids live in context variables set by the request middleware and the submission engine, so every log
line - ours or a library's - written while serving a request can be correlated.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
txid_var: contextvars.ContextVar[str] = contextvars.ContextVar("txid", default="")
# A per-request list shared by reference with worker threads (they run in a *copy* of the context, so a
# plain ContextVar set there is invisible to the middleware that writes the access log).
request_txids_var: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("request_txids", default=None)


def note_txid(txid: str) -> None:
    """Record the transaction being worked on, for this thread's logs and the request's access log."""
    txid_var.set(txid)
    txids = request_txids_var.get()
    if txids is not None and txid not in txids:
        txids.append(txid)


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if request_id_var.get():
            body["request_id"] = request_id_var.get()
        if txid_var.get():
            body["txid"] = txid_var.get()
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                body[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)  # logs only; never in a response
        return json.dumps(body, separators=(",", ":"))


def configure_json_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("gateway")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
