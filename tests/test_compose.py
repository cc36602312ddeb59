"""docker-compose.yml cannot run here (no Docker engine): check what can be checked.

The YAML parses, Elasticsearch is the official image pinned to a 9.x release with
memory settings, a volume and a health check, and the API is wired to it with
environment variables that Pehchaan's settings really read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pehchaan.settings import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_elasticsearch_service(compose: dict[str, Any]) -> None:
    es = compose["services"]["elasticsearch"]
    match = re.fullmatch(r"docker\.elastic\.co/elasticsearch/elasticsearch:(\d+)\.(\d+)\.(\d+)",
                         es["image"])
    assert match, f"official image with an exact version, got {es['image']}"
    assert match.group(1) == "9"
    env = _env(es)
    assert env["discovery.type"] == "single-node"
    heap = re.findall(r"-Xm([sx])(\d+)g", env["ES_JAVA_OPTS"])
    assert sorted(heap) == [("s", "2"), ("x", "2")]
    assert int(str(es["mem_limit"]).rstrip("g")) >= 2 * int(heap[0][1])
    volume = es["volumes"][0].split(":")
    assert volume[1] == "/usr/share/elasticsearch/data" and volume[0] in compose["volumes"]
    assert "_cluster/health" in " ".join(es["healthcheck"]["test"])


def test_api_is_wired_to_elasticsearch(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    env = _env(api)
    assert env["PEHCHAAN_BACKEND"] == "elasticsearch"
    assert env["PEHCHAAN_ES_URL"] == "http://elasticsearch:9200"
    assert api["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert (REPO / api["build"]["dockerfile"]).exists()
    assert "/ready" in " ".join(api["healthcheck"]["test"])


def test_every_pehchaan_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    names = [name for service in compose["services"].values()
             for name in _env(service) if name.startswith("PEHCHAAN_")]
    assert names
    unknown = [n for n in names if n.removeprefix("PEHCHAAN_").lower() not in fields]
    assert unknown == [], f"not read by pehchaan.settings.Settings: {unknown}"


def test_settings_from_compose_environment_validate(compose: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _env(compose["services"]["api"]).items():
        if name.startswith("PEHCHAAN_"):
            monkeypatch.setenv(name, "x" * 24 if value.startswith("${") else value)
    settings = Settings()
    assert settings.backend == "elasticsearch"
    assert settings.es_url == "http://elasticsearch:9200"


def test_dockerfile_installs_the_package_and_serves(compose: dict[str, Any]) -> None:
    text = (REPO / "docker" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", text, re.M)
    assert "USER pehchaan" in text  # not root
    for package in ("pehchaan", "matcher", "indexer", "api", "transliteration"):
        assert f"COPY {package} ./{package}" in text
    assert '"serve", "--host", "0.0.0.0", "--port", "8000"' in text
