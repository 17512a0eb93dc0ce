"""Benchmarks: the ticket list API, the dashboard, the journey map and the agent's queue at full data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_full .venv/bin/python bench/pages.py \\
        [--runs 5] [--requests 20] [--only api,dashboard,journey,queue] [--deep-page 1000]

Everything runs in process through Django's test client (no HTTP server, no network): each scenario is
requested a few times to warm the caches PostgreSQL and Django keep (and the objects alive by then are
frozen out of the garbage collector, as gunicorn.conf.py does in a server), then --runs runs of --requests
requests each; a run's p95 is its 95th percentile, and the figure printed is the median over the runs
of those p95s (with the median latency beside it). Targets (issue "Scale and resilience", 2c, 2f, 2g):

- c: the ticket list API, 50 a page, default and filtered: p95 at most 60 ms, and page --deep-page (reached
  by following `next` links) runs the same number of queries as page 1;
- f: the dashboard and the journey map: p95 at most 150 ms, at most 15 queries, and EXPLAIN of every
  query they run shows no sequential scan of tickets, messages, responses or signals;
- g: the agent's queue page: p95 at most 100 ms.

Each scenario prints PASS or ABOVE; the script exits 1 when any target is missed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import bootstrap

    bootstrap()

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.common import median
from cxhub import roles
from cxhub.tokens import api_token_create
from journeys.models import Journey

# Tables that grow with the business: a page that scans one of them whole does not scale.
LARGE_TABLES = (
    "tickets_ticket", "tickets_ticketmessage", "tickets_ticketevent", "feedback_response",
    "feedback_answer", "journeys_experiencesignal",
)


@dataclass
class Scenario:
    key: str  # c, f or g: the letter
    name: str
    url: str
    client: Client
    target_ms: float
    max_queries: int | None = None
    explain: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    scenario: Scenario
    p95_ms: float
    median_ms: float
    queries: int
    seq_scans: list[str]
    problems: list[str]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def request(scenario: Scenario) -> float:
    started = time.perf_counter()
    response = scenario.client.get(scenario.url, **scenario.headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"{scenario.name}: {scenario.url} answered {response.status_code}")
    return elapsed


def captured_queries(scenario: Scenario) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        request(scenario)
    return list(captured.captured_queries)


def seq_scans(queries: list[dict[str, str]]) -> list[str]:
    """Large tables that EXPLAIN says a query would read by a sequential scan."""
    found = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for table in LARGE_TABLES:
                if f"Seq Scan on {table} " in plan or plan.rstrip().endswith(f"Seq Scan on {table}"):
                    found.append(f"{table}: {sql[:160]}")
    return found


def measure(scenario: Scenario, runs: int, requests: int) -> Outcome:
    for _ in range(3):
        request(scenario)
    gc.freeze()  # as gunicorn.conf.py does once a worker has loaded the app
    queries = captured_queries(scenario)
    p95s, medians = [], []
    for _ in range(runs):
        times = [request(scenario) for _ in range(requests)]
        p95s.append(percentile(times, 95))
        medians.append(statistics.median(times))
    outcome = Outcome(scenario, median(p95s), median(medians), len(queries), [], [])
    if scenario.explain:
        outcome.seq_scans = seq_scans(queries)
        outcome.problems += [f"sequential scan of {scan}" for scan in outcome.seq_scans]
    if outcome.p95_ms > scenario.target_ms:
        outcome.problems.append(f"p95 {outcome.p95_ms:.1f} ms above {scenario.target_ms:g} ms")
    if scenario.max_queries is not None and outcome.queries > scenario.max_queries:
        outcome.problems.append(f"{outcome.queries} queries, above {scenario.max_queries}")
    return outcome


def report(outcome: Outcome) -> None:
    s = outcome.scenario
    verdict = "PASS" if not outcome.problems else "ABOVE"
    limit = f" (target p95 <= {s.target_ms:g} ms" + (f", <= {s.max_queries} queries" if s.max_queries else "") + ")"
    print(f"  {s.key} {s.name:38} p95 {outcome.p95_ms:7.1f} ms  median {outcome.median_ms:7.1f} ms  "
          f"{outcome.queries:3} queries  {verdict}{limit}", flush=True)
    for problem in outcome.problems:
        print(f"      {problem}")


def deep_page(client: Client, headers: dict[str, str], start: str, page: int) -> str:
    """The URL of page `page` of a cursor-paginated list, reached the way a client would: by `next`."""
    url = start
    for number in range(1, page):
        body = client.get(url, **headers).json()
        if not body.get("next"):
            sys.exit(f"the list ended at page {number}, before page {page}")
        url = body["next"]
        if number % 100 == 0:
            print(f"    followed next to page {number + 1:,}/{page:,}", flush=True)
    return url


def people() -> tuple[object, object]:
    User = get_user_model()
    manager = User.objects.filter(groups__name=roles.CX_MANAGER, is_active=True).order_by("id").first()
    agent = (User.objects.filter(groups__name=roles.SUPPORT_AGENT, is_active=True, teams__isnull=False)
             .order_by("id").first())
    if manager is None or agent is None:
        sys.exit("No CX manager or support agent with a team: generate data first (bench/generate.py).")
    return manager, agent


def scenarios(selected: set[str], deep: int) -> list[Scenario]:
    manager, agent = people()
    manager_client, agent_client, api = Client(), Client(), Client()
    manager_client.force_login(manager)
    agent_client.force_login(agent)
    _, key = api_token_create(user=manager, name="bench pages")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    tickets = reverse("ticket-list")
    team_id = agent.teams.order_by("id").values_list("id", flat=True).first()
    out: list[Scenario] = []
    if "api" in selected:
        out += [
            Scenario("c", "ticket API, default", f"{tickets}?page_size=50", api, 60, headers=auth),
            Scenario("c", "ticket API, open + high priority", f"{tickets}?page_size=50&status=open&priority=high",
                     api, 60, headers=auth),
            Scenario("c", "ticket API, one team, updated since", f"{tickets}?page_size=50&team={team_id}"
                     "&updated_since=2025-01-01T00:00:00Z", api, 60, headers=auth),
        ]
    if "dashboard" in selected:
        out.append(Scenario("f", "dashboard (30 days)", reverse("journeys:dashboard"), manager_client, 150,
                            max_queries=15, explain=True))
    if "journey" in selected:
        journey = Journey.objects.order_by("id").first()
        out.append(Scenario("f", f"journey map ({journey.name[:20]})", reverse("journeys:detail", args=[journey.pk]),
                            manager_client, 150, max_queries=15, explain=True))
    if "queue" in selected:
        out += [
            Scenario("g", "agent queue (default)", reverse("tickets:list"), agent_client, 100),
            Scenario("g", "agent queue (team, open)", f"{reverse('tickets:list')}?queue=team&status=open",
                     agent_client, 100),
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="Requests per run (default 20).")
    parser.add_argument("--only", default="api,dashboard,journey,queue")
    parser.add_argument("--deep-page", type=int, default=1000)
    args = parser.parse_args()
    selected = set(args.only.split(","))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
    print(f"Pages and lists over {tickets:,} tickets in {connection.settings_dict['NAME']}: "
          f"{args.runs} runs of {args.requests} requests each; figures are the median of the runs' p95")
    outcomes = [measure(s, args.runs, args.requests) for s in scenarios(selected, args.deep_page)]
    for outcome in outcomes:
        report(outcome)
    failed = any(outcome.problems for outcome in outcomes)
    if "api" in selected:
        failed |= check_deep_page(outcomes[0].scenario, args.deep_page, args.runs, args.requests)
    sys.exit(1 if failed else 0)


def check_deep_page(first: Scenario, page: int, runs: int, requests: int) -> bool:
    print(f"  c following `next` from page 1 to page {page:,} ...", flush=True)
    url = deep_page(first.client, first.headers, first.url, page)
    deep = Scenario("c", f"ticket API, page {page:,}", url, first.client, first.target_ms, headers=first.headers)
    outcome = measure(deep, runs, requests)
    first_queries = len(captured_queries(first))
    if outcome.queries != first_queries:
        outcome.problems.append(f"{outcome.queries} queries on page {page:,} but {first_queries} on page 1")
    report(outcome)
    print(f"      queries: page 1 {first_queries}, page {page:,} {outcome.queries}")
    return bool(outcome.problems)


if __name__ == "__main__":
    main()
