"""Helpers shared by every domain: pagination, page schemas."""
