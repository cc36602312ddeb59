"""Settings from the environment (prefix ``PEHCHAAN_``), one object for the whole process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BackendName = Literal["embedded", "elasticsearch"]


class Settings(BaseSettings):
    """Every knob of Pehchaan; each can be set as ``PEHCHAAN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="PEHCHAAN_", extra="ignore")

    data_dir: Path = Field(Path("./data"), description="Where the embedded store keeps its files.")
    backend: BackendName = Field("embedded", description="Which search backend holds records.")
    es_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch URL.")
    es_index_prefix: str = Field("pehchaan", description="Prefix of Elasticsearch index names.")
    es_username: str | None = None
    es_password: str | None = None
    max_body_bytes: int = Field(5 * 1024 * 1024, description="Largest accepted request body.")
    max_upload_bytes: int = Field(10 * 1024 * 1024, description="Largest accepted file upload.")
    max_field_chars: int = Field(500, description="Longest accepted text field in a record.")
    search_default_k: int = Field(10, ge=1, le=500)
    search_max_k: int = Field(100, ge=1, le=1000)
    # -- access, audit, limits (docs/access.md) --
    environment: Literal["development", "production"] = Field(
        "production", description="development allows switches that are unsafe in production.")
    auth_disabled: bool = Field(False, description="Turn API keys off; development only.")
    bootstrap_key: str | None = Field(
        None, min_length=16, description="Secret of the first key when the key store is empty.")
    bootstrap_role: Literal["investigator", "admin"] = Field(
        "investigator", description="Role of the bootstrap key.")
    bootstrap_agency: str = Field("local", description="Agency of the bootstrap key.")
    access_matrix: Path | None = Field(None, description="Data-sharing matrix YAML to use "
                                       "instead of pehchaan/data/access_matrix.yaml.")
    rate_limit_per_minute: int | None = Field(
        None, ge=1, description="Requests per key per minute for every role (default: the "
        "matrix's rate_per_minute of the key's role).")
    bulk_names_threshold: int = Field(
        30, ge=2, description="Distinct names searched by one key in the window that flag "
        "a bulk query in the audit log.")
    bulk_window_seconds: int = Field(300, ge=1)
    request_timeout_seconds: float = Field(
        30.0, gt=0, description="A /v1 request running longer gets 504.")

    @model_validator(mode="after")
    def _safe_outside_development(self) -> Settings:
        if self.auth_disabled and self.environment != "development":
            raise ValueError("PEHCHAAN_AUTH_DISABLED=true is refused unless "
                             "PEHCHAAN_ENVIRONMENT=development")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
