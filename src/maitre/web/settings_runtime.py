"""Settings page sections an admin changes at run time: the LLM endpoint and business rules.

Saved values go to ``maitre.runtime_settings`` and apply from the agent's next turn. A form
sends every field of its section; only values that differ from those in force are stored.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from maitre.agent.llm import endpoint_status
from maitre.api.deps import SessionDep, SettingsDep, actor_name
from maitre.config import Settings
from maitre.errors import ValidationFailed
from maitre.runtime_settings import service as runtime_settings
from maitre.runtime_settings.fields import Section
from maitre.web.core import Csrf, PageRoute, WebUser, is_htmx, redirect, render, require
from maitre.web.settings_pages import ADMIN, render_settings

log = logging.getLogger("maitre.web")
router = APIRouter(route_class=PageRoute)
TEST_TIMEOUT_S = 3.0


def _save(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    *,
    section: Section,
    changes: dict[str, Any],
    reset: bool,
) -> Response:
    actor = actor_name(user)
    anchor = f"/settings?saved={section.value}#{section.value}"
    if reset:
        runtime_settings.reset_section(session=session, base=settings, section=section, actor=actor)
        return redirect(anchor)
    try:
        runtime_settings.update(session=session, base=settings, changes=changes, actor=actor)
    except ValidationFailed as exc:
        session.rollback()
        errors = {f"rt_{e.loc[-1]}": e.msg for e in exc.errors}
        shown = {k: v for k, v in changes.items() if k != "llm_api_key"}
        return render_settings(request, session, 422, errors=errors, rt_form=shown)
    return redirect(anchor)


@router.post("/settings/llm", response_class=HTMLResponse, dependencies=[Csrf])
def save_llm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    llm_base_url: Annotated[str, Form(max_length=2000)] = "",
    llm_model: Annotated[str, Form(max_length=200)] = "",
    llm_timeout_seconds: Annotated[str, Form(max_length=40)] = "",
    llm_api_key: Annotated[str, Form(max_length=1000)] = "",
    clear_api_key: Annotated[str, Form(max_length=5)] = "",
    reset: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Save the LLM endpoint; a blank key field keeps the saved key."""
    require(user, ADMIN)
    changes: dict[str, Any] = {
        "llm_base_url": llm_base_url,
        "llm_model": llm_model,
        "llm_timeout_seconds": llm_timeout_seconds.strip(),
    }
    if clear_api_key == "on":
        changes["llm_api_key"] = None
    elif llm_api_key:
        changes["llm_api_key"] = llm_api_key
    return _save(
        request, session, settings, user, section=Section.LLM, changes=changes, reset=bool(reset)
    )


@router.post("/settings/rules", response_class=HTMLResponse, dependencies=[Csrf])
def save_rules(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    return_window_days: Annotated[str, Form(max_length=40)] = "",
    refund_handoff_limit: Annotated[str, Form(max_length=40)] = "",
    delivery_estimate_days: Annotated[str, Form(max_length=40)] = "",
    kb_min_confidence: Annotated[str, Form(max_length=40)] = "",
    cancel_allowed_statuses: Annotated[list[str] | None, Form(max_length=10)] = None,
    reset: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Save the business rules the agent applies."""
    require(user, ADMIN)
    changes: dict[str, Any] = {
        "return_window_days": return_window_days.strip(),
        "refund_handoff_limit": refund_handoff_limit.strip(),
        "delivery_estimate_days": delivery_estimate_days.strip(),
        "kb_min_confidence": kb_min_confidence.strip(),
        "cancel_allowed_statuses": cancel_allowed_statuses or [],
    }
    return _save(
        request, session, settings, user, section=Section.RULES, changes=changes, reset=bool(reset)
    )


def _test(settings: Settings) -> tuple[bool, str]:
    try:
        return endpoint_status(settings, timeout=TEST_TIMEOUT_S)
    except Exception as exc:  # an odd endpoint must show as a failed test, never as a 500
        log.warning("web.settings.llm_test_failed", extra={"error": type(exc).__name__})
        return False, f"the test failed: {type(exc).__name__}"


@router.post("/settings/llm/test", response_class=HTMLResponse, dependencies=[Csrf])
def test_llm(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser
) -> Response:
    """Check the saved LLM endpoint (``GET /models``) and show the outcome."""
    require(user, ADMIN)
    in_force = runtime_settings.effective(session=session, base=settings)
    ok, message = _test(in_force)
    log.info("web.settings.llm_test", extra={"ok": ok})
    outcome = {"ok": ok, "message": message}
    if is_htmx(request):
        return render(request, "settings_llm_test.html", llm_test=outcome)
    return render_settings(request, session, llm_test=outcome)
