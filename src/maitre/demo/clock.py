"""A demo clock: lets the loader write history through services that stamp "now".

The domain services stamp ``created_at``, timeline ``occurred_at``, ``resolved_at`` … with the
current time, which is right for live use and wrong for two years of generated history. While a
``DemoClock`` is installed on the loader's own session, every timestamp a service set during the
load (any value at or after the moment the clock was installed) is moved, just before it is
flushed, to the clock's current historical instant ``at``. Timestamps given explicitly from the
past (an order's ``placed_at``) are left alone. Other sessions are not affected.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from maitre.db.base import utcnow

_DEFAULTED = ("created_at", "updated_at")


class DemoClock:
    """Restamp what the services stamp as now with ``at`` on one session (a context manager)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.started = utcnow()
        self.at: datetime | None = None

    def __enter__(self) -> DemoClock:
        self.started = utcnow()
        event.listen(self.session, "before_flush", self._before_flush)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        event.remove(self.session, "before_flush", self._before_flush)

    def _restamp(self, obj: Any, *, new: bool) -> None:
        assert self.at is not None
        state = inspect(obj)
        loaded = state.dict  # only what is in memory: reading must not trigger a query mid-flush
        for attr in state.mapper.column_attrs:
            key = attr.key
            value = loaded.get(key)
            if isinstance(value, datetime):
                if value.tzinfo is not None and value >= self.started:
                    setattr(obj, key, self.at)
            elif new and value is None and key in _DEFAULTED:
                setattr(obj, key, self.at)
        if not new and "updated_at" in state.mapper.column_attrs:
            # Set and flag it even when unchanged: an UPDATE without it would run onupdate=now.
            obj.updated_at = self.at
            flag_modified(obj, "updated_at")

    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        if self.at is None:
            return
        for obj in list(session.new):
            self._restamp(obj, new=True)
        for obj in list(session.dirty):
            if session.is_modified(obj, include_collections=False):
                self._restamp(obj, new=False)
