"""Customers: the record every other part of Maitre hangs off."""
