"""Conversations: the chat log between a customer and the bot or a human agent."""
