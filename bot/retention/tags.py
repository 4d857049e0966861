"""Customer tags: find a customer's records again (for `siyu forget`) without writing their id there."""

from __future__ import annotations

import hashlib


def customer_tag(customer: str) -> str:
    return hashlib.sha256(f"siyu-customer:{customer}".encode()).hexdigest()[:16]
