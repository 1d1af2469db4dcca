"""Prometheus metrics, one registry per app instance (tests build many apps in one process)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "gateway_request_seconds",
            "REST request latency by operation (route)",
            ["operation", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.responses = Counter(
            "gateway_responses_total",
            "REST responses by operation and HTTP status",
            ["operation", "status"],
            registry=self.registry,
        )
        self.tx_outcomes = Counter(
            "gateway_transactions_total",
            "Committed transactions by validation code (transaction.TxValidationCode name)",
            ["validation_code"],
            registry=self.registry,
        )
        self.fabric_seconds = Histogram(
            "gateway_fabric_seconds",
            "Latency of Fabric calls by step",
            ["step"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.mvcc_retries = Counter(
            "gateway_mvcc_retries_total", "Fresh proposals made after an MVCC/phantom conflict", registry=self.registry
        )
        self.rate_limited = Counter("gateway_rate_limited_total", "Requests refused with 429", registry=self.registry)

        # Labelled children by label values, made once: ``labels()`` takes a lock and rebuilds its key on every
        # call, and the hot path records six samples per submit. The child for given values never changes
        # (prometheus_client keeps it for the metric's lifetime), so a cached one is the one ``labels`` returns.
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}

    def child(self, metric: Counter | Histogram, *values: str) -> Any:
        """``metric.labels(*values)``, cached (label sets here are few: routes x methods/statuses, steps, codes)."""
        key = (metric, values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
