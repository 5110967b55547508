"""The task queue (Huey) and Maitre's background tasks; tasks are thin and call services."""
