"""Settings from the environment (prefix ``PEHCHAAN_``), one object for the whole process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
