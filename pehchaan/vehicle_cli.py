"""Vehicle commands of ``pehchaan``: load vehicle records, search them, cross-check a file.

Registered on the main typer app by ``pehchaan.cli`` (``register(app)``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from indexer.ingest import detect_format
from pehchaan.backends import open_backend
from pehchaan.crosscheck import WantedIndex, check_rows, default_workers, iter_file_rows
from pehchaan.errors import PehchaanError
from pehchaan.settings import get_settings
from pehchaan.vehicles import VehicleQuery, load_vehicle_file, search_vehicles

BackendOpt = Annotated[str | None, typer.Option(
    "--backend", help="embedded or elasticsearch (default: PEHCHAAN_BACKEND).")]


def load_vehicles_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="Vehicles as .csv or .jsonl")],
    backend: BackendOpt = None,
) -> None:
    """Load vehicle records; bad rows are reported with their line numbers."""
    store = open_backend(get_settings(), backend)
    try:
        started = time.perf_counter()
        report = load_vehicle_file(store, path)
        typer.echo(f"stored {report.stored:,} vehicles in {time.perf_counter() - started:.1f} s;"
                   f" {len(report.bad):,} bad rows", err=True)
        for bad in report.bad[:50]:
            typer.echo(f"  {bad}", err=True)
    finally:
        store.close()


def search_vehicles_command(
    plate: Annotated[str | None, typer.Option(help="Plate, full or partial")] = None,
    chassis: Annotated[str | None, typer.Option(help="Chassis number or its end")] = None,
    engine: Annotated[str | None, typer.Option(help="Engine number or its end")] = None,
    k: Annotated[int, typer.Option(min=1, max=100)] = 10,
    backend: BackendOpt = None,
) -> None:
    """Ranked, explained vehicle matches as JSON lines."""
    store = open_backend(get_settings(), backend)
    try:
        for hit in search_vehicles(store, VehicleQuery(plate=plate, chassis=chassis,
                                                       engine=engine, k=k)):
            typer.echo(json.dumps(hit.as_dict(), ensure_ascii=False))
    except PehchaanError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        store.close()


def crosscheck_command(
    registrations: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                  help="Registrations as .csv or .jsonl")],
    out: Annotated[Path, typer.Option("--out", help="Hits, one JSON object a line")],
    backend: BackendOpt = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Processes checking rows (default: the cores, at most 4)")
                       ] = None,
) -> None:
    """Check every registration against stolen / abandoned / wanted-linked vehicles (plate,
    chassis, engine each on its own) and its owner against wanted persons."""
    try:
        fmt = detect_format(registrations)
    except PehchaanError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    store = open_backend(get_settings(), backend)
    try:
        started = time.perf_counter()
        index = WantedIndex.build(store)
        rows = hits = bad = 0
        with out.open("w", encoding="utf-8") as fh:
            for res in check_rows(index, iter_file_rows(registrations, fmt),
                                  workers=workers or default_workers()):
                rows += 1
                if res.error is not None:
                    bad += 1
                    if bad <= 50:
                        typer.echo(f"  line {res.line}: "
                                   f"{res.error.field + ': ' if res.error.field else ''}"
                                   f"{res.error.reason}", err=True)
                for hit in res.hit_dicts():
                    hits += 1
                    fh.write(json.dumps(hit, ensure_ascii=False) + "\n")
        seconds = time.perf_counter() - started
        typer.echo(json.dumps({"rows": rows, "hits": hits, "bad_rows": bad,
                               "wanted_vehicles": len(index.vehicles),
                               "seconds": round(seconds, 2), "out": str(out)}), err=True)
    finally:
        store.close()
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Add the vehicle commands to the ``pehchaan`` app."""
    app.command("crosscheck")(crosscheck_command)
    app.command("load-vehicles")(load_vehicles_command)
    app.command("search-vehicles")(search_vehicles_command)
