"""Call a CRM tool by the name a flow gives, with only the arguments its signature accepts."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from maitre.agent import tools
from maitre.agent.tools import ToolContext, ToolResult
from maitre.errors import MaitreError

log = logging.getLogger("maitre.agent.dialogue")
ERROR_OUTCOME = "error"

Tool = Callable[..., ToolResult]


@lru_cache(maxsize=64)
def _lookup(name: str) -> tuple[Tool, frozenset[str]] | None:
    if name.startswith("_") or name not in getattr(tools, "__all__", ()):
        return None
    func = getattr(tools, name, None)
    if not callable(func) or inspect.isclass(func):
        return None
    params = inspect.signature(func).parameters
    accepted = frozenset(p for p in list(params)[1:])
    return func, accepted


def exists(name: str) -> bool:
    """Tell whether ``name`` is a known tool."""
    return _lookup(name) is not None


def call(name: str, ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
    """Run tool ``name``; unknown tools and tool errors become an ``error`` outcome."""
    found = _lookup(name)
    if found is None:
        log.error("agent.tool.unknown", extra={"tool": name})
        return ToolResult(ok=False, outcome=ERROR_OUTCOME, facts={})
    func, accepted = found
    kwargs = {k: v for k, v in args.items() if k in accepted and v is not None}
    try:
        with ctx.session.begin_nested():
            return func(ctx, **kwargs)
    except (MaitreError, TypeError, ValueError) as exc:
        log.warning("agent.tool.failed", extra={"tool": name, "error": str(exc)[:200]})
        return ToolResult(ok=False, outcome=ERROR_OUTCOME, facts={})
