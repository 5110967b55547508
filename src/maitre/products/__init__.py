"""Products: the catalogue orders are placed against, with price and stock."""
