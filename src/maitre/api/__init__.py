"""The HTTP API: app factory, dependencies and error mapping."""
