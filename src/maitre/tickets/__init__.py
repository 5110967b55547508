"""Support tickets: a customer's problem, tracked until it is resolved."""
