"""Settings, read from the environment (prefix ``MAITRE_``) and an optional ``.env`` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

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
    llm_model: str = Field(default="", description="Model name sent to the LLM endpoint.")
    llm_api_key: SecretStr = Field(
        default=SecretStr(""), description="Bearer key for the LLM endpoint, if it needs one."
    )
    cookie_secure: bool = Field(
        default=False, description="Mark the session cookie Secure (set when served over HTTPS)."
    )
    default_page_size: int = Field(default=50, ge=1, le=500)
    max_page_size: int = Field(default=500, ge=1, le=10_000)
    log_level: str = Field(default="INFO")

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
