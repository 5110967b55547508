"""Webhooks: signed, retried HTTP callbacks for domain events (customer.created …)."""
