"""Benchmark: bulk customer upsert through the API, 500 a call, against PostgreSQL's COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_full .venv/bin/python bench/customer_upsert.py \\
        [--runs 5] [--records 10000]

Each run sends --records customers through `POST /api/v1/customers/bulk-upsert/` in calls of 500, in
process through Django's test client with a read-write API token (so authentication, parsing, validation,
the upsert itself and the per-item answer are all counted): first as new customers, then the same
external ids again with a changed segment and name (updates). The baseline is the least PostgreSQL can do
to store the same rows: one `COPY journeys_customer (...) FROM STDIN` of them, in one transaction. Every
run's rows are deleted after it, so each run starts from the same table (the full data's 100,000
customers around them).

Prints records/s for creates, updates and COPY (median of --runs) and the ratios COPY / ours. Target
(issue "Scale and resilience", 2e): at least 10,000 records/s.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import bootstrap

    bootstrap()

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from bench.common import median
from cxhub import roles
from cxhub.tokens import api_token_create
from journeys.models import Customer

TARGET_RATE = 10_000.0
CALL = 500
PREFIX = "BENCH-UPSERT-"
SEGMENTS = ("retail", "fleet", "premium", "smb")
LANGUAGES = ("en", "el", "vi", "fa")
NAMES = ("Eleni Papadopoulou", "Nguyễn Thị Lan", "مریم احمدی", "Jordan Smith")


def items(run: int, n: int, *, generation: int) -> list[dict[str, str]]:
    return [
        {
            "external_id": f"{PREFIX}{run}-{i}",
            "name": f"{NAMES[i % 4]} {i}" + (" (renamed)" if generation else ""),
            "email": f"customer{run}.{i}@example.com",
            "segment": SEGMENTS[(i + generation) % 4],
            "language": LANGUAGES[i % 4],
        }
        for i in range(n)
    ]


def api_client() -> tuple[Client, dict[str, str]]:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-crm")
    user.groups.add(Group.objects.get(name=roles.API_CLIENT_WRITE))
    _, key = api_token_create(user=user, name="bench customer upsert")
    return Client(), {"HTTP_AUTHORIZATION": f"Token {key}"}


def through_api(client: Client, auth: dict[str, str], rows: list[dict[str, str]], expect: str) -> float:
    url = reverse("customer-bulk-upsert")
    started = time.perf_counter()
    for start in range(0, len(rows), CALL):
        response = client.post(url, data=json.dumps({"items": rows[start:start + CALL]}),
                               content_type="application/json", **auth)
        if response.status_code not in (200, 201, 207):
            sys.exit(f"bulk-upsert answered {response.status_code}: {response.content[:300]!r}")
        statuses = {item["status"] for item in response.json()["results"]}
        if statuses != {expect}:
            sys.exit(f"expected every item {expect}, got {statuses}")
    return time.perf_counter() - started


def through_copy(rows: list[dict[str, str]]) -> float:
    """COPY is given every column the ORM would write, timestamps included."""
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    buffer = io.StringIO("".join(
        "\t".join((row["external_id"] + "-copy", row["name"], row["email"], row["segment"], row["language"],
                   now, now)) + "\n"
        for row in rows
    ))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY journeys_customer (external_id, name, email, segment, language, created_at, updated_at) "
            "FROM STDIN WITH (FORMAT text)", buffer)
    return time.perf_counter() - started


def clean() -> None:
    Customer.objects.filter(external_id__startswith=PREFIX).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    clean()
    client, auth = api_client()
    print(f"Bulk customer upsert of {args.records:,} records in calls of {CALL} beside "
          f"{Customer.objects.count():,} customers in {connection.settings_dict['NAME']}, {args.runs} runs")
    rates: dict[str, list[float]] = {"create": [], "update": [], "copy": []}
    for run in range(1, args.runs + 1):
        rows = items(run, args.records, generation=0)
        created = through_api(client, auth, rows, "created")
        updated = through_api(client, auth, items(run, args.records, generation=1), "updated")
        copied = through_copy(rows)
        for name, seconds in (("create", created), ("update", updated), ("copy", copied)):
            rates[name].append(args.records / seconds)
        print(f"  run {run}: create {args.records / created:9,.0f}/s  update {args.records / updated:9,.0f}/s  "
              f"COPY {args.records / copied:9,.0f}/s", flush=True)
        clean()
    create, update, copy = (median(rates[name]) for name in ("create", "update", "copy"))
    slowest = min(create, update)
    verdict = "PASS" if slowest >= TARGET_RATE else "BELOW"
    print(f"median: create {create:,.0f} records/s, update {update:,.0f} records/s, COPY {copy:,.0f} records/s; "
          f"COPY is {copy / create:.1f}x create and {copy / update:.1f}x update; "
          f"{verdict} the {TARGET_RATE:,.0f} records/s target")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
