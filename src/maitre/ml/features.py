"""Per-customer profile features from the CRM: the only ML module that reads the database.

``customer_features(session=, as_of=)`` runs a handful of aggregate queries through the domain
services (never one query per customer) and returns a frame indexed by customer id, counting
only what had happened by ``as_of``:

    recency_days       days since the last order that was not cancelled (NaN: never ordered)
    frequency          orders placed and not cancelled
    monetary           total of orders neither cancelled nor returned
    avg_basket         monetary / orders neither cancelled nor returned
    tenure_days        days since the customer record or the first order, whichever is earlier
    return_rate        returned orders / frequency
    cancellation_rate  cancelled orders / orders placed
    discount_rate      orders with a discount / orders placed
    tickets_total, tickets_90d, conversations_total, csat_mean (NaN: no rated conversation)
    cat:<Category>     share of line spend per product category (top categories, rest "other")
    language, country, channel (most used order channel; "none" without orders)

Conversations carry no stored sentiment, so there is no sentiment feature (csat stands in).

Every feature but one is a function of the customer's own rows. The exception is which
categories get a ``cat:`` column: the ``MAX_CATEGORIES`` with the most spend over all customers
(``category_plan``, one small query grouped by product). With that plan fixed, ``features_for``
builds the rows of any ``IdSpan`` of customers (a keyset chunk), and the rows of a chunk equal
the same customers' rows in the frame of everyone, so batch scoring can stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from maitre.common.idspan import IdSpan
from maitre.conversations import service as conversations
from maitre.customers import service as customers
from maitre.orders import service as orders
from maitre.products import service as products
from maitre.tickets import service as tickets

CATEGORY_PREFIX = "cat:"
MAX_CATEGORIES = 12
RECENT_TICKET_DAYS = 90
NUMERIC_FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_basket",
    "tenure_days",
    "return_rate",
    "cancellation_rate",
    "discount_rate",
    "tickets_total",
    "tickets_90d",
    "conversations_total",
    "csat_mean",
)
CATEGORICAL_FEATURES = ("language", "country", "channel")
_DAY = pd.Timedelta(days=1)


def category_columns(frame: pd.DataFrame) -> list[str]:
    """Return the category-share columns of a feature frame."""
    return [str(c) for c in frame.columns if str(c).startswith(CATEGORY_PREFIX)]


def empty_features() -> pd.DataFrame:
    """Return a feature frame with no customers."""
    frame = pd.DataFrame(columns=[*NUMERIC_FEATURES, *CATEGORICAL_FEATURES])
    frame.index.name = "customer_id"
    return frame


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, errors="coerce")


@dataclass(frozen=True)
class CategoryPlan:
    """Which categories get a share column: learned once, from every customer's spend."""

    names: dict[int, str]
    kept: frozenset[str]
    columns: tuple[str, ...]


def category_plan(*, session: Session, as_of: datetime) -> CategoryPlan:
    """Return the top categories by spend as of ``as_of`` (the rest pooled as "other")."""
    rows = orders.product_spend(session=session, as_of=_utc(as_of))
    spend = pd.DataFrame(rows, columns=["product_id", "amount"])
    found = products.categories(session=session)
    names = {pid: cat or "uncategorized" for pid, cat in found.items()}
    if spend.empty:
        return CategoryPlan(names, frozenset(), ())
    spend["amount"] = pd.to_numeric(spend["amount"]).astype(float)
    spend["category"] = spend["product_id"].map(lambda p: names.get(int(p), "uncategorized"))
    spend = spend.sort_values("product_id", kind="stable")
    kept = set(spend.groupby("category")["amount"].sum().nlargest(MAX_CATEGORIES).index)
    shown = kept | ({"other"} if set(spend["category"]) - kept else set())
    columns = tuple(sorted(f"{CATEGORY_PREFIX}{c}" for c in shown))
    return CategoryPlan(names, frozenset(kept), columns)


def _order_frame(session: Session, as_of: datetime, span: IdSpan | None) -> pd.DataFrame:
    columns = ["customer_id", "orders", "cancelled", "returned", "kept_value", "discounted"]
    rows = orders.order_facts(session=session, as_of=as_of, span=span)
    frame = pd.DataFrame(rows, columns=[*columns, "first_at", "last_at"])
    for col in columns:
        frame[col] = pd.to_numeric(frame[col]).astype(float)
    frame["customer_id"] = frame["customer_id"].astype(np.int64)
    frame["first_at"] = _timestamps(frame["first_at"])
    frame["last_at"] = _timestamps(frame["last_at"])
    return frame.set_index("customer_id")


def _main_channel(session: Session, as_of: datetime, span: IdSpan | None) -> pd.Series:
    rows = orders.channel_counts(session=session, as_of=as_of, span=span)
    frame = pd.DataFrame(rows, columns=["customer_id", "channel", "n"])
    if frame.empty:
        return pd.Series(dtype=object, name="channel")
    frame["channel"] = frame["channel"].astype(str)
    # Most orders wins; ties go to the alphabetically first channel, so the result is stable.
    frame = frame.sort_values(["customer_id", "n", "channel"], ascending=[True, False, True])
    return frame.drop_duplicates("customer_id").set_index("customer_id")["channel"]


def _category_shares(
    session: Session, as_of: datetime, span: IdSpan | None, plan: CategoryPlan
) -> pd.DataFrame:
    rows = orders.line_spend(session=session, as_of=as_of, span=span)
    spend = pd.DataFrame(rows, columns=["customer_id", "product_id", "amount"])
    if spend.empty:
        return pd.DataFrame(index=pd.Index([], name="customer_id", dtype=np.int64))
    spend["amount"] = pd.to_numeric(spend["amount"]).astype(float)
    # Sum in one fixed order whatever order the database returned, so shares are bit-identical.
    spend = spend.sort_values(["customer_id", "product_id"], kind="stable")
    spend["category"] = spend["product_id"].map(lambda p: plan.names.get(int(p), "uncategorized"))
    spend.loc[~spend["category"].isin(plan.kept), "category"] = "other"
    table = spend.pivot_table(
        index="customer_id", columns="category", values="amount", aggfunc="sum", fill_value=0.0
    )
    totals = table.sum(axis=1).replace(0.0, np.nan)
    shares = table.div(totals, axis=0).fillna(0.0)
    shares.columns = [f"{CATEGORY_PREFIX}{c}" for c in shares.columns]
    shares.index = shares.index.astype(np.int64)
    return shares.sort_index(axis=1)


def _support_frame(session: Session, as_of: datetime, span: IdSpan | None) -> pd.DataFrame:
    since = as_of - timedelta(days=RECENT_TICKET_DAYS)
    t_rows = tickets.ticket_facts(session=session, as_of=as_of, recent_since=since, span=span)
    t = pd.DataFrame(t_rows, columns=["customer_id", "tickets_total", "tickets_90d"])
    c_rows = conversations.conversation_facts(session=session, as_of=as_of, span=span)
    c = pd.DataFrame(c_rows, columns=["customer_id", "conversations_total", "csat_mean"])
    frame = t.set_index("customer_id").join(c.set_index("customer_id"), how="outer")
    frame.index = frame.index.astype(np.int64)
    return frame.apply(pd.to_numeric).astype(float)


def customer_features(*, session: Session, as_of: datetime | None = None) -> pd.DataFrame:
    """Return profile features per customer as of ``as_of`` (default now), indexed by id."""
    as_of = _utc(as_of or datetime.now(UTC))
    plan = category_plan(session=session, as_of=as_of)
    return features_for(session=session, as_of=as_of, plan=plan)[0]


def features_for(
    *, session: Session, as_of: datetime, plan: CategoryPlan, span: IdSpan | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the features and ``purchase_summary`` of the customers in ``span`` (default all)."""
    as_of = _utc(as_of)
    facts = _order_frame(session, as_of, span)
    features = _features(session, as_of, span, plan, facts)
    return features, _summary(facts, pd.Timestamp(as_of))


def order_profile(
    *, session: Session, as_of: datetime, span: IdSpan | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the order features and ``purchase_summary`` of ``span``'s customers (two queries).

    The order features are ``features_for``'s recency_days ... discount_rate columns, row for
    row, without the support, category and channel queries.
    """
    as_of = _utc(as_of)
    facts = _order_frame(session, as_of, span)
    base = _base(session, span)
    columns = _order_columns(base, facts, pd.Timestamp(as_of))
    return columns, _summary(facts, pd.Timestamp(as_of))


def _base(session: Session, span: IdSpan | None) -> pd.DataFrame:
    base = pd.DataFrame(
        customers.profile_rows(session=session, span=span),
        columns=["customer_id", "created_at", "language", "country"],
    )
    base["customer_id"] = base["customer_id"].astype(np.int64)
    base = base.set_index("customer_id").sort_index()
    base["created_at"] = _timestamps(base["created_at"])
    return base


def _order_columns(
    base: pd.DataFrame, order_facts: pd.DataFrame, now: pd.Timestamp
) -> pd.DataFrame:
    """Order-derived features of the customers in ``base`` known by ``now``."""
    facts = order_facts.reindex(base.index)
    ordered = facts["orders"].fillna(0.0)
    # A customer counts once they exist or have ordered by as_of (imports may backdate orders).
    known = (base["created_at"] <= now) | (ordered > 0)
    base, facts, ordered = base[known], facts[known], ordered[known]

    cancelled = facts["cancelled"].fillna(0.0)
    returned = facts["returned"].fillna(0.0)
    frequency = ordered - cancelled
    kept = frequency - returned
    monetary = facts["kept_value"].fillna(0.0)
    start = pd.concat([base["created_at"], facts["first_at"]], axis=1).min(axis=1)
    out = pd.DataFrame(index=base.index)
    out["recency_days"] = (now - facts["last_at"]) / _DAY
    out["frequency"] = frequency
    out["monetary"] = monetary
    out["avg_basket"] = (monetary / kept.where(kept > 0)).fillna(0.0)
    out["tenure_days"] = ((now - start) / _DAY).clip(lower=0.0).fillna(0.0)
    out["return_rate"] = (returned / frequency.where(frequency > 0)).fillna(0.0)
    out["cancellation_rate"] = (cancelled / ordered.where(ordered > 0)).fillna(0.0)
    out["discount_rate"] = (facts["discounted"] / ordered.where(ordered > 0)).fillna(0.0)
    out.index.name = "customer_id"
    return out


def _features(
    session: Session,
    as_of: datetime,
    span: IdSpan | None,
    plan: CategoryPlan,
    order_facts: pd.DataFrame,
) -> pd.DataFrame:
    base = _base(session, span)
    if base.empty:
        return empty_features()
    out = _order_columns(base, order_facts, pd.Timestamp(as_of))
    base = base.loc[out.index]
    support = _support_frame(session, as_of, span).reindex(out.index)
    for col in ("tickets_total", "tickets_90d", "conversations_total"):
        out[col] = support[col].fillna(0.0)
    out["csat_mean"] = support["csat_mean"]
    shares = _category_shares(session, as_of, span, plan)
    shares = shares.reindex(index=out.index, columns=list(plan.columns)).fillna(0.0)
    out = out.join(shares.astype(float))
    out["language"] = base["language"].fillna("unknown").astype(str)
    out["country"] = base["country"].fillna("unknown").astype(str)
    channel = _main_channel(session, as_of, span).reindex(out.index).fillna("none").astype(str)
    out["channel"] = channel
    out.index.name = "customer_id"
    return out


def last_order_at(*, session: Session, as_of: datetime) -> pd.Series:
    """Return the time of each buyer's last order that was not cancelled, as of ``as_of``."""
    facts = _order_frame(session, _utc(as_of), None)
    return facts["last_at"].dropna()


def purchase_summary(*, session: Session, as_of: datetime) -> pd.DataFrame:
    """Return BG/NBD inputs per buyer: repeat orders, recency and age in days, mean order value."""
    now = pd.Timestamp(_utc(as_of))
    return _summary(_order_frame(session, now.to_pydatetime(), None), now)


def _summary(facts: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    live = facts["orders"] - facts["cancelled"]
    facts = facts[(live > 0) & facts["first_at"].notna()]
    live = live[facts.index]
    kept = (live - facts["returned"]).clip(lower=1.0)
    out = pd.DataFrame(index=facts.index)
    out["frequency"] = live - 1.0
    out["recency"] = ((facts["last_at"] - facts["first_at"]) / _DAY).clip(lower=0.0)
    out["T"] = ((now - facts["first_at"]) / _DAY).clip(lower=0.0)
    out["T"] = out[["T", "recency"]].max(axis=1)
    out["monetary"] = facts["kept_value"] / kept
    out["last_order_at"] = facts["last_at"]
    out.index.name = "customer_id"
    return out


def purchases(*, session: Session, as_of: datetime | None = None) -> pd.DataFrame:
    """Return (customer_id, product_id, amount) of every customer-product pair bought."""
    rows = orders.line_spend(session=session, as_of=_utc(as_of or datetime.now(UTC)))
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "amount"])
    frame["customer_id"] = frame["customer_id"].astype(np.int64)
    frame["product_id"] = frame["product_id"].astype(np.int64)
    frame["amount"] = pd.to_numeric(frame["amount"]).astype(float)
    return frame
