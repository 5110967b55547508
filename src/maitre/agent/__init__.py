"""The conversational agent: NLU, dialogue state, flows, policy and replies."""
