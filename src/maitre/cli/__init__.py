"""The ``maitre`` command line."""
