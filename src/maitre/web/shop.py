"""The demo shop at /demo-shop: a public shop front that embeds the chat widget.

Widget keys are public by design (a page's source shows them; the role may only chat and see
its own conversations), so the page embeds one. It is created on the first view and its token
kept in ``data_dir/demo_widget_key`` (the database stores only a hash), then reused while the
key still authenticates. ``?customer=ID`` signs a short-lived widget token for that customer so
the demo can show a logged-in shopper; anyone could use it to chat as any customer, so it works
only when ``MAITRE_DEMO_SHOP_CUSTOMER_TOKENS=true`` (off by default) and 404s otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from maitre.api.deps import SessionDep, get_settings
from maitre.common.ids import IdQuery
from maitre.common.pagination import PageParams
from maitre.config import Settings
from maitre.conversations import widget_tokens
from maitre.customers import service as customers
from maitre.errors import NotFound, Unauthenticated
from maitre.products import service as products
from maitre.users import service as users
from maitre.users.roles import Role
from maitre.web.core import TEMPLATES, PageRoute
from maitre.web.i18n import translator

log = logging.getLogger("maitre.web")
router = APIRouter(route_class=PageRoute)
KEY_FILE = "demo_widget_key"
KEY_NAME = "demo-shop widget"
TOKEN_TTL_S = 3600
SHOWN_PRODUCTS = 8


def _key_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def demo_widget_key(*, session: Session, settings: Settings) -> str:
    """Return the demo shop's widget key, creating and remembering one when needed."""
    path = _key_path(settings)
    if path.exists():
        token = path.read_text().strip()
        try:
            key = users.authenticate_api_key(session=session, token=token)
            if key.role == Role.WIDGET:
                return token
        except Unauthenticated:
            pass
    _key, token = users.create_api_key(session=session, name=KEY_NAME, role=Role.WIDGET)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token)
    path.chmod(0o600)
    log.info("web.demo_shop.widget_key_created")
    return token


@router.get("/demo-shop", response_class=HTMLResponse)
def demo_shop(
    request: Request,
    session: SessionDep,
    customer: IdQuery = None,
    lang: Annotated[str, Query(pattern=r"^(en|zh)$")] = "en",
) -> Response:
    settings = get_settings(request)
    if not settings.demo_shop:
        raise NotFound("There is no demo shop here.")
    if customer is not None and not settings.demo_shop_customer_tokens:
        raise NotFound("Demo customer sign-in is off (MAITRE_DEMO_SHOP_CUSTOMER_TOKENS).")
    token = None
    shopper = None
    if customer is not None:
        shopper = customers.get(session=session, customer_id=customer)
        _facts, token = widget_tokens.issue(
            settings=settings, customer_id=shopper.id, ttl_seconds=TOKEN_TTL_S
        )
    key = demo_widget_key(session=session, settings=settings)
    shown = products.list_(
        session=session,
        filters=products.ProductFilter(is_active=True),
        params=PageParams(limit=SHOWN_PRODUCTS, sort="name"),
    )
    samples = []
    if settings.demo_shop_customer_tokens and shopper is None:
        samples = customers.list_(
            session=session, filters=customers.CustomerFilter(), params=PageParams(limit=3)
        ).items
    context = {
        "products": shown.items,
        "widget_key": key,
        "customer_token": token,
        "shopper": shopper,
        "samples": samples,
        "shop_lang": lang,
        "t": translator(lang),
    }
    return TEMPLATES.TemplateResponse(request, "demo_shop.html", context)
