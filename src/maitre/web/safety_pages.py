"""Content flags (admin only): text in tickets and notes that tried to instruct the assistant.

The list shows what was flagged, which rules fired and where it came from; an admin confirms
the attack or dismisses a false alarm in place (HTMX swaps the row). Flagged knowledge-base
articles are kept on the articles themselves and listed by the KB page's "flagged" filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.customers import service as customers
from maitre.errors import NotFound
from maitre.safety import service as safety
from maitre.safety.injection import RULES
from maitre.safety.models import ContentFlag, FlagStatus
from maitre.web.core import HTML, Csrf, PageRoute, WebUser, is_htmx, redirect, render, require

router = APIRouter(route_class=PageRoute)
PAGE_SIZE = 25
# Kinds with a translated label (``safety.kind_<kind>``); any other kind is shown as stored.
KIND_LABELS = frozenset({rule.kind for rule in RULES} | {"hidden_text"})


def subject_link(flag: ContentFlag) -> str | None:
    """Return the page of the flagged record, or None when it has none."""
    if flag.subject_type == "ticket":
        return f"/tickets/{flag.subject_id}"
    if flag.subject_type == "article":
        return f"/kb/{flag.subject_id}"
    if flag.subject_type == "note" and flag.customer_id is not None:
        return f"/customers/{flag.customer_id}#notes"
    if flag.subject_type == "customer":
        return f"/customers/{flag.subject_id}"
    return None


def customer_names(session: Session, flags: Iterable[ContentFlag]) -> dict[int, str]:
    """Return the names of the customers the flags belong to (a page's worth, by id)."""
    names: dict[int, str] = {}
    for cid in {f.customer_id for f in flags if f.customer_id is not None}:
        try:
            names[cid] = customers.get(session=session, customer_id=cid).name
        except NotFound:
            continue
    return names


@router.get("/safety", response_class=HTML)
def flags_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """List content flags, newest first, filtered by status and kind."""
    require(user, "safety:read")
    chosen = FlagStatus(status) if status in set(FlagStatus) else None
    kinds = safety.list_kinds(session=session)
    kind = kind if kind in kinds else None
    page = safety.list_(
        session=session,
        filters=safety.FlagFilter(status=chosen, kind=kind),
        params=PageParams(limit=PAGE_SIZE, cursor=cursor, sort="-created_at"),
    )
    return render(
        request,
        "safety.html",
        page=page,
        query={"status": chosen.value if chosen else "", "kind": kind or ""},
        statuses=[s.value for s in FlagStatus],
        kinds=kinds,
        subject_link=subject_link,
        kind_labels=KIND_LABELS,
        customer_names=customer_names(session, page.items),
    )


@router.post("/safety/{flag_id}/review", response_class=HTML, dependencies=[Csrf])
def review_flag(
    request: Request,
    flag_id: IdPath,
    session: SessionDep,
    user: WebUser,
    status: Annotated[Literal["confirmed", "dismissed"], Form()],
) -> Response:
    """Record an admin's verdict; answer the row again for HTMX, else go back to the list."""
    require(user, "safety:write")
    flag = safety.review(
        session=session, flag_id=flag_id, status=FlagStatus(status), actor=actor_name(user)
    )
    if is_htmx(request):
        return render(
            request,
            "_flag_row.html",
            f=flag,
            subject_link=subject_link,
            kind_labels=KIND_LABELS,
            customer_names=customer_names(session, [flag]),
        )
    return redirect("/safety")
