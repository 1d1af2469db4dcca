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


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode  # as json.dumps(..., separators=...), made once


class JsonFormatter(logging.Formatter):
    _second = -1
    _second_text = ""

    def _timestamp(self, record: logging.LogRecord) -> str:
        """ISO 8601 UTC with milliseconds; the part up to the second is formatted once per second."""
        second = int(record.created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": self._timestamp(record),
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
        return _COMPACT_JSON(body)


def configure_json_logging(level: int = logging.INFO) -> None:
    # Thread, process and multiprocessing names are standard record attributes the JSON lines never show; not
    # looking them up saves a third of a record's cost (one record per request).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("gateway")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
