#!/usr/bin/env python3
"""Fetch, cache, start and stop a real single-node Elasticsearch without Docker.

Why: the Elasticsearch backend is tested against a real node, and CI machines have
no Docker engine. Maven Central publishes Elastic's runnable ``integ-test-zip``
distribution (a stock node with security, no plugins), so we download it once into
``.cache/elasticsearch`` (verified by SHA-1), and run it as an unprivileged user
(Elasticsearch refuses root) with a JDK picked from ``/usr/lib/jvm``.

Usage (stdlib only, any Python >= 3.11)::

    python scripts/es_node.py start [--port 9200] [--heap 1g] [--fresh] [--print-env]
    python scripts/es_node.py status [--port 9200]
    python scripts/es_node.py stop   [--port 9200]
    python scripts/es_node.py fetch              # download + unpack only

``start`` waits until the cluster is yellow or green, writes a pid file and prints the
URL (or, with ``--print-env``, ``export PEHCHAAN_TEST_ES_URL=...`` for ``eval``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Newest distribution that Maven Central serves (9.x integ-test-zips are not published
# there; see docs/elasticsearch.md). Override with PEHCHAAN_ES_VERSION.
DEFAULT_VERSION = "8.19.21"
MAVEN = os.environ.get("PEHCHAAN_MAVEN_REPO", "https://repo1.maven.org/maven2").rstrip("/")
ARTIFACT_PATH = "org/elasticsearch/distribution/integ-test-zip/elasticsearch"
ES_USER = os.environ.get("PEHCHAAN_ES_USER", "pehchaan-es")
JVM_DIR = Path("/usr/lib/jvm")
EPHEMERAL = "ephemeral"  # marker: stop deletes this node's directory


def cache_dir() -> Path:
    """Where downloads, unpacked distributions and node directories live."""
    return Path(os.environ.get("PEHCHAAN_ES_CACHE", REPO / ".cache" / "elasticsearch"))


def log(msg: str) -> None:
    """Progress goes to stderr so that stdout stays clean for ``eval``."""
    print(f"[es_node] {msg}", file=sys.stderr, flush=True)


# -- download and unpack -------------------------------------------------------------
def _http_get(url: str, timeout: float = 60.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        data: bytes = resp.read()
        return data


def latest_version() -> str:
    """The release named by Maven Central's metadata for the distribution."""
    meta = _http_get(f"{MAVEN}/{ARTIFACT_PATH}/maven-metadata.xml").decode()
    match = re.search(r"<release>([^<]+)</release>", meta)
    if not match:
        raise SystemExit("es_node: no <release> in Maven metadata")
    return match.group(1)


def fetch(version: str) -> Path:
    """Download (once) and unpack (once) the distribution; return its home directory."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    home = root / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    archive = root / f"elasticsearch-{version}.zip"
    if not archive.exists():
        url = f"{MAVEN}/{ARTIFACT_PATH}/{version}/elasticsearch-{version}.zip"
        log(f"downloading {url}")
        want = _http_get(url + ".sha1").decode().split()[0].strip()
        part = archive.with_suffix(".zip.part")
        digest = hashlib.sha1()
        with urllib.request.urlopen(url, timeout=120) as resp, part.open("wb") as out:
            while chunk := resp.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != want:
            part.unlink()
            raise SystemExit(f"es_node: checksum mismatch for {url}")
        part.replace(archive)
    log(f"unpacking {archive.name}")
    tmp = root / f".unpack-{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp)
        for info in zf.infolist():  # zipfile drops the executable bits
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (tmp / info.filename).chmod(mode)
    unpacked = next(tmp.iterdir())
    # another process may have won the race; theirs is as good as ours
    with contextlib.suppress(OSError):
        unpacked.rename(home)
    shutil.rmtree(tmp, ignore_errors=True)
    return home


# -- Java -----------------------------------------------------------------------------
def _java_major(java_home: Path) -> int | None:
    release = java_home / "release"
    if not (java_home / "bin" / "java").exists() or not release.exists():
        return None
    match = re.search(r'JAVA_VERSION="(\d+)', release.read_text(errors="replace"))
    return int(match.group(1)) if match else None


def pick_java(es_version: str) -> Path:
    """A JDK for this Elasticsearch major: 8.x prefers 17..24, 9.x needs 21+.

    ES_JAVA_HOME wins when set; otherwise the newest preferred JDK under /usr/lib/jvm,
    else (8.x only) a newer one, which 8.19 also runs on (checked with Temurin 25).
    """
    if env := os.environ.get("ES_JAVA_HOME"):
        return Path(env)
    es_major = int(es_version.split(".")[0])
    lo, hi = (17, 24) if es_major < 9 else (21, 99)
    found: dict[Path, int] = {}
    for home in sorted(JVM_DIR.glob("*")) if JVM_DIR.exists() else []:
        major = _java_major(home.resolve())
        if major is not None and major >= lo:
            found[home.resolve()] = major
    preferred = {p: m for p, m in found.items() if m <= hi}
    pool = preferred or found
    if not pool:
        raise SystemExit(
            f"es_node: no JDK {lo}+ under {JVM_DIR} for Elasticsearch {es_version}; "
            "install one or set ES_JAVA_HOME")
    if not preferred:
        log(f"no JDK {lo}..{hi}; trying a newer one")
    return max(pool, key=lambda p: (pool[p], str(p)))


# -- the unprivileged user ---------------------------------------------------------------
@dataclass(frozen=True)
class RunAs:
    """Who the node runs as: ourselves, or a system user when we are root."""

    uid: int | None
    gid: int | None


def run_as() -> RunAs:
    """Elasticsearch refuses to run as root: create (once) and use an unprivileged user."""
    if os.geteuid() != 0:
        return RunAs(None, None)
    try:
        entry = pwd.getpwnam(ES_USER)
    except KeyError:
        log(f"creating system user {ES_USER}")
        subprocess.run(["useradd", "--system", "--no-create-home", "--user-group",
                        "--shell", "/usr/sbin/nologin", ES_USER], check=True)
        entry = pwd.getpwnam(ES_USER)
    return RunAs(entry.pw_uid, entry.pw_gid)


def _chown_tree(path: Path, who: RunAs) -> None:
    if who.uid is None or who.gid is None:
        return
    for dirpath, _dirnames, filenames in os.walk(path):
        os.chown(dirpath, who.uid, who.gid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), who.uid, who.gid)


def _make_traversable(path: Path) -> None:
    """The unprivileged user must reach the cache through each parent directory."""
    for parent in [path, *path.parents]:
        with contextlib.suppress(OSError):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)


# -- node lifecycle --------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """One node's working directory, keyed by its HTTP port."""

    port: int

    @property
    def dir(self) -> Path:
        return cache_dir() / f"node-{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.dir / "elasticsearch.pid"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        """The pid from the pid file, if that process is alive and is Elasticsearch."""
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"elasticsearch" in cmdline else None


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """An ephemeral port the kernel says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health(url: str, timeout: float = 2.0) -> dict[str, object] | None:
    """The cluster health document, or None when nothing answers."""
    try:
        body = _http_get(f"{url}/_cluster/health", timeout=timeout)
    except (urllib.error.URLError, OSError, TimeoutError):
        return None
    result: dict[str, object] = json.loads(body)
    return result


def _write_config(node: Node, home: Path, heap: str) -> Path:
    conf = node.dir / "config"
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(home / "config", conf)
    (conf / "jvm.options.d").mkdir(exist_ok=True)
    (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
    settings = {
        "cluster.name": f"pehchaan-test-{node.port}",
        "node.name": f"pehchaan-{node.port}",
        "path.data": str(node.dir / "data"),
        "path.logs": str(node.dir / "logs"),
        "network.host": "127.0.0.1",
        "http.port": node.port,
        "transport.port": "9300-9399",
        "discovery.type": "single-node",
        "xpack.security.enabled": False,
        "cluster.routing.allocation.disk.threshold_enabled": False,
        "action.destructive_requires_name": False,
    }
    lines = [f"{k}: {json.dumps(v)}" for k, v in settings.items()]
    (conf / "elasticsearch.yml").write_text("\n".join(lines) + "\n")
    return conf


def start(version: str, port: int, heap: str, timeout: float, fresh: bool = False,
          ephemeral: bool = False) -> Node:
    """Start a node (or reuse ours already running on that port) and wait for yellow.

    ``fresh`` wipes the node's data first (CI runs start from an empty cluster);
    ``ephemeral`` (``--port auto``) makes ``stop`` delete the node's directory, so
    one-off ports do not pile up data under the cache.
    """
    node = Node(port)
    if node.pid() is not None and health(node.url):
        if not fresh:
            log(f"already running on {node.url} (pid {node.pid()})")
            return node
        stop(port)
    if fresh:
        shutil.rmtree(node.dir / "data", ignore_errors=True)
    if not _port_free(port):
        raise SystemExit(f"es_node: port {port} is taken by another process; use --port")
    home = fetch(version)
    java = pick_java(version)
    who = run_as()
    node.dir.mkdir(parents=True, exist_ok=True)
    for sub in ("data", "logs", "tmp"):
        (node.dir / sub).mkdir(exist_ok=True)
    conf = _write_config(node, home, heap)
    node.pid_file.unlink(missing_ok=True)
    if ephemeral:
        (node.dir / EPHEMERAL).touch()
    _chown_tree(node.dir, who)
    _make_traversable(node.dir)
    _make_traversable(java)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(node.dir),
        "LANG": "C.UTF-8",
        "ES_JAVA_HOME": str(java),
        "ES_PATH_CONF": str(conf),
        "ES_TMPDIR": str(node.dir / "tmp"),
    }
    log(f"starting Elasticsearch {version} on {node.url} with {java.name} "
        f"as {ES_USER if who.uid is not None else 'current user'}")
    out = (node.dir / "logs" / "startup.log").open("ab")
    proc = subprocess.Popen(
        [str(home / "bin" / "elasticsearch"), "-d", "-p", str(node.pid_file)],
        env=env, cwd=node.dir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        user=who.uid, group=who.gid, extra_groups=[] if who.uid is not None else None,
        start_new_session=True)
    deadline = time.monotonic() + timeout
    rc: int | None = None
    while time.monotonic() < deadline:
        rc = proc.poll() if rc is None else rc
        if rc not in (None, 0):
            break
        state = health(node.url)
        if state and state.get("status") in ("yellow", "green") and node.pid() is not None:
            log(f"ready: {node.url} status={state['status']} pid={node.pid()}")
            return node
        time.sleep(0.5)
    _dump_logs(node)
    (node.dir / EPHEMERAL).unlink(missing_ok=True)  # keep the logs of a failed start
    stop(port)
    raise SystemExit(f"es_node: Elasticsearch did not become ready on {node.url} "
                     f"(launcher exit code {rc}); logs in {node.dir / 'logs'}")


def _dump_logs(node: Node, lines: int = 40) -> None:
    for name in ("startup.log", f"pehchaan-test-{node.port}.log"):
        path = node.dir / "logs" / name
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            log(f"--- last lines of {path} ---\n" + "\n".join(tail))


def stop(port: int, grace: float = 30.0) -> bool:
    """SIGTERM our node (pid file), SIGKILL after a grace period; True if one was running."""
    node = Node(port)
    pid = node.pid()
    if pid is None:
        node.pid_file.unlink(missing_ok=True)
        _remove_if_ephemeral(node)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists():
        log(f"pid {pid} ignored SIGTERM for {grace:.0f}s; sending SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    node.pid_file.unlink(missing_ok=True)
    log(f"stopped {node.url} (pid {pid})")
    _remove_if_ephemeral(node)
    return True


def _remove_if_ephemeral(node: Node) -> None:
    if (node.dir / EPHEMERAL).exists():
        shutil.rmtree(node.dir, ignore_errors=True)
        log(f"removed {node.dir}")


def status(port: int) -> int:
    """Print one JSON line describing the node; exit code 0 when it answers."""
    node = Node(port)
    state = health(node.url)
    print(json.dumps({"url": node.url, "pid": node.pid(), "running": state is not None,
                      "health": (state or {}).get("status")}))
    return 0 if state else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "fetch", "java"])
    parser.add_argument("--version", default=os.environ.get("PEHCHAAN_ES_VERSION", DEFAULT_VERSION),
                        help="distribution version, or 'latest' (Maven metadata)")
    parser.add_argument("--port", default=os.environ.get("PEHCHAAN_ES_PORT", "9200"),
                        help="HTTP port on 127.0.0.1, or 'auto' for a free one")
    parser.add_argument("--heap", default=os.environ.get("PEHCHAAN_ES_HEAP", "1g"))
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds to wait for the node to turn yellow")
    parser.add_argument("--fresh", action="store_true",
                        help="wipe the node's data directory before starting")
    parser.add_argument("--print-env", action="store_true",
                        help="print 'export PEHCHAAN_TEST_ES_URL=...' for eval")
    args = parser.parse_args(argv)
    version = latest_version() if args.version == "latest" else args.version
    if args.command == "fetch":
        print(fetch(version))
        return 0
    if args.command == "java":
        print(pick_java(version))
        return 0
    ephemeral = args.port == "auto"
    if ephemeral:
        if args.command != "start":
            parser.error("--port auto only makes sense with start")
        port = free_port()
    else:
        port = int(args.port)
    if args.command == "start":
        node = start(version, port, args.heap, args.timeout, fresh=args.fresh or ephemeral,
                     ephemeral=ephemeral)
        print(f"export PEHCHAAN_TEST_ES_URL={node.url}" if args.print_env else node.url)
        return 0
    if args.command == "stop":
        stop(port)
        return 0
    return status(port)


if __name__ == "__main__":
    sys.exit(main())
