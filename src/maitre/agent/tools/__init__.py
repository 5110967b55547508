"""The agent's CRM tools: what the dialogue policy calls to read or change the CRM.

Every tool takes a ``ToolContext`` (session, settings, the verified customer, the conversation,
``now``, actor) and returns a ``ToolResult`` (ok, outcome code, facts, data). Tools act only on
the verified customer's records, go through the domain services, and flush without committing.
"""

from maitre.agent.tools.account import (
    AccountField,
    AccountOutcome,
    ProfileOutcome,
    customer_profile,
    update_account,
)
from maitre.agent.tools.catalogue import (
    ProductOutcome,
    RecommendOutcome,
    RecommendSource,
    product_info,
    recommend,
)
from maitre.agent.tools.context import Recommender, ToolContext, ToolResult
from maitre.agent.tools.identity import VerifyOutcome, verify_identity
from maitre.agent.tools.order_changes import (
    AddressOutcome,
    CancelOutcome,
    ReturnOutcome,
    cancel_order,
    change_address,
    request_return,
)
from maitre.agent.tools.orders import (
    OrderStatusOutcome,
    RecentOrdersOutcome,
    RefundOutcome,
    list_recent_orders,
    order_status,
    refund_status,
)
from maitre.agent.tools.support import TicketKind, TicketOutcome, create_ticket

__all__ = [
    "AccountField",
    "AccountOutcome",
    "AddressOutcome",
    "CancelOutcome",
    "OrderStatusOutcome",
    "ProductOutcome",
    "ProfileOutcome",
    "RecentOrdersOutcome",
    "RecommendOutcome",
    "RecommendSource",
    "Recommender",
    "RefundOutcome",
    "ReturnOutcome",
    "TicketKind",
    "TicketOutcome",
    "ToolContext",
    "ToolResult",
    "VerifyOutcome",
    "cancel_order",
    "change_address",
    "create_ticket",
    "customer_profile",
    "list_recent_orders",
    "order_status",
    "product_info",
    "recommend",
    "refund_status",
    "request_return",
    "update_account",
    "verify_identity",
]
