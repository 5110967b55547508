"""Scenario-based evaluation of the conversational agent through its HTTP API."""
