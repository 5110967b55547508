"""The customer timeline: one event per change to a customer, order, ticket, note, conversation."""
