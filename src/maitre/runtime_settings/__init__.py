"""Settings an administrator may change at run time (LLM endpoint, business rules).

The environment (``maitre.config.Settings``) gives the defaults; rows in ``runtime_settings``
override single keys. ``service.effective`` merges both, and the agent reads it once per turn.
"""
