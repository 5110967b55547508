"""Import customers, products and orders from CSV: streamed, validated, upserted, reported.

``maitre import customers|products|orders FILE.csv`` and ``POST /api/v1/imports`` share
``maitre.imports.runner.run_import``. The file is read one record at a time; rows are
validated with the domain's create schema and written in batches, each batch committed
(``--all-or-nothing``: one transaction, rolled back if any row is rejected). A rejected row
lands in the error report CSV (``line``, ``column``, ``reason`` and the row as read) while good
rows land. Upserts match existing records, so importing the same file again changes nothing.

File shapes (the first row names the columns; see ``maitre.imports.mapping`` for renaming):

* customers: one row per customer; ``name`` and ``email`` or ``external_id`` are required.
  Matched by ``external_id``, then email. ``tags`` is ``vip; newsletter`` or a JSON list,
  ``custom_fields`` a JSON object, and ``custom_fields.<key>`` columns set single keys.
* products: one row per product, matched by ``sku``; ``sku``, ``name`` and ``price`` required.
* orders: one row per order line; the order's own columns repeat (or stay empty) on each of its
  consecutive rows. See ``maitre.imports.orders``.

An empty cell means "not given": it never clears a stored value, and a new record gets the
field's default. Columns an export adds (``id``, ``created_at`` …) are skipped on import.
"""
