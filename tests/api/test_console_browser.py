"""The console in a real headless Chromium against a real server: search in Devanagari,
see the Latin-script record with its explanation, open it with its FIRs and vehicles."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indexer.embedded import EmbeddedBackend
from pehchaan.audit import SqliteAuditLog
from tests.conftest import TEST_KEY, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path("/tmp/pehchaan-console.png")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser

RECORDS: list[dict[str, Any]] = [
    {"id": "NUH-1", "names": ["मोहम्मद इरफान"], "relative_name": "मोहम्मद अयूब",
     "gender": "M", "age": 34, "age_recorded_on": "2024-01-10", "district": "Nuh",
     "status": ["wanted"]},
    {"id": "GGN-7", "names": ["Mohd. Irfan"], "relative_name": "Mohd Ayub", "gender": "M",
     "age": 35, "age_recorded_on": "2025-03-01", "district": "Gurgaon",
     "status": ["arrested"],
     "firs": [{"police_station": "Sadar Gurugram", "fir_number": "55", "year": 2024}]},
    {"id": "HSR-2", "names": ["Kamla Devi"], "gender": "F", "district": "Hisar"},
]


def _browser_or_skip() -> None:
    if CHROMIUM.exists():
        return
    reason = (f"BROWSER TEST NOT RUN: {CHROMIUM} is missing "
              "(apt-get install chromium; scripts/test does it)")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _link_vehicle(data_dir: Path) -> bool:
    """A stolen car linked to GGN-7, written straight into the server's store."""
    try:
        from pehchaan.vehicles import to_index_doc, validate_vehicle
    except ImportError:
        return False
    store = EmbeddedBackend(data_dir)
    try:
        store.upsert("vehicles", [to_index_doc(validate_vehicle({
            "id": "V-1", "status": "stolen", "registration": "HR26DK8337", "make": "Maruti",
            "model": "Swift", "fir": "FIR 55/2024", "linked_person_ids": ["GGN-7"]}))])
    finally:
        store.close()
    return True


def test_devanagari_search_and_record_view(server_factory: Callable[..., LiveServer]) -> None:
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    server = server_factory()
    with server.client() as http:
        assert http.post("/v1/persons", json=RECORDS).status_code == 201
    has_vehicle = _link_vehicle(server.data_dir)
    with server.client() as http:
        vehicle_search = "/v1/vehicles/search" in http.get("/openapi.json").json()["paths"]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server.url + "/console")
            expect(page.locator("#login")).to_be_visible()

            page.fill("#key", "phk_wrong-key-for-this-server")
            page.fill("#purpose", "गिरफ्तार अभियुक्त का सत्यापन")
            page.fill("#case-ref", "FIR 55/2024 PS Sadar Gurugram")
            page.click("#start")
            expect(page.locator("#login-error")).to_contain_text("401")

            page.fill("#key", TEST_KEY)
            page.click("#start")
            expect(page.locator("#app")).to_be_visible()
            expect(page.locator("#who")).to_contain_text("investigator")

            page.fill("#name", "मोहम्मद इरफान")
            page.click("#search-persons")
            latin = page.locator("li.hit[data-id='GGN-7']")
            expect(latin).to_be_visible()
            expect(latin.locator(".hit-names")).to_have_text("Mohd. Irfan")
            expect(page.locator("li.hit[data-id='HSR-2']")).to_have_count(0)
            name_row = latin.locator("tr.feature[data-feature='name']")
            expect(name_row.locator(".fdetail")).not_to_be_empty()
            expect(name_row.locator(".fscore")).to_contain_text("%")
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            stored = page.evaluate("JSON.stringify(localStorage) + JSON.stringify("
                                   "sessionStorage) + document.cookie")
            assert TEST_KEY not in stored
            assert page.input_value("#key") == ""

            latin.locator("button.open").click()
            record = page.locator("#record")
            expect(record).to_be_visible()
            expect(page.locator("#record-title")).to_contain_text("Mohd. Irfan")
            expect(page.locator("#record-fields [data-field='district']")).to_have_text(
                "Gurugram")
            expect(page.locator("#record-firs tbody")).to_contain_text("Sadar Gurugram")
            expect(page.locator("#record-firs tbody")).to_contain_text("55")
            if has_vehicle:
                expect(page.locator("#record-vehicles tbody")).to_contain_text("HR26DK8337")
            page.screenshot(path=str(SCREENSHOT.with_name("pehchaan-console-record.png")),
                            full_page=True)

            if has_vehicle and vehicle_search:  # a misread plate finds the stolen car
                page.click("#tab-vehicles")
                page.fill("#plate", "HR 26 DK 8387")
                page.click("#search-vehicles")
                car = page.locator("li.hit[data-id='V-1']")
                expect(car).to_be_visible()
                expect(car.locator(".hit-names")).to_have_text("HR26DK8337")
                expect(car.locator("tr.feature .fdetail").first).not_to_be_empty()
            assert errors == []
        finally:
            browser.close()

    log = SqliteAuditLog(server.data_dir)  # the console's calls are in the audit trail
    mine = [e for e in log.entries() if e["purpose"] == "गिरफ्तार अभियुक्त का सत्यापन"]
    log.close()
    assert [e["outcome"] for e in mine if e["endpoint"] == "/v1/session"] == [
        "unauthenticated", "ok"]
    search = next(e for e in mine if e["endpoint"] == "/v1/persons/search")
    assert search["query"]["name"] == "मोहम्मद इरफान" and "GGN-7" in search["ids"]
    assert search["case_ref"] == "FIR 55/2024 PS Sadar Gurugram"
    assert any(e["endpoint"] == "/v1/persons/{person_id}" and e["ids"] == ["GGN-7"]
               for e in mine)
