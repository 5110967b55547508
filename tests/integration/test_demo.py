"""``maitre demo load`` on SQLite and PostgreSQL: what lands, with historical timestamps, and
that ``--if-empty`` makes it safe to run at every start."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.common.pagination import PageParams
from maitre.config import get_settings
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.db.base import Base, UTCDateTime
from maitre.db.session import unit_of_work
from maitre.demo import loader
from maitre.demo.generator import DemoConfig, DemoData, generate
from maitre.orders import service as orders
from maitre.tickets import service as tickets
from maitre.timeline import service as timeline
from maitre.users import service as users
from maitre.users.roles import Role

TODAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def small_demo() -> DemoData:
    return generate(DemoConfig(seed=3, today=TODAY, customers=60))


def _all_customers(session: Session) -> list[Customer]:
    page = customers.list_(
        session=session, filters=customers.CustomerFilter(), params=PageParams(limit=500)
    )
    found: list[Customer] = list(page.items)
    return found


def test_load_writes_the_demo_with_its_history(
    session_factory: sessionmaker[Session], engine: Engine, small_demo: DemoData
) -> None:
    data = small_demo
    with unit_of_work(session_factory) as s:
        result = loader.load(session=s, data=data)
    assert [p.email for p in result.staff_created] == [p.email for p in data.staff]
    lead_deals = sum(1 for lead in data.leads if lead.deal)
    assert result.counts["orders"] == len(data.orders)
    assert result.counts["deals"] == len(data.deals) + lead_deals

    with session_factory() as s:
        rows = _all_customers(s)
        assert len(rows) == result.counts["customers"] >= len(data.customers)
        by_email = {c.email: c for c in rows}
        assert Counter(c.language for c in rows)["zh"] == data.config.zh_customers
        for demo_customer in data.customers:
            row = by_email[demo_customer.identity.email]
            assert row.created_at == demo_customer.created_at
            assert ("vip" in row.tags) == (demo_customer.vip_since is not None)

        order_page = orders.list_(
            session=s, filters=orders.OrderFilter(), params=PageParams(limit=500)
        )
        assert order_page.total == len(data.orders)
        first = orders.get_by_number(session=s, number=data.orders[0].number)
        assert first is not None and first.placed_at == data.orders[0].placed_at
        assert first.status == data.orders[0].status
        assert first.total == data.orders[0].total
        assert orders.get_by_number(session=s, number="1") is not None  # "#1" finds MT-000001

        ticket_page = tickets.list_(
            session=s, filters=tickets.TicketFilter(), params=PageParams(limit=500)
        )
        assert ticket_page.total == len(data.tickets)
        for ticket in ticket_page.items:
            if ticket.order_id is not None:
                assert orders.get(session=s, order_id=ticket.order_id).customer_id == (
                    ticket.customer_id
                )
        assert {t.status for t in ticket_page.items} == {t.status for t in data.tickets}

        # The timeline shows history at its own time: the oldest event is the sign-up.
        someone = by_email[data.customers[data.orders[0].customer].identity.email]
        events = timeline.list_for_customer(session=s, customer_id=someone.id, limit=1000)
        assert events[-1].kind == "customer.created"
        assert events[-1].occurred_at == someone.created_at
        assert any(e.kind == "order.status_changed" for e in events)

        for person in data.staff:
            user = users.authenticate_user(session=s, email=person.email, password=person.password)
            assert user.role == Role(person.role)

    # Nothing the services stamped "now" survived: every timestamp lies before the reference.
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UTCDateTime):
                    latest = conn.execute(select(func.max(column))).scalar()
                    if latest is not None:
                        latest = UTCDateTime().process_result_value(latest, engine.dialect)
                        assert latest < data.now, f"{table.name}.{column.name} = {latest}"


def test_existing_staff_accounts_are_kept(session_factory: sessionmaker[Session]) -> None:
    tiny = generate(DemoConfig(seed=1, today=TODAY, customers=4, leads=1))
    with unit_of_work(session_factory) as s:
        users.create_user(
            session=s, email="admin@maitre.local", role=Role.ADMIN, password="own-password"
        )
    with unit_of_work(session_factory) as s:
        result = loader.load(session=s, data=tiny)
    assert [p.email for p in result.staff_existing] == ["admin@maitre.local"]
    with session_factory() as s:
        users.authenticate_user(session=s, email="admin@maitre.local", password="own-password")


@pytest.fixture
def cli_env(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    monkeypatch.setenv("MAITRE_DATABASE_URL", db_url)
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_load_then_if_empty_does_nothing(
    cli_env: CliRunner, session_factory: sessionmaker[Session]
) -> None:
    args = ["demo", "load", "--customers", "12", "--today", "2025-06-01", "--if-empty"]
    first = cli_env.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "admin@maitre.local" in first.output and "maitre-agent" in first.output
    with session_factory() as s:
        before = loader.customer_count(session=s)
        orders_before = orders.list_(
            session=s, filters=orders.OrderFilter(), params=PageParams(limit=1)
        ).total
    assert before >= 12 and orders_before > 0

    again = cli_env.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "already has" in again.output
    with session_factory() as s:
        assert loader.customer_count(session=s) == before
        assert (
            orders.list_(session=s, filters=orders.OrderFilter(), params=PageParams(limit=1)).total
            == orders_before
        )

    refused = cli_env.invoke(app, args[:-1])
    assert refused.exit_code == 1
    assert "already has" in refused.output


@pytest.mark.parametrize("today", ["2999-01-01", "junk"])
def test_cli_refuses_a_bad_reference_date(cli_env: CliRunner, today: str) -> None:
    result = cli_env.invoke(app, ["demo", "load", "--customers", "5", "--today", today])
    assert result.exit_code == 1
    assert "--today" in result.output
    assert "Traceback" not in result.output
