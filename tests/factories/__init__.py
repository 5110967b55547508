"""Test data factories, one module per domain (``tests.factories.customers`` …)."""

from tests.factories.customers import customer_payload, make_customer

__all__ = ["customer_payload", "make_customer"]
