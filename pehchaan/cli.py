"""The ``pehchaan`` command: ingest, search, serve, stats, demo, reindex, rekey.

Other resources add their commands by registering on ``app`` in their own modules,
listed in ``EXTRA_COMMAND_MODULES``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.base import IndexDoc, SearchBackend
from indexer.ingest import IngestReport, load_file
from pehchaan.backends import open_backend
from pehchaan.errors import PehchaanError
from pehchaan.optional import import_present
from pehchaan.person_index import KIND, person_doc_from_row, rekey_person
from pehchaan.person_search import PersonQuery, search_persons
from pehchaan.settings import get_settings

app = typer.Typer(help="Pehchaan: criminal-record search and matching.", no_args_is_help=True,
                  add_completion=False)
console = Console(stderr=True)
out = Console()

EXTRA_COMMAND_MODULES = ("pehchaan.vehicle_cli", "pehchaan.fingerprint_cli",
                         "pehchaan.es_cli", "pehchaan.access_cli")

BackendOpt = Annotated[str | None, typer.Option(
    "--backend", help="embedded or elasticsearch (default: PEHCHAAN_BACKEND).")]


def _open(backend: str | None) -> SearchBackend:
    try:
        return open_backend(get_settings(), backend)
    except (PehchaanError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def ingest_with_progress(backend: SearchBackend, path: Path, *, batch_size: int = 1000,
                         quiet: bool = False) -> IngestReport:
    """Load persons from a file with a progress bar; returns the report."""
    total = _count_lines(path)
    started = time.perf_counter()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} lines"),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                  console=console, disable=quiet, transient=False) as progress:
        task = progress.add_task(f"loading {path.name}", total=total, rate="")

        def on_batch(report: IngestReport) -> None:
            elapsed = max(time.perf_counter() - started, 1e-9)
            progress.update(task, completed=report.last_line,
                            rate=f"{report.stored / elapsed:,.0f} rows/s")

        return load_file(backend, KIND, path, person_doc_from_row, batch_size=batch_size,
                         on_batch=on_batch)


def print_report(report: IngestReport, seconds: float) -> None:
    console.print(f"stored [green]{report.stored:,}[/green] records from {report.source} "
                  f"in {seconds:.1f} s; [{'red' if report.bad else 'green'}]"
                  f"{len(report.bad):,} bad rows[/]")
    for bad in report.bad[:50]:
        console.print(f"  [red]{bad}[/red]")
    if len(report.bad) > 50:
        console.print(f"  ... and {len(report.bad) - 50:,} more (use --report FILE)")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV or JSONL files of person records.",
                                                exists=True, dir_okay=False)],
    backend: BackendOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
    report: Annotated[Path | None, typer.Option(help="Write the full report as JSON.")] = None,
) -> None:
    """Load person records; bad rows are reported with their line numbers, good rows stored."""
    store = _open(backend)
    reports = []
    try:
        for path in files:
            started = time.perf_counter()
            try:
                result = ingest_with_progress(store, path, batch_size=batch_size)
            except PehchaanError as exc:
                console.print(f"[red]error:[/red] {path}: {exc}")
                raise typer.Exit(1) from None
            print_report(result, time.perf_counter() - started)
            reports.append(result.as_dict(max_bad=100_000))
    finally:
        store.close()
    if report:
        report.write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")


@app.command()
def search(
    name: Annotated[str, typer.Argument(help="Name in Devanagari or Latin script.")],
    relative_name: Annotated[str | None, typer.Option("--father", "--relative")] = None,
    gender: Annotated[str | None, typer.Option()] = None,
    age: Annotated[int | None, typer.Option()] = None,
    district: Annotated[str | None, typer.Option()] = None,
    status: Annotated[list[str] | None, typer.Option()] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=1000)] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    backend: BackendOpt = None,
) -> None:
    """Search persons and print ranked, explained results."""
    store = _open(backend)
    try:
        hits = search_persons(store, PersonQuery(
            name=name, relative_name=relative_name, gender=gender, age=age, district=district,
            status=tuple(status or ()), k=k))
    except PehchaanError as exc:
        console.print(f"[red]error:[/red] {exc.field + ': ' if exc.field else ''}{exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    if as_json:
        for hit in hits:
            out.print_json(json.dumps({"id": hit.person.id, "score": round(hit.score, 4),
                                       "person": hit.person.to_body(),
                                       **hit.explained.as_dict()}, ensure_ascii=False))
        return
    table = Table(title=f"{len(hits)} results for {name!r}")
    for column in ("score", "id", "names", "relative", "district", "why"):
        table.add_column(column)
    for hit in hits:
        why = "; ".join(f"{f.name} {f.score:.2f}" for f in hit.explained.features
                        if f.score is not None)
        table.add_row(f"{hit.score:.3f}", hit.person.id, " / ".join(hit.person.names),
                      hit.person.relative_name or "", hit.person.district or "", why)
    out.print(table)


@app.command()
def stats(backend: BackendOpt = None) -> None:
    """How many records each kind holds."""
    store = _open(backend)
    try:
        counts = {kind: store.count(kind) for kind in ("persons", "vehicles", "fingerprints")}
    finally:
        store.close()
    out.print_json(json.dumps({"backend": store.name, **counts}))


@app.command()
def reindex(
    kind: Annotated[str, typer.Option(help="persons, vehicles, fingerprints or audit.")] = (
        "persons"),
    from_embedded: Annotated[bool, typer.Option(
        "--from-embedded", help="Build from the embedded store, not the live index.")] = False,
    keep_old: Annotated[bool, typer.Option("--keep-old", help="Keep the previous index.")] = False,
) -> None:
    """Elasticsearch: build the next index version and swap the alias to it atomically.
    Person records are keyed afresh on the way, so they gain keys a newer version adds."""
    from indexer.reindex import reindex_command

    try:
        report = reindex_command(get_settings(), kind, from_embedded=from_embedded,
                                 keep_old=keep_old,
                                 transform=rekey_person if kind == KIND else None)
    except PehchaanError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    out.print_json(json.dumps(report))


@app.command()
def rekey(
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """Embedded store: key every person record afresh from its body, in place, batch by
    batch (after an upgrade that adds keys; safe to interrupt and run again). On
    Elasticsearch, `pehchaan reindex` does the same into a new index."""
    settings = get_settings()
    if settings.backend != "embedded":
        console.print("[red]error:[/red] rekey works on the embedded store; on "
                      "Elasticsearch run `pehchaan reindex`")
        raise typer.Exit(2)
    store = _open("embedded")
    started = time.perf_counter()
    done = 0
    try:
        total = store.count(KIND)
        with Progress(TextColumn("[bold]rekeying persons"), BarColumn(),
                      TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("rekey", total=total)
            batch: list[IndexDoc] = []
            for doc in store.iter_docs(KIND, batch_size):
                batch.append(rekey_person(doc))
                if len(batch) >= batch_size:
                    store.upsert(KIND, batch)
                    done += len(batch)
                    progress.update(task, completed=done)
                    batch = []
            store.upsert(KIND, batch)
            done += len(batch)
            progress.update(task, completed=done)
    finally:
        store.close()
    console.print(f"rekeyed [green]{done:,}[/green] person records in "
                  f"{time.perf_counter() - started:.1f} s")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    backend: BackendOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    if backend:
        settings = settings.model_copy(update={"backend": backend})
    console.print(f"Pehchaan API on http://{host}:{port} (docs: /docs), "
                  f"store: {settings.backend} at {settings.data_dir}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Load the demo dataset (persons, and the vehicles on the stolen and wanted lists)
    into the embedded store (once) and serve the API."""
    from fixtures.demo import demo_files, demo_vehicle_file
    from pehchaan.vehicles import KIND as VEHICLES
    from pehchaan.vehicles import load_vehicle_file

    settings = get_settings()
    store = _open("embedded")
    try:
        if store.count(KIND) == 0:
            for path in demo_files(settings.data_dir):
                started = time.perf_counter()
                print_report(ingest_with_progress(store, path), time.perf_counter() - started)
        else:
            console.print(f"store at {settings.data_dir} already holds "
                          f"{store.count(KIND):,} persons; not reloading")
        if store.count(VEHICLES) == 0:
            path = demo_vehicle_file(settings.data_dir)
            report = load_vehicle_file(store, path)
            console.print(f"stored {report.stored:,} vehicles from {path}; "
                          f"{len(report.bad):,} bad rows")
    finally:
        store.close()
    if serve_api:
        serve(host=host, port=port, backend="embedded")


def _register_extra_commands() -> None:
    for module in import_present(EXTRA_COMMAND_MODULES):
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_extra_commands()


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
