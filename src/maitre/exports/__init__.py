"""Export customers, products and orders as CSV or JSON Lines, streamed page by page.

The CSV columns are the API's field names, so an export imports back unchanged (``maitre
import`` skips the read-only ``id``/``created_at``/``updated_at`` columns). Lists and objects
(``tags``, ``custom_fields``) are JSON in a CSV cell. Orders export one CSV row per order line,
the order's columns repeated, which is the shape ``maitre import orders`` reads; in JSON Lines
each order is one object with its ``lines``.
"""
