"""``pehchaan keys create|list|revoke`` and ``pehchaan audit verify``.

Run on the server itself (they open the stores under the data directory directly);
key changes made here are written to the audit trail like those made over HTTP.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pehchaan.access import KeyStore, Role
from pehchaan.audit import AuditLog, open_audit_log
from pehchaan.errors import PehchaanError
from pehchaan.settings import get_settings

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.",
                       no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail: verify the hash chain, show entries.",
                        no_args_is_help=True)
err = Console(stderr=True)
out = Console()


def _audit_log() -> tuple[AuditLog, Any]:
    """The configured audit log, and the backend to close when it lives in one."""
    settings = get_settings()
    backend = None
    if settings.backend == "elasticsearch":
        from pehchaan.backends import open_backend

        backend = open_backend(settings)
    return open_audit_log(settings.data_dir, backend, settings.backend), backend


def _close(log: AuditLog, backend: Any) -> None:
    log.close()
    if backend is not None:
        backend.close()


@contextmanager
def _opened_audit_log() -> Iterator[AuditLog]:
    """The configured audit log, closed (with its backend) on leaving."""
    log, backend = _audit_log()
    try:
        yield log
    finally:
        _close(log, backend)


def _cli_entry(**fields: Any) -> dict[str, Any]:
    """An audit entry for something done from the server's shell (no key, no role)."""
    return {"key_id": None, "agency": "cli", "role": None, "method": "CLI", "purpose": None,
            "case_ref": None, "ids": [], "status": 0, "flags": [],
            "client": f"cli:{getpass.getuser()}", **fields}


def _record(action: str, key_id: str, detail: dict[str, Any]) -> None:
    with _opened_audit_log() as log:
        log.append(_cli_entry(path=f"pehchaan keys {action}", endpoint=f"keys {action}",
                              resource="keys",
                              action="delete" if action == "revoke" else "write",
                              query=detail, ids=[key_id], outcome="ok"))


@keys_app.command("create")
def create(
    agency: Annotated[str, typer.Option(help="e.g. HR-PS-Sadar-Rohtak, eCourts-Rohtak.")],
    role: Annotated[str, typer.Option(help=", ".join(r.value for r in Role))],
    label: Annotated[str, typer.Option(help="Who or what uses the key.")] = "",
    expires_in_days: Annotated[float | None, typer.Option(min=0.001)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a key and print its secret, once: it is stored only as a hash."""
    store = KeyStore(get_settings().data_dir)
    try:
        created = store.create(agency=agency, role=role, label=label,
                               expires_in_days=expires_in_days, created_by="cli")
    except PehchaanError as exc:
        err.print(f"[red]error:[/red] {exc.field + ': ' if exc.field else ''}{exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    _record("create", created.key.key_id, {"agency": created.key.agency,
                                           "role": created.key.role.value})
    if as_json:
        print(json.dumps({**created.key.as_dict(), "secret": created.secret}))
        return
    err.print(f"created {created.key.key_id} ({created.key.role.value}, "
              f"{created.key.agency}); the key is shown only now:")
    print(created.secret)


@keys_app.command("list")
def list_keys(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key with its agency, role and state; never the secrets."""
    store = KeyStore(get_settings().data_dir)
    try:
        keys = store.list()
    finally:
        store.close()
    if as_json:
        print(json.dumps([k.as_dict() for k in keys]))
        return
    table = Table(title=f"{len(keys)} keys")
    for column in ("key_id", "agency", "role", "label", "created", "expires", "state"):
        table.add_column(column)
    for k in keys:
        table.add_row(k.key_id, k.agency, k.role.value, k.label, k.created_at,
                      k.expires_at or "never", k.state())
    out.print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key_id shown by 'keys list'.")]
           ) -> None:
    """Revoke a key: refused from the next request on."""
    store = KeyStore(get_settings().data_dir)
    try:
        key = store.revoke(key_id)
    except PehchaanError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    _record("revoke", key.key_id, {})
    err.print(f"revoked {key.key_id} at {key.revoked_at}")


@audit_app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    anchor: Annotated[Path | None, typer.Option(
        help="A file holding the head of an earlier run (JSON seq and hash); checked, "
             "then updated. Keep it off this machine to catch deleted newest entries.")
    ] = None,
) -> None:
    """Recompute the hash chain; exit 1 naming the first edited or deleted entry."""
    expected = None
    if anchor is not None and anchor.exists():
        try:
            saved = json.loads(anchor.read_text(encoding="utf-8"))
            expected = (int(saved["head_seq"]), str(saved["head_hash"]))
        except (ValueError, KeyError, TypeError) as exc:
            err.print(f"[red]error:[/red] {anchor} is not an anchor file: {exc}")
            raise typer.Exit(2) from None
    with _opened_audit_log() as log:
        result = log.verify(expected)
    if anchor is not None and result.ok:
        anchor.write_text(json.dumps({"head_seq": result.head_seq,
                                      "head_hash": result.head_hash}), encoding="utf-8")
    if as_json:
        print(json.dumps(result.as_dict()))
    elif result.ok:
        out.print(f"audit log intact: {result.checked} entries; head entry "
                  f"{result.head_seq} hash {result.head_hash}")
    else:
        out.print(f"audit log BROKEN at entry {result.first_bad}: {result.reason} "
                  f"({result.checked} entries before it are intact)")
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("tail")
def tail(n: Annotated[int, typer.Option("-n", min=1, max=10_000)] = 20) -> None:
    """The newest entries as JSON lines."""
    from pehchaan.audit import AuditFilter

    with _opened_audit_log() as log:
        entries = log.search(AuditFilter(limit=n))
    for entry in reversed(entries):
        print(json.dumps(entry, ensure_ascii=False))


# Commands that touch records from the server's shell are audited like API calls.
UNAUDITED_COMMANDS = frozenset({"keys", "audit", "serve"})  # keys record themselves


def _audit_command(ctx: typer.Context) -> None:
    """Record a CLI command (ingest, search, stats, ...) before it runs."""
    command = ctx.invoked_subcommand
    if command is None or command in UNAUDITED_COMMANDS or "--help" in sys.argv:
        return
    unrecorded = "[yellow]warning:[/yellow] audit log unavailable, command not recorded: "
    try:
        log, backend = _audit_log()
    except Exception as exc:  # the command still runs; say loudly that it is unrecorded
        err.print(f"{unrecorded}{exc}")
        return
    try:
        log.append(_cli_entry(path=f"pehchaan {command}", endpoint=f"cli {command}",
                              resource="persons", action=command,
                              query={"argv": [a[:200] for a in sys.argv[2:40]]},
                              outcome="started"))
    except PehchaanError as exc:  # e.g. the store is down: the command says so itself
        err.print(f"{unrecorded}{exc}")
    finally:
        _close(log, backend)


def register(app: typer.Typer) -> None:
    """Called by pehchaan/cli.py: the keys and audit commands, and auditing of the rest."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.callback()(_audit_command)
