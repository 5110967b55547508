"""Personalised product recommendations with a reason per item."""
