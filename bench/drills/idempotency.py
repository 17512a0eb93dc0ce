"""Drill: duplicate and concurrent requests with one Idempotency-Key have one effect.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_tenth \\
        .venv/bin/python bench/drills/idempotency.py [--concurrent 16]

1. makes an API client of the read-write role (user `idempotency-drill`) and a token for it;
2. starts the app under gunicorn (2 processes of 4 threads, production settings, tasks in-process) on a
   free loopback port, on the database of DATABASE_URL;
3. sends one customer creation three times in a row with one key: the first creates, the repeats must
   answer the same 201 marked `Idempotent-Replayed: true`;
4. sends one customer creation, then one ticket creation, from --concurrent threads at the same instant
   with one key each: every answer must be that 201 or a 409 with Retry-After, and each thread that got
   a 409 retries (as Retry-After says) until it gets the same 201;
5. sends the first key again with another body: a 422;
6. counts in the database: one customer per creation, one ticket, one completed record per key.
Exits 0 and prints PASS when every check holds, else prints FAIL with what differs and exits 1.

The drill's customers and ticket stay in the database (names start with "Idempotency drill"); its token
is revoked at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.common import bootstrap

    bootstrap()

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection

from bench.common import database_url, log_tail
from cxhub.idempotency import REPLAYED_HEADER
from cxhub.models import IdempotencyRecord
from cxhub.roles import API_CLIENT_WRITE
from cxhub.tokens import api_token_create, api_token_revoke
from journeys.models import Customer
from tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 90.0
REQUEST_TIMEOUT = 30.0
RETRIES = 30  # per thread told 409: each waits Retry-After (1 s), so a first request may take 30 s
USERNAME = "idempotency-drill"

Out = Callable[[str], None]


class DrillFailed(Exception):
    pass


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def replayed(self) -> bool:
        return self.headers.get(REPLAYED_HEADER.lower()) == "true"


@dataclass
class DrillResult:
    concurrent: int
    first_answers: dict[str, dict[int, int]] = field(default_factory=dict)  # scenario -> status -> count
    retries: dict[str, int] = field(default_factory=dict)  # scenario -> 409s retried


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        return log_tail(self.log, lines)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path) -> Server:
    """gunicorn on 127.0.0.1 with production settings; no broker, so tasks run in the web process."""
    port = free_port()
    env = {name: value for name, value in os.environ.items()
           if name not in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")}
    env.update(DJANGO_SETTINGS_MODULE="cxhub.settings", DATABASE_URL=database_url(), DB_CONN_MAX_AGE="0",
               DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), ALLOWED_HOSTS="127.0.0.1",
               SECURE_SSL_REDIRECT="0", API_THROTTLE_USER="off")
    log = folder / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cxhub.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "60", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DrillFailed(f"gunicorn exited with {process.returncode} (log {log}):\n{server.tail()}")
        try:
            if call(server, "GET", "/healthz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop(server)
    raise DrillFailed(f"gunicorn did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{server.tail()}")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def call(server: Server, method: str, path: str, *, body: dict | None = None, token: str = "",
         key: str = "") -> Answer:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def at_once(n: int, send: Callable[[], Answer]) -> list[Answer]:
    """`send` from n threads released together; a thread's exception fails the drill."""
    barrier = threading.Barrier(n)
    answers: list[Answer | BaseException | None] = [None] * n

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=REQUEST_TIMEOUT)
            answers[index] = send()
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            answers[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [a for a in answers if not isinstance(a, Answer)]
    if failures:
        raise DrillFailed(f"{len(failures)} of {n} requests got no answer: {failures[0]!r}")
    return answers  # type: ignore[return-value]


def settle(scenario: str, answers: list[Answer], send: Callable[[], Answer], result: DrillResult) -> Answer:
    """Check a burst of answers to one key: one 201 that created, the others its replay or a 409 with
    Retry-After; each 409 retried until it gets the same 201. Returns the 201."""
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status] = counts.get(answer.status, 0) + 1
    result.first_answers[scenario] = counts
    odd = [a for a in answers if a.status not in (201, 409)]
    if odd:
        raise DrillFailed(f"{scenario}: an answer was {odd[0].status}, not 201 or 409: {odd[0].body[:300]!r}")
    created = [a for a in answers if a.status == 201 and not a.replayed]
    if len(created) != 1:
        raise DrillFailed(f"{scenario}: {len(created)} answers say they created (want 1); statuses {counts}")
    first = created[0]
    retried = 0
    for answer in answers:
        if answer.status == 409:
            if answer.headers.get("retry-after") is None:
                raise DrillFailed(f"{scenario}: a 409 without Retry-After")
            for _try in range(RETRIES):
                time.sleep(float(answer.headers.get("retry-after", "1")))
                answer = send()
                retried += 1
                if answer.status != 409:
                    break
        if answer.status != 201 or answer.body != first.body:
            raise DrillFailed(f"{scenario}: a duplicate got {answer.status} {answer.body[:200]!r}, not the first "
                              f"answer {first.body[:200]!r}")
    result.retries[scenario] = retried
    return first


def drill_user() -> AbstractBaseUser:
    user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"first_name": "Drill"})
    user.groups.add(Group.objects.get(name=API_CLIENT_WRITE))
    return user


def run_drill(*, concurrent: int = 16, out: Out = print) -> DrillResult:
    """The whole drill; raises DrillFailed with the reason when it does not hold."""
    tag = uuid.uuid4().hex[:8]
    token, key = api_token_create(user=drill_user(), name=f"Idempotency drill {tag}")
    folder = Path(tempfile.mkdtemp(prefix="cxhub-drill-"))
    result = DrillResult(concurrent)
    server: Server | None = None
    try:
        out("Starting gunicorn (2 processes x 4 threads) ...")
        server = start_server(folder)
        out(f"  serving on {server.url}")

        out("Sending one creation three times in a row with one key ...")
        once = {"name": f"Idempotency drill {tag} in a row"}
        answers = [call(server, "POST", "/api/v1/customers/", body=once, token=key, key=f"{tag}-row")
                   for _ in range(3)]
        if answers[0].status != 201 or answers[0].replayed:
            raise DrillFailed(f"the first creation answered {answers[0].status}: {answers[0].body[:300]!r}")
        for repeat in answers[1:]:
            if (repeat.status, repeat.replayed, repeat.body) != (201, True, answers[0].body):
                raise DrillFailed(f"a repeat answered {repeat.status} (replayed: {repeat.replayed}), not the "
                                  f"first answer: {repeat.body[:300]!r}")
        customer_id = json.loads(answers[0].body)["id"]

        out(f"Sending one customer creation from {concurrent} threads at once with one key ...")
        burst = {"name": f"Idempotency drill {tag} at once"}

        def send_customer() -> Answer:
            return call(server, "POST", "/api/v1/customers/", body=burst, token=key, key=f"{tag}-customer")

        settle("customer", at_once(concurrent, send_customer), send_customer, result)
        out(f"  first answers {result.first_answers['customer']}, then {result.retries['customer']} retries")

        out(f"Sending one ticket creation from {concurrent} threads at once with one key ...")
        ticket = {"customer": customer_id, "subject": f"Idempotency drill {tag}", "body": "Sent many times."}

        def send_ticket() -> Answer:
            return call(server, "POST", "/api/v1/tickets/", body=ticket, token=key, key=f"{tag}-ticket")

        settle("ticket", at_once(concurrent, send_ticket), send_ticket, result)
        out(f"  first answers {result.first_answers['ticket']}, then {result.retries['ticket']} retries")

        out("Sending the first key with another body ...")
        other = call(server, "POST", "/api/v1/customers/", body={"name": f"Idempotency drill {tag} other"},
                     token=key, key=f"{tag}-row")
        if other.status != 422:
            raise DrillFailed(f"the same key with another body answered {other.status}, not 422")

        out("Counting in the database ...")
        counts = {
            "customers created in a row": Customer.objects.filter(name=once["name"]).count(),
            "customers created at once": Customer.objects.filter(name=burst["name"]).count(),
            "tickets": Ticket.objects.filter(subject=ticket["subject"]).count(),
            "customers with the other body": Customer.objects.filter(name__endswith=" other",
                                                                     name__contains=tag).count(),
        }
        wanted = {"customers created in a row": 1, "customers created at once": 1, "tickets": 1,
                  "customers with the other body": 0}
        if counts != wanted:
            raise DrillFailed(f"the database holds {counts}, want {wanted}")
        records = IdempotencyRecord.objects.filter(owner=token.user, key__startswith=f"{tag}-")
        completed = sorted(records.filter(status_code=201).values_list("key", flat=True))
        if completed != sorted(f"{tag}-{name}" for name in ("customer", "row", "ticket")):
            raise DrillFailed(f"completed records {completed}, want one per key")
        shutil.rmtree(folder, ignore_errors=True)  # the server's log is kept only when the drill fails
        return result
    finally:
        if server is not None:
            stop(server)
        api_token_revoke(token=token, by=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=16, help="threads sending one request at once")
    args = parser.parse_args()
    print(f"Idempotency-Key drill on {connection.settings_dict['NAME']}")
    started = time.monotonic()
    try:
        result = run_drill(concurrent=args.concurrent)
    except DrillFailed as exc:
        print(f"FAIL: {exc}")
        sys.exit(1)
    print(f"PASS in {time.monotonic() - started:.0f} s: 3 requests in a row and 2 bursts of {result.concurrent} "
          f"concurrent ones, one key each, made one record each (a customer, a customer, a ticket); first "
          f"answers {result.first_answers}, every 409 retried to the first answer; another body was a 422")


if __name__ == "__main__":
    main()
