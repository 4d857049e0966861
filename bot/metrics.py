"""Prometheus metrics, in a registry of their own so that tests can build many apps."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.callbacks = Counter(
            "siyu_callbacks",
            "Callbacks received, by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "siyu_queue_depth", "Events accepted but not yet processed", registry=self.registry
        )
        self.api_calls = Counter(
            "siyu_wecom_api_calls",
            "WeCom API calls by endpoint and errcode",
            ["endpoint", "errcode"],
            registry=self.registry,
        )
        self.processing = Histogram(
            "siyu_processing_seconds",
            "Time from dequeue to acknowledgement of one event",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.events = Counter(
            "siyu_events",
            "Processed events by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.data_loss = Counter(
            "siyu_store_data_loss",
            "Times the store was found to have lost its data (restart without persistence, FLUSHDB, failover)",
            registry=self.registry,
        )
        self.outbound = Counter(
            "siyu_outbound_messages",
            "Outbound messages by channel and outcome",
            ["channel", "outcome"],
            registry=self.registry,
        )
