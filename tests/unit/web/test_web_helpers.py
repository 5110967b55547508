"""Web helpers without a database: the UI text catalogues and contact masking."""

from __future__ import annotations

import re
from pathlib import Path

from maitre.agent.nlu.models import ReviewReason
from maitre.ml.segments import RFMSegment
from maitre.orders.status import OrderStatus
from maitre.sales.models import DealStage, LeadStatus
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.users.roles import Role
from maitre.web import core, i18n
from maitre.web.catalog import PRODUCT_SORTS
from maitre.web.customers import SORTS
from maitre.web.leads import LEAD_SORTS
from maitre.web.masking import mask_address, mask_email, mask_phone, may_see_contact
from maitre.web.records import ORDER_SORTS, TICKET_SORTS

WEB = Path(core.__file__).parent
LITERAL = re.compile(r"""\bt\(\s*['"]([a-z0-9_.\-]+)['"]""")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("*.py")]:
        keys |= {k for k in LITERAL.findall(path.read_text()) if "." in k and not k.endswith(".")}
    keys |= {key for _path, key, _perm in core.NAV}
    dynamic = {
        "status": [*OrderStatus, *TicketStatus],
        "priority": list(TicketPriority),
        "stage": list(DealStage),
        "lead": list(LeadStatus),
        "segment": list(RFMSegment),
        "role": list(Role),
        "review.reason": list(ReviewReason),
        "sort": [*SORTS, *ORDER_SORTS, *PRODUCT_SORTS, *TICKET_SORTS, *LEAD_SORTS],
        "period": ["day", "week", "month"],
        "field": ["name", "email", "phone", "company", "language", "country", "tags", "address"],
        "error": ["400", "403", "404", "409", "422", "429"],
        "conv": ["bot", "handed_off", "resolved", "abandoned"],
        "sender": ["customer", "bot", "agent", "system"],
        "inbox.tab": ["bot", "handed_off", "mine", "resolved"],
        "inbox.none": ["bot", "handed_off", "mine", "resolved"],
        "kb.status": ["draft", "published", "archived"],
    }
    for prefix, values in dynamic.items():
        keys |= {f"{prefix}.{v}" for v in values}
    return keys


def test_both_catalogues_have_the_same_keys_and_cover_every_key_used() -> None:
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    assert set(en) == set(zh)
    missing = _used_keys() - set(en)
    assert not missing, sorted(missing)
    assert all(v.strip() for v in zh.values())


def test_translator_formats_and_falls_back() -> None:
    t = i18n.translator("zh")
    assert t("ui.total", n=3) == "共 3 条"
    assert i18n.translator("xx")("nav.customers") == "Customers"
    assert t("no.such.key") == "no.such.key"


def test_contact_details_are_masked_for_analysts_only() -> None:
    assert [may_see_contact(r) for r in (Role.ADMIN, Role.AGENT, Role.SALES)] == [True] * 3
    assert not may_see_contact(Role.ANALYST) and not may_see_contact(None)
    assert mask_email("ada@example.com") == "a•••@example.com"
    assert mask_phone("+44 20 7946 0001") == "••• 01"
    assert mask_phone("12") == "•••" and mask_phone(None) == "" and mask_email("") == ""
    assert mask_address("1 Main St") == "•••" and mask_address(None) == ""
