"""Order lookups scoped to one customer: another customer's order is not found."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.orders import service as orders
from tests.factories.customers import make_customer
from tests.factories.orders import make_order


def test_number_lookup_is_scoped_to_the_customer(session: Session) -> None:
    alice, bob = make_customer(session), make_customer(session)
    mine = make_order(session, customer_id=alice.id)
    theirs = make_order(session, customer_id=bob.id, number="1043")
    digits = str(mine.id)
    for form in (mine.number, mine.number.lower(), f"#{mine.number}", digits):
        found = orders.get_by_number_for_customer(
            session=session, customer_id=alice.id, number=form
        )
        assert found is not None and found.id == mine.id, form
    for form in (theirs.number, "#1043", " 1043 "):
        assert (
            orders.get_by_number_for_customer(session=session, customer_id=alice.id, number=form)
            is None
        )
        assert (
            orders.get_by_number_for_customer(session=session, customer_id=bob.id, number=form)
            == theirs
        )
    for junk in ("", "   ", "#", "x" * 41, "\x00"):
        assert (
            orders.get_by_number_for_customer(session=session, customer_id=alice.id, number=junk)
            is None
        )


def test_imported_number_that_collides_with_a_generated_one(session: Session) -> None:
    alice, bob = make_customer(session), make_customer(session)
    generated = make_order(session, customer_id=alice.id)  # MT-000001
    imported = make_order(session, customer_id=bob.id, number=str(generated.id))  # "1"
    # Bob's "1" is his imported order; Alice's "1" falls through to her MT-000001.
    bob_found = orders.get_by_number_for_customer(session=session, customer_id=bob.id, number="1")
    alice_found = orders.get_by_number_for_customer(
        session=session, customer_id=alice.id, number="1"
    )
    assert bob_found == imported and alice_found == generated


def test_latest_for_customer(session: Session) -> None:
    alice = make_customer(session)
    assert orders.latest_for_customer(session=session, customer_id=alice.id) is None
    make_order(session, customer_id=alice.id)
    newest = make_order(session, customer_id=alice.id)
    assert orders.latest_for_customer(session=session, customer_id=alice.id) == newest
