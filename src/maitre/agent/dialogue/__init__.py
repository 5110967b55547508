"""Dialogue: state tracking, task flows, policy, CRM tools, handoff and replies."""
