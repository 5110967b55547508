"""Settings, read from the environment (prefix ``MAITRE_``) and an optional ``.env`` file."""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob Maitre reads; the README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="MAITRE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite file, models and queue live."
    )
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite in data_dir."
    )
    redis_url: str = Field(
        default="", description="Redis URL for the task queue; empty means Huey on SQLite."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs sessions and tokens; generated and kept in data_dir when empty.",
    )
    queue_immediate: bool = Field(
        default=False, description="Run background tasks inline (tests, single-process use)."
    )
    allow_private_webhook_targets: bool = Field(
        default=False, description="Allow webhooks to private-network addresses."
    )
    llm_base_url: str = Field(
        default="",
        description="OpenAI-compatible base URL (e.g. Ollama /v1); empty disables the LLM.",
    )
    llm_model: str = Field(
        default="qwen2.5:3b-instruct", description="Model name sent to the LLM endpoint."
    )
    llm_api_key: SecretStr = Field(
        default=SecretStr(""), description="Bearer key for the LLM endpoint, if it needs one."
    )
    llm_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Seconds to wait for one LLM reply."
    )
    cookie_secure: bool = Field(
        default=False, description="Mark the session cookie Secure (set when served over HTTPS)."
    )
    # Web: the chat widget on other sites, and the demo shop page that embeds it.
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins (JSON list) whose pages may embed the chat widget and call the API.",
    )
    demo_shop: bool = Field(
        default=True, description="Serve the demo shop page with the chat widget at /demo-shop."
    )
    demo_shop_customer_tokens: bool = Field(
        default=False,
        description="Demo only: let /demo-shop?customer=ID sign in as any customer. Never in "
        "production.",
    )
    # Agent business rules (returns, refunds, cancellations, delivery estimates).
    return_window_days: int = Field(
        default=30, ge=0, le=3650, description="Days after delivery a return may be requested."
    )
    refund_handoff_limit: Decimal = Field(
        default=Decimal("500.00"),
        ge=0,
        description="Refund questions on orders above this total go to a person.",
    )
    cancel_allowed_statuses: list[Literal["pending", "paid"]] = Field(
        default=["pending", "paid"],
        description="Order statuses in which the agent may cancel an order (JSON list).",
    )
    delivery_estimate_days: int = Field(
        default=5, ge=0, le=365, description="Days from shipping to the estimated delivery."
    )
    kb_min_confidence: float = Field(
        default=0.45,
        ge=0,
        le=1,
        description="Knowledge-base hits below this confidence: the agent says it does not know.",
    )
    # Dialogue engine: flows folder, confidence, clarification and handoff rules.
    flows_dir: Path | None = Field(
        default=None, description="Folder of flow YAML files replacing or adding shipped flows."
    )
    agent_min_confidence: float = Field(
        default=0.5, ge=0, le=1, description="NLU confidence below which a turn is not understood."
    )
    agent_clarify_margin: float = Field(
        default=0.15, ge=0, le=1, description="Top-two intents closer than this: ask which one."
    )
    handoff_low_confidence_turns: int = Field(
        default=2, ge=1, le=20, description="Consecutive misunderstood turns before a handoff."
    )
    handoff_negative_sentiment: float = Field(
        default=-0.6, ge=-1, le=0, description="Sentiment at or below this counts as angry."
    )
    handoff_negative_turns: int = Field(
        default=2, ge=1, le=20, description="Consecutive angry turns before a handoff."
    )
    handoff_intents: list[str] = Field(
        default_factory=list, description="Intents that always go to a person (JSON list)."
    )
    verify_max_attempts: int = Field(
        default=3, ge=1, le=10, description="Failed identity checks before a handoff."
    )
    # Conversation API: widget identity tokens, rate limits, live updates, idle conversations.
    widget_token_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Signs widget customer tokens; empty derives one from secret_key.",
    )
    widget_token_max_ttl_s: int = Field(
        default=86_400, ge=60, le=30 * 86_400, description="Longest a widget token may live."
    )
    rate_limit_enabled: bool = Field(default=True, description="Apply the API rate limits.")
    rate_limit_storage_url: str = Field(
        default="",
        description="Rate-limit counters (memory://, redis://…); empty: redis_url, else memory.",
    )
    rate_limit_conversation: str = Field(
        default="20/10 seconds", description="Messages one conversation may post (limits syntax)."
    )
    rate_limit_api_key: str = Field(
        default="600/minute", description="Conversation writes one API key or user may make."
    )
    rate_limit_login: str = Field(
        default="10/minute", description="Login attempts per client address and per email."
    )
    live_poll_s: float = Field(
        default=2.0, gt=0, le=60, description="How often live streams check the database."
    )
    conversation_idle_minutes: int = Field(
        default=30, ge=1, le=7 * 24 * 60, description="Bot conversations idle this long: abandoned."
    )
    handoff_minutes_per_conversation: int = Field(
        default=3, ge=0, le=240, description="Expected wait per conversation ahead in the inbox."
    )
    # Customer analytics: CRM churn labels, the retention-offer economics, scoring, bias check.
    churn_window_days: int = Field(
        default=90, ge=7, le=730, description="A buyer with no order in this many days churned."
    )
    churn_lost_customer_cost: float = Field(
        default=500.0, gt=0, description="What losing a customer costs (churn threshold)."
    )
    churn_offer_cost: float = Field(
        default=50.0, ge=0, description="What one retention offer costs (churn threshold)."
    )
    churn_offer_success: float = Field(
        default=0.3, gt=0, le=1, description="Share of would-be churners an offer keeps."
    )
    churn_bias_recall_gap: float = Field(
        default=0.1, ge=0, le=1, description="Flag groups whose churn recall trails by more."
    )
    churn_reasons_min_probability: float = Field(
        default=0.2, ge=0, le=1, description="Store churn reasons only from this probability."
    )
    analytics_refresh_hour: int | None = Field(
        default=3, ge=0, le=23, description="UTC hour of the nightly score refresh; null: off."
    )
    analytics_score_chunk: int = Field(
        default=20_000, ge=100, le=1_000_000, description="Customers scored per batch."
    )
    analytics_score_threads: int = Field(
        default=1, ge=1, le=256, description="CPU threads for batch churn scoring and TreeSHAP."
    )
    default_page_size: int = Field(default=50, ge=1, le=500)
    max_page_size: int = Field(default=500, ge=1, le=10_000)
    log_level: str = Field(default="INFO")
    # Load the models a first request would wait for (KB encoder, active NLU) at start-up, in
    # the background; `maitre serve` turns it on, tests leave it off.
    warm_models: bool = False

    @property
    def resolved_database_url(self) -> str:
        """Return the configured database URL, defaulting to a SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'maitre.db').resolve()}"

    @property
    def models_dir(self) -> Path:
        """Return the folder that holds registered model files."""
        return self.data_dir / "models"

    def resolved_secret_key(self) -> str:
        """Return the secret key, creating and persisting one in ``data_dir`` on first use."""
        if self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
