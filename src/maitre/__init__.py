"""Maitre: a self-hosted AI CRM."""

__version__ = "0.1.0"
