"""API keys and roles: who is asking, for which agency, with what role.

Keys are random secrets shown once at creation; only their SHA-256 is stored (a key has
256 bits of entropy, so a fast hash is as safe as a slow one and keeps every request
cheap). A key is bound to one agency and one role, may expire and can be revoked.
The store is its own SQLite file (``access.sqlite3``) under the data directory; it also
holds the per-key rate-limit counters and the recent-name log of the bulk-query detector.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pehchaan.errors import Conflict, NotFound, ValidationError
from pehchaan.sqlite_conn import DURABLE, ThreadConnections

KEY_PREFIX = "phk_"
ACCESS_DB = "access.sqlite3"


class Role(StrEnum):
    """The roles of the data-sharing matrix (pehchaan/data/access_matrix.yaml)."""

    INVESTIGATOR = "investigator"
    SUPERVISOR = "supervisor"
    BUREAU = "bureau"
    PARTNER_COURT = "partner-court"
    PARTNER_PRISON = "partner-prison"
    PARTNER_FORENSICS = "partner-forensics"
    PARTNER_PROSECUTION = "partner-prosecution"
    CROSSCHECK_JOB = "crosscheck-job"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key, without its secret."""

    key_id: str
    agency: str
    role: Role
    label: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    created_by: str | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired``."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at and datetime.fromisoformat(self.expires_at) <= (now or _now()):
            return "expired"
        return "active"

    def as_dict(self) -> dict[str, str | None]:
        return {"key_id": self.key_id, "agency": self.agency, "role": self.role.value,
                "label": self.label, "created_at": self.created_at,
                "expires_at": self.expires_at, "revoked_at": self.revoked_at,
                "created_by": self.created_by, "state": self.state()}


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key: its record and the secret, which is never shown again."""

    key: ApiKey
    secret: str


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError(f"{value!r} is not a role; use one of {allowed}",
                              field="role") from None


def _check_agency(agency: str) -> str:
    agency = agency.strip()
    if not agency or len(agency) > 100 or any(ord(ch) < 32 for ch in agency):
        raise ValidationError("must be 1-100 printable characters, e.g. HR-PS-Sadar-Rohtak",
                              field="agency")
    return agency


_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id     TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    agency     TEXT NOT NULL,
    role       TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    created_by TEXT
);
CREATE TABLE IF NOT EXISTS rate_windows (
    key_id TEXT NOT NULL,
    window INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (key_id, window)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recent_names (
    key_id TEXT NOT NULL,
    ts     REAL NOT NULL,
    name   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS recent_names_key_ts ON recent_names(key_id, ts);
"""

_COLUMNS = "key_id, agency, role, label, created_at, expires_at, revoked_at, created_by"


class KeyStore:
    """Keys, rate-limit counters and recent names in one SQLite file; thread-safe."""

    def __init__(self, data_dir: Path | str, *, filename: str = ACCESS_DB) -> None:
        self.path = Path(data_dir) / filename
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._durable = ThreadConnections(self.path, DURABLE)
        self._counters = ThreadConnections(
            self.path, ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"))
        self._conn().executescript(_SCHEMA)

    def _conn(self, *, durable: bool = True) -> sqlite3.Connection:
        """Key changes sync to disk on commit; counters (``durable=False``) do not: losing
        the last second of rate counts in a power cut is harmless, an fsync per request
        is not."""
        return (self._durable if durable else self._counters).get()

    def close(self) -> None:
        self._durable.close_all()
        self._counters.close_all()

    # -- keys ------------------------------------------------------------------
    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM api_keys").fetchone()[0])

    def create(self, *, agency: str, role: Role | str, label: str = "",
               expires_in_days: float | None = None, expires_at: datetime | None = None,
               created_by: str | None = None, secret: str | None = None) -> CreatedKey:
        """A new key; ``secret`` lets a deployment choose it (the bootstrap key)."""
        role = role if isinstance(role, Role) else parse_role(role)
        agency = _check_agency(agency)
        if secret is not None and len(secret) < 16:
            raise ValidationError("a chosen key must be at least 16 characters", field="secret")
        secret = secret or KEY_PREFIX + secrets.token_urlsafe(32)
        if expires_in_days is not None:
            if expires_in_days <= 0:
                raise ValidationError("must be a positive number of days",
                                      field="expires_in_days")
            expires_at = _now() + timedelta(days=expires_in_days)
        key = ApiKey(key_id="k_" + secrets.token_hex(6), agency=agency, role=role,
                     label=label.strip()[:200], created_at=_now().isoformat(),
                     expires_at=expires_at.isoformat() if expires_at else None,
                     revoked_at=None, created_by=created_by)
        try:
            self._conn().execute(
                f"INSERT INTO api_keys({_COLUMNS}, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                (key.key_id, key.agency, key.role.value, key.label, key.created_at,
                 key.expires_at, None, created_by, hash_secret(secret)))
        except sqlite3.IntegrityError:
            raise Conflict("a key with this secret already exists", field="secret") from None
        return CreatedKey(key, secret)

    def bootstrap(self, *, secret: str | None, role: Role, agency: str) -> CreatedKey | None:
        """The first key of an empty store (``secret`` chosen or generated); else None."""
        with self._lock:
            if self.count():
                return None
            try:
                return self.create(agency=agency, role=role, label="bootstrap",
                                   secret=secret, created_by="bootstrap")
            except Conflict:  # another process installed the same key first
                return None

    def authenticate(self, secret: str) -> ApiKey | None:
        """The key a secret belongs to, whatever its state; None when unknown."""
        digest = hash_secret(secret)
        row = self._conn().execute(f"SELECT {_COLUMNS}, hash FROM api_keys WHERE hash=?",
                                   (digest,)).fetchone()
        if row is None or not hmac.compare_digest(row[-1], digest):
            return None
        return _key(row[:-1])

    def get(self, key_id: str) -> ApiKey:
        row = self._conn().execute(f"SELECT {_COLUMNS} FROM api_keys WHERE key_id=?",
                                   (key_id,)).fetchone()
        if row is None:
            raise NotFound(f"no key with id {key_id!r}", field="key_id")
        return _key(row)

    def list(self) -> list[ApiKey]:
        rows = self._conn().execute(
            f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, key_id").fetchall()
        return [_key(r) for r in rows]

    def revoke(self, key_id: str) -> ApiKey:
        key = self.get(key_id)
        if key.revoked_at is None:
            self._conn().execute("UPDATE api_keys SET revoked_at=? WHERE key_id=?",
                                 (_now().isoformat(), key_id))
        return self.get(key_id)

    # -- rate limits and the bulk-query detector ---------------------------------
    def hit(self, key_id: str, window_seconds: int = 60, now: float | None = None) -> int:
        """Count one request in the key's current fixed window; returns the count."""
        window = int((now or time.time()) // window_seconds)
        conn = self._conn(durable=False)
        row = conn.execute(
            "INSERT INTO rate_windows(key_id, window, n) VALUES (?,?,1) "
            "ON CONFLICT(key_id, window) DO UPDATE SET n=n+1 RETURNING n",
            (key_id, window)).fetchone()
        if window % 10 == 0:
            conn.execute("DELETE FROM rate_windows WHERE window < ?", (window - 10,))
        return int(row[0])

    def distinct_recent_names(self, key_id: str, name: str, window_seconds: float,
                              now: float | None = None) -> int:
        """Record a searched name; how many distinct names the key searched in the window."""
        now = now or time.time()
        conn = self._conn(durable=False)
        conn.execute("INSERT INTO recent_names(key_id, ts, name) VALUES (?,?,?)",
                     (key_id, now, name.strip().casefold()[:200]))
        conn.execute("DELETE FROM recent_names WHERE key_id=? AND ts < ?",
                     (key_id, now - window_seconds))
        return int(conn.execute(
            "SELECT COUNT(DISTINCT name) FROM recent_names WHERE key_id=?",
            (key_id,)).fetchone()[0])


def _key(row: tuple[str | None, ...]) -> ApiKey:
    key_id, agency, role, label, created, expires, revoked, created_by = row
    return ApiKey(key_id=str(key_id), agency=str(agency), role=Role(str(role)),
                  label=str(label or ""), created_at=str(created), expires_at=expires,
                  revoked_at=revoked, created_by=created_by)
