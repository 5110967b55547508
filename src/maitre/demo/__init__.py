"""The demo company: a small online shop generated deterministically from a seed.

``generator`` builds plain data (no database); ``loader`` writes it through the domain services.
"""
