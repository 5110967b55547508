"""Notes: free text staff write about a customer, optionally on an order, ticket or deal."""
