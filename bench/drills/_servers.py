"""Private servers for the restart drills: a throwaway PostgreSQL cluster, a redis-server of their own and
the app (gunicorn, a Celery worker, Celery beat) pointed at them, so a drill may stop and start its servers
without disturbing anyone else's on the same machine.

The drill process itself never configures Django: it talks to the app over HTTP, and runs what needs
Django (seeding, reading the results) in a child process with `python -m bench.drills._servers call
module:function` in the app's environment, which prints the function's JSON answer on its last line.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import log_tail

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0  # seconds for a server or process to answer: generous, the machine may be busy
STOP_TIMEOUT = 30.0
RESULT_PREFIX = "DRILL-RESULT "
# PostgreSQL refuses to run as root; a root drill runs the cluster as this account.
POSTGRES_ACCOUNT = "postgres"

Out = Callable[[str], None]


class ServerMissing(Exception):
    """A binary the drill needs is not installed."""


class DrillError(Exception):
    """The drill could not run (a server did not start, a child failed): not a verdict on the app."""


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.2,
               alive: Callable[[], str | None] | None = None) -> None:
    """Poll `check` until it is true; DrillError after `timeout` seconds or when `alive` names a death."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        problem = alive() if alive else None
        if problem:
            raise DrillError(f"{what}: {problem}")
        if time.monotonic() > deadline:
            raise DrillError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def tail(path: Path, lines: int = 30) -> str:
    return log_tail(path, lines)


# --- PostgreSQL ------------------------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def postgres_bin_dir() -> Path:
    """The newest PostgreSQL server binaries: /usr/lib/postgresql/<version>/bin, else pg_ctl's folder."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise ServerMissing("PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found under "
                        "/usr/lib/postgresql/*/bin or on the PATH: install the PostgreSQL server package.")


def check_binaries() -> None:
    """ServerMissing, saying what to install, unless both servers' binaries are here."""
    postgres_bin_dir()
    redis_server_binary()


def redis_server_binary() -> Path:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file()
                                             else None)
    if not found:
        raise ServerMissing("redis-server was not found on the PATH: install the Redis server package.")
    return Path(found)


class PostgresServer:
    """A throwaway cluster in `folder`, listening on 127.0.0.1 on a port of its own, trust auth, no fsync."""

    def __init__(self, folder: Path) -> None:
        self.bin = postgres_bin_dir()
        self.folder = folder / "postgres"
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.running = False
        self._user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(POSTGRES_ACCOUNT)
            except KeyError:
                raise ServerMissing(f"PostgreSQL will not run as root and there is no {POSTGRES_ACCOUNT!r} "
                                    "account to run it as.") from None
            self._user = POSTGRES_ACCOUNT

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> None:
        done = subprocess.run([str(self.bin / args[0]), *args[1:]], user=self._user, cwd=self.folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False)
        if done.returncode:
            raise DrillError(f"{' '.join(args[:2])} failed ({done.returncode}):\n"
                             f"{done.stdout.decode(errors='replace')[-2000:]}\n{tail(self.log)}")

    def init(self) -> None:
        self.folder.mkdir(parents=True)
        if self._user:
            account = pwd.getpwnam(self._user)
            self.folder.parent.chmod(0o755)  # the account must reach its folder inside the drill's
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")

    def start(self) -> None:
        # fsync off: the cluster is thrown away; the drills test the app's behaviour, not the disk's.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", str(int(START_TIMEOUT)), "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once (clients see their connection drop), as a restart does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", str(int(STOP_TIMEOUT)), "stop")
        self.running = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def query(self, database: str, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one read, on a connection of its own (the drill watches the app's progress with it)."""
        import psycopg2

        with contextlib.closing(psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres",
                                                 dbname=database, connect_timeout=5)) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(DrillError, subprocess.TimeoutExpired):
                self.stop("immediate")


# --- Redis -----------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server on a loopback port of its own, without persistence: a restart loses every key and
    queued message, the harshest case for the app."""

    def __init__(self, folder: Path) -> None:
        self.binary = redis_server_binary()
        self.folder = folder / "redis"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--logfile", str(self.log), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        process = self.process
        wait_until(self.ping, timeout=START_TIMEOUT, what="redis-server did not answer",
                   alive=lambda: process.poll() is not None and f"exited {process.returncode}:\n{tail(self.log)}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()


# --- The app ---------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    seconds: float
    data: Any = None
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def http_call(method: str, url: str, *, token: str | None = None, body: Any = None, timeout: float = 30.0) -> Reply:
    """One request; never raises for what the server or the network does."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            raw, status, answer_headers = answer.read(), answer.status, dict(answer.headers)
    except urllib.error.HTTPError as exc:
        raw, status, answer_headers = exc.read(), exc.code, dict(exc.headers)
    except (OSError, http.client.HTTPException) as exc:
        return Reply(None, time.monotonic() - started, error=f"{type(exc).__name__}: {exc}")
    seconds = time.monotonic() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw[:200].decode(errors="replace")
    return Reply(status, seconds, parsed, headers=answer_headers)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def dead(self) -> str | None:
        if self.popen.poll() is None:
            return None
        return f"{self.name} exited {self.popen.returncode}:\n{tail(self.log)}"

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


class App:
    """CX Hub in production mode (DEBUG=0) on the private servers: commands, gunicorn, worker, beat."""

    def __init__(self, folder: Path, *, database_url: str, redis_url: str, env: dict[str, str] | None = None) -> None:
        self.folder = folder / "app"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: list[Process] = []
        self._closing = threading.Event()
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_", "REDIS_", "PYTEST_"))}
        self.env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "cxhub.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
            "SECURE_HSTS_SECONDS": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            # The throttle still counts in Redis on every call (that path is part of the drill), but the
            # drill's burst must not reach a limit.
            "API_THROTTLE_USER": "1000000/min",
            "EMAIL_HOST": "",
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }

    def command(self, *args: str, timeout: float = 600.0) -> str:
        """Run a manage.py command in the app's environment; its stdout, or DrillError with its output."""
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, timeout=timeout, check=False)
        if done.returncode:
            raise DrillError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n"
                             f"{done.stderr.decode(errors='replace')[-3000:]}")
        return done.stdout.decode()

    def call(self, ref: str, timeout: float = 600.0, **kwargs: Any) -> Any:
        """Run `module:function(**kwargs)` in a child process with Django set up on the private servers."""
        done = subprocess.run([sys.executable, "-m", "bench.drills._servers", "call", ref, json.dumps(kwargs)],
                              cwd=ROOT, env=self.env, capture_output=True, timeout=timeout, check=False)
        out = done.stdout.decode(errors="replace")
        lines = [line for line in out.splitlines() if line.startswith(RESULT_PREFIX)]
        if done.returncode or not lines:
            raise DrillError(f"{ref} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')[-3000:]}")
        return json.loads(lines[-1][len(RESULT_PREFIX):])

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Process:
        log = self.folder / f"{name}.log"
        full_env = {**self.env, **(env or {})}
        with log.open("ab") as out:
            popen = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        process = Process(name, popen, log, args, full_env)
        self.processes.append(process)
        return process

    def supervise(self, *processes: Process, interval: float = 0.5) -> list[str]:
        """Start a process again whenever it exits, as the deployment's supervisor does (compose's
        `restart: unless-stopped`). Returns the list it appends a line to for every restart."""
        restarts: list[str] = []

        def watch() -> None:
            while not self._closing.is_set():
                for process in processes:
                    if process.popen.poll() is not None and not self._closing.is_set():
                        lines = [line for line in tail(process.log, 200).splitlines() if "Unrecoverable" in line
                                 or "Error" in line[:60]]
                        restarts.append(f"{process.name} exited {process.popen.returncode}"
                                        + (f" ({lines[0].strip()[:200]})" if lines else ""))
                        with process.log.open("ab") as out:
                            process.popen = subprocess.Popen(process.args, cwd=ROOT, env=process.env, stdout=out,
                                                             stderr=subprocess.STDOUT, start_new_session=True)
                time.sleep(interval)

        threading.Thread(target=watch, daemon=True).start()
        return restarts

    def start_web(self, *, workers: int = 2, threads: int = 4) -> Process:
        """gunicorn with `workers` processes of `threads` threads; ready once /healthz answers."""
        web = self._spawn("gunicorn", [
            sys.executable, "-m", "gunicorn", "cxhub.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--threads", str(threads), "--timeout", "60", "--graceful-timeout", "5",
            "--log-level", "warning",
        ])
        wait_until(lambda: http_call("GET", f"{self.base}/healthz", timeout=5).status == 200,
                   timeout=START_TIMEOUT, what="gunicorn did not answer /healthz", alive=web.dead, interval=0.5)
        return web

    def start_worker(self) -> Process:
        worker = self._spawn("worker", [
            sys.executable, "-m", "celery", "-A", "cxhub", "worker", "--pool=threads", "--concurrency=2",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"drill-{self.port}@%h",
        ])
        wait_until(lambda: " ready." in worker.log.read_text(errors="replace"), timeout=START_TIMEOUT,
                   what="the Celery worker was not ready", alive=worker.dead, interval=0.5)
        return worker

    def start_beat(self) -> Process:
        schedule = self.folder / "celerybeat-schedule"
        return self._spawn("beat", [
            sys.executable, "-m", "celery", "-A", "cxhub", "beat", "--loglevel=INFO",
            f"--schedule={schedule}",
        ])

    def close(self) -> None:
        self._closing.set()
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


@contextlib.contextmanager
def cleanup(*servers: Any) -> Iterator[list[Any]]:
    """Close what was opened (these, and what the block appends to the list it gets), last first,
    whatever happens in between."""
    opened = list(servers)
    try:
        yield opened
    finally:
        for server in reversed(opened):
            with contextlib.suppress(Exception):
                server.close()


def finish(folder: Path, *, passed: bool, out: Out) -> None:
    """A drill that passed leaves nothing behind; one that failed keeps its servers' and processes' logs."""
    if passed:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        out(f"Logs of the servers, gunicorn, the worker and beat are kept in {folder}")


# --- A webhook receiver ----------------------------------------------------------------------------


class Receiver:
    """A loopback HTTP endpoint that answers 204 and counts the webhook events it was sent, by event id."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        lock = threading.Lock()
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    event_id = str(json.loads(body)["id"])
                    with lock:
                        seen[event_id] = seen.get(event_id, 0) + 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Traffic ---------------------------------------------------------------------------------------


@dataclass
class Call:
    what: str
    started: float  # seconds since the traffic began
    reply: Reply

    @property
    def ended(self) -> float:
        return self.started + self.reply.seconds


class Traffic:
    """`threads` threads calling `send(thread, n) -> (what, Reply)` back to back until stopped."""

    def __init__(self, send: Callable[[int, int], tuple[str, Reply]], *, threads: int) -> None:
        self.send = send
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]
        self.t0 = 0.0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _run(self, thread: int) -> None:
        n = 0
        while not self._stop.is_set():
            what, reply = self.send(thread, n)
            started = self.now() - reply.seconds  # `send` may pause before its request: not counted
            with self._lock:
                self.calls.append(Call(what, started, reply))
            n += 1

    def start(self) -> None:
        self.t0 = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self) -> list[Call]:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return sorted(self.calls, key=lambda call: call.started)


# --- Verdicts --------------------------------------------------------------------------------------


class Verdicts:
    """PASS/FAIL lines, one per check; the drill fails when any check did."""

    def __init__(self, out: Out) -> None:
        self.out = out
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.results.append((name, ok, detail))
        self.out(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
        return ok

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(ok for _, ok, _ in self.results)

    def failures(self) -> list[str]:
        return [f"{name}: {detail}" for name, ok, detail in self.results if not ok]


# --- What runs inside Django (child processes) -----------------------------------------------------

DRILL_USER = "drill-client"


def seed(*, receiver_url: str = "", customers: int = 20) -> dict[str, Any]:
    """The little a drill needs: a touchpoint with a CSAT survey, customers, an API client account with a
    token made as a script makes one (`manage.py create_api_token`, the key on its last line), and a
    webhook subscription to every event at the drill's receiver. Returns their ids and the token."""
    import io

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from cxhub.models import Team
    from cxhub.roles import API_CLIENT_WRITE
    from cxhub.webhooks.events import ALL_EVENTS
    from cxhub.webhooks.services import subscription_create
    from feedback.choices import SurveyKind
    from feedback.services import survey_create
    from journeys.models import Customer, Journey, Program, Stage, Touchpoint

    team = Team.objects.create(name="Service desk")
    program = Program.objects.create(name="Car ownership")
    journey = Journey.objects.create(program=program, name="Buying a car")
    stage = Stage.objects.create(journey=journey, name="After the sale", position=1)
    touchpoint = Touchpoint.objects.create(stage=stage, name="Help chat", owner_team=team)
    survey = survey_create(name="Help chat CSAT", kind=SurveyKind.CSAT, touchpoint=touchpoint)
    ids = [Customer.objects.create(name=f"Drill customer {n}", external_id=f"DRILL-{n}",
                                   email=f"drill{n}@example.com").pk for n in range(customers)]
    user = get_user_model().objects.create_user(username=DRILL_USER)
    user.groups.add(Group.objects.get(name=API_CLIENT_WRITE))
    if receiver_url:
        subscription_create(owner=user, url=receiver_url, event_types=[ALL_EVENTS], description="Restart drill")
    printed = io.StringIO()
    call_command("create_api_token", DRILL_USER, "--name", "Restart drill", stdout=printed)
    return {"touchpoint": touchpoint.pk, "survey": survey.pk, "customers": ids,
            "token": printed.getvalue().strip().splitlines()[-1]}


def _main(argv: list[str]) -> None:
    if len(argv) != 3 or argv[0] != "call":
        sys.exit("usage: python -m bench.drills._servers call module:function '{json kwargs}'")
    import importlib

    import django

    django.setup()
    module, _, name = argv[1].partition(":")
    result = getattr(importlib.import_module(module), name)(**json.loads(argv[2]))
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1:])


def drill_main(*, title: str, stopped: str, run_drill: Callable[..., Any]) -> Any:
    """The command line of a restart drill: --seconds of traffic, --down seconds with `stopped` stopped,
    --threads; a drill that cannot run exits 2. Returns the drill's result for the caller to report."""
    import argparse

    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the traffic runs")
    parser.add_argument("--down", type=float, default=8.0, help=f"how long {stopped} stays stopped")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    try:
        return run_drill(seconds=args.seconds, down=args.down, threads=args.threads)
    except ServerMissing as exc:
        print(f"FAIL: cannot run the drill: {exc}")
    except DrillError as exc:
        print(f"FAIL: the drill could not run: {exc}")
    sys.exit(2)
