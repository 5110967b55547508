"""Safety checks shared by the agent, the knowledge base, tickets, notes and emails."""
