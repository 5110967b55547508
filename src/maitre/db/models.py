"""Import every domain's tables so ``Base.metadata`` is complete (Alembic, create_all)."""

from __future__ import annotations

from maitre.customers import models as customers_models
from maitre.timeline import models as timeline_models
from maitre.users import models as users_models

__all__ = ["customers_models", "timeline_models", "users_models"]
