"""Product search for the agent: exact sku, words in names, typos; junk finds nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.products import service as products
from tests.factories.products import make_product


def test_exact_sku_wins_alone(session: Session) -> None:
    cup = make_product(session, sku="CUP-1", name="Espresso Cup")
    make_product(session, sku="CUP-10", name="Cup of cups")
    assert products.search(session=session, text="CUP-1") == [(cup, 1.0)]
    assert products.search(session=session, text="cup-1") == [(cup, 1.0)]


def test_words_rank_by_share_matched(session: Session) -> None:
    earbuds = make_product(session, name="Wireless Earbuds")
    make_product(session, name="Wireless Mouse")
    found = products.search(session=session, text="Do you have wireless earbuds?")
    assert found[0] == (earbuds, 1.0)
    assert found[1][1] == 0.5


def test_active_products_first_on_equal_match(session: Session) -> None:
    make_product(session, name="Desk Lamp", is_active=False)
    active = make_product(session, name="Desk Lamp")
    assert products.search(session=session, text="desk lamp")[0][0] == active


def test_typos_fall_back_to_close_names(session: Session) -> None:
    kettle = make_product(session, name="Electric Kettle")
    found = products.search(session=session, text="electirc kettel")
    assert found and found[0][0] == kettle and found[0][1] < 1.0


def test_chinese_and_wildcards(session: Session) -> None:
    item = make_product(session, name="无线耳机")
    make_product(session, name="100% cotton towel")
    assert products.search(session=session, text="无线耳机")[0][0] == item
    assert products.search(session=session, text="%") == []
    assert products.search(session=session, text="_") == []
    assert products.search(session=session, text="") == []
    assert products.search(session=session, text="\x00 the a") == []
