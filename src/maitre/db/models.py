"""Import every domain's tables so ``Base.metadata`` is complete (Alembic, create_all)."""

from __future__ import annotations

from maitre.agent.nlu import models as nlu_models
from maitre.analytics import models as analytics_models
from maitre.api import idempotency_models
from maitre.conversations import models as conversations_models
from maitre.customers import models as customers_models
from maitre.imports import models as imports_models
from maitre.kb import models as kb_models
from maitre.ml import models as ml_models
from maitre.notes import models as notes_models
from maitre.orders import models as orders_models
from maitre.products import models as products_models
from maitre.runtime_settings import models as runtime_settings_models
from maitre.safety import models as safety_models
from maitre.sales import models as sales_models
from maitre.tickets import models as tickets_models
from maitre.timeline import models as timeline_models
from maitre.users import models as users_models
from maitre.webhooks import models as webhooks_models

__all__ = [
    "analytics_models",
    "conversations_models",
    "customers_models",
    "idempotency_models",
    "imports_models",
    "kb_models",
    "ml_models",
    "nlu_models",
    "notes_models",
    "orders_models",
    "products_models",
    "runtime_settings_models",
    "safety_models",
    "sales_models",
    "tickets_models",
    "timeline_models",
    "users_models",
    "webhooks_models",
]
