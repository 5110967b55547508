"""Database base classes, engine factory and unit of work."""
