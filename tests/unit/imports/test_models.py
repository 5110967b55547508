"""Stored values of the import enums: renaming one would orphan stored rows."""

from __future__ import annotations

from maitre.imports.models import Entity, ImportStatus


def test_stored_values_are_pinned() -> None:
    assert [s.value for s in ImportStatus] == ["running", "completed", "failed", "rolled_back"]
    assert [e.value for e in Entity] == ["customers", "products", "orders"]
