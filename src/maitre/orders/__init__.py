"""Orders and their lines: what customers bought, where it is, and what came back."""
