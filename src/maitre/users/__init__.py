"""Staff users, API keys and roles."""
