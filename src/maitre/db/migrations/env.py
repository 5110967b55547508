"""Alembic environment: batch mode on SQLite, the engine from maitre.db.session."""

from __future__ import annotations

from alembic import context

import maitre.db.models  # noqa: F401  (registers every table)
from maitre.config import get_settings
from maitre.customers.search_index import INDEX_NAMES
from maitre.db.base import Base
from maitre.db.session import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _include(obj: object, name: str | None, type_: str, reflected: bool, _other: object) -> bool:
    """Autogenerate ignores the optional search indexes (``maitre db search-index``)."""
    return not (type_ == "index" and reflected and name in INDEX_NAMES)


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_include,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
