"""Durable record of every submitted operation: idempotency, receipts and crash recovery."""
