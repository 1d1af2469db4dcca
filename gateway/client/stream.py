"""Closing a server-streaming call, shared by the chaincode and block event iterators."""

from __future__ import annotations

from typing import Any, Self


class CancellableStream:
    """``close()`` (or leaving a ``with`` block) cancels the gRPC call behind ``_call``.

    A blocked reader then sees ``CANCELLED``, which the iterators turn into the end of the iteration. A plain
    iterator without ``cancel`` (e.g. a test double) has nothing to cancel.
    """

    _call: Any

    def close(self) -> None:
        cancel = getattr(self._call, "cancel", None)
        if cancel is not None:
            cancel()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
