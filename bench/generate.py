"""Scale data for the benchmarks: customers, tickets, messages, survey answers and their experience signals.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_full .venv/bin/python bench/generate.py \\
        --customers 100000 --tickets 1000000 --responses 1000000 --years 2 [--scale 0.1] [--seed 1] [--force]

PostgreSQL only. The program structure (teams, agents, journeys, stages, touchpoints, surveys, SLA and
routing set-up) is the demo's, built once if the database has no program. Everything else is written by
server-side `INSERT ... SELECT` over `generate_series`, in chunks, each chunk in its own transaction:
every random draw is `hashint8extended(row number, seed + salt)`, so a seed gives the same rows on every
run into an empty database (ids included; only `recorded_at` differs).

The rows follow the rules of the services, without calling them one row at a time:
- tickets: due times from the fallback targets (tickets.sla.fallback, calendar hours by priority; no
  policy is set, as for a ticket no policy matches), team from the touchpoint's owner, an agent of that
  team as assignee, first touch, first response, first resolution, reopen and close times in order, all
  before today's midnight; a few percent still new, open or pending (more among the last days' tickets);
- messages: the customer's message, the first reply, a second reply when the ticket was not solved at
  first contact, and the customer's message and the reply of a reopen;
- signals exactly as tickets.services and feedback.services record them: queue_wait at the first touch,
  first_response, ticket_resolved, sla_met or sla_breached and first_contact_resolution at the first
  resolution, ticket_reopened ("<id>.1") and fcr_revoked (dated at the first resolution) on a reopen;
  one answer signal per response (source "response", value the score); the customer's segment frozen on
  each signal; the same context keys the services write.
- responses: NPS 0-10, CSAT 1-5, CES 1-7 on the touchpoints whose survey exists; about a quarter are
  the support CSAT of a resolved ticket (its customer, its touchpoint, answered after the resolution);
  about a third carry a comment in the customer's language (English, Greek, Vietnamese or Persian) with
  the sentiment the app's analyser gives it.
Not generated: ticket history events, invitations, and the follow-up tickets low answers open.

Then the daily score components are rebuilt with journeys.rollup.recompute_all, so the components and
the watermark agree with the ledger. A database that holds generated data already is refused unless
--force, which first deletes the generated rows (everything linked to the GEN- customers).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script: configure Django before any model is imported
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import bootstrap

    bootstrap()

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bench.common import Progress
from cxhub import roles
from cxhub.demo import builder as demo
from cxhub.demo import texts
from cxhub.models import Team
from feedback.choices import SIGNAL_KINDS
from feedback.models import Response, Survey, SurveyVersion
from feedback.sentiment import analyse
from journeys.models import Customer, Program, Touchpoint
from journeys.rollup import recompute_all
from journeys.scoring import FORMULA_VERSION
from journeys.services import ledger_fence_shared
from tickets.models import Category, ResolutionCode, Ticket, TicketMessage

CUSTOMER_PREFIX = "GEN-C"
TICKET_PREFIX = "GEN-T"
# Rows per INSERT statement: big enough that per-statement costs vanish, small enough that a chunk's
# transaction stays short and the progress line moves every few seconds on a slow machine.
CUSTOMER_CHUNK = 50_000
TICKET_CHUNK = 25_000
RESPONSE_CHUNK = 50_000
SLOTS = 1000  # weighted choices are drawn through a 1,000-slot lookup table
LINKED_SHARE = 0.25  # share of responses that are the support survey of a resolved ticket
COMMENT_RATE = 0.35
SEGMENTS = (("retail", 0.33), ("fleet", 0.07), ("premium", 0.07), ("online", 0.43), ("business", 0.10))
SPREAD = {"nps": 1.5, "csat": 0.75, "ces": 1.0}  # as the demo's _score

Out = Callable[[str], None]


class GenerateError(Exception):
    """The data cannot be generated as asked (not PostgreSQL, data there already, no structure)."""


@dataclass
class Counts:
    customers: int = 0
    tickets: int = 0
    messages: int = 0
    responses: int = 0
    signals: int = 0
    components: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"{self.customers:,} customers, {self.tickets:,} tickets, {self.messages:,} messages, "
                f"{self.responses:,} responses", f"{self.signals:,} signals into {self.components:,} daily rows"]


def generated_data_exists() -> bool:
    return Customer.objects.filter(external_id__startswith=CUSTOMER_PREFIX).exists()


def generate(*, customers: int, tickets: int, responses: int, years: float = 2, seed: int = 1,
             force: bool = False, today: dt.date | None = None, out: Out | None = None) -> Counts:
    """Load the counts asked into the current (PostgreSQL) database and recompute the scores."""
    out = out or functools.partial(print, flush=True)
    if connection.vendor != "postgresql":
        raise GenerateError(f"The generator needs PostgreSQL; this database is {connection.vendor}.")
    if min(customers, tickets, responses) < 1 or years <= 0:
        raise GenerateError("Ask for at least one customer, ticket and response over a positive span.")
    if generated_data_exists():
        if not force:
            raise GenerateError("This database holds generated data already (customers GEN-C...). "
                                "Use an empty database, or --force to delete the generated rows first.")
        out("Deleting the generated data (--force)")
        _delete_generated()
    anchor = timezone.make_aware(dt.datetime.combine(today or timezone.localdate(), dt.time.min))
    gen = _Generator(seed=seed, anchor=anchor, span=dt.timedelta(days=round(365 * years)), out=out)
    counts = Counts()
    gen.structure()
    gen.prepare()
    with _bulk_load(out):
        counts.customers, counts.seconds["customers"] = gen.customers(customers)
        counts.tickets, counts.messages, ticket_signals, counts.seconds["tickets"] = gen.tickets(tickets)
        counts.responses, answer_signals, counts.seconds["responses"] = gen.responses(responses)
    _check_references()
    counts.signals = ticket_signals + answer_signals
    started = time.monotonic()
    out("Scores: journeys.rollup.recompute_all over the whole ledger")
    progress = Progress("daily components", 0, out=out)
    result = recompute_all(progress=progress)
    counts.components = result.touchpoint_days
    progress.finish(result.touchpoint_days, f", watermark {result.watermark}")
    counts.seconds["recompute"] = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the benchmarks' plans
    return counts


@contextlib.contextmanager
def _bulk_load(out: Out) -> Iterator[None]:
    """Load without waiting for each commit's WAL flush, and without the per-row foreign-key triggers
    when the role may skip them (a superuser's session).

    Every reference is drawn from ids that exist, and _check_references proves it afterwards; the
    triggers would check the same thing row by row, which roughly doubles the loading time.
    """
    with connection.cursor() as cursor:
        # A crash while loading loses at most the last chunks, which a re-run with --force redoes.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET session_replication_role = replica")
        else:
            out("  (not a superuser: foreign keys are checked row by row, which is slower)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = DEFAULT")
            if superuser:
                cursor.execute("SET session_replication_role = DEFAULT")


# (child table, column, parent table) for every reference the generator writes.
_REFERENCES = (
    ("tickets_ticket", "customer_id", "journeys_customer"),
    ("tickets_ticket", "touchpoint_id", "journeys_touchpoint"),
    ("tickets_ticket", "team_id", "cxhub_team"),
    ("tickets_ticket", "assignee_id", "auth_user"),
    ("tickets_ticket", "category_id", "tickets_category"),
    ("tickets_ticket", "resolution_code_id", "tickets_resolutioncode"),
    ("tickets_ticketmessage", "ticket_id", "tickets_ticket"),
    ("tickets_ticketmessage", "author_id", "auth_user"),
    ("feedback_response", "customer_id", "journeys_customer"),
    ("feedback_response", "touchpoint_id", "journeys_touchpoint"),
    ("feedback_response", "ticket_id", "tickets_ticket"),
    ("feedback_response", "survey_id", "feedback_survey"),
    ("feedback_response", "version_id", "feedback_surveyversion"),
    ("journeys_experiencesignal", "customer_id", "journeys_customer"),
    ("journeys_experiencesignal", "touchpoint_id", "journeys_touchpoint"),
)


def _check_references() -> None:
    with connection.cursor() as cursor:
        for child, column, parent in _REFERENCES:
            cursor.execute(f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
                           f"(SELECT 1 FROM {parent} p WHERE p.id = c.{column})")
            dangling = cursor.fetchone()[0]
            if dangling:
                raise GenerateError(f"{dangling} rows of {child}.{column} point to no {parent} row.")


def _delete_generated() -> None:
    customers = "SELECT id FROM journeys_customer WHERE external_id LIKE 'GEN-C%%'"
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (
            f"DELETE FROM journeys_experiencesignal WHERE customer_id IN ({customers})",
            f"DELETE FROM feedback_response WHERE customer_id IN ({customers})",
            f"DELETE FROM tickets_ticketmessage WHERE ticket_id IN "
            f"(SELECT id FROM tickets_ticket WHERE customer_id IN ({customers}))",
            f"DELETE FROM tickets_ticket WHERE customer_id IN ({customers})",
            "DELETE FROM journeys_customer WHERE external_id LIKE 'GEN-C%%'",
        ):
            cursor.execute(sql)


def _coprime_step(modulus: int) -> int:
    step = 1_000_003
    while math.gcd(step, modulus) != 1:
        step += 2
    return step


class _Generator:
    def __init__(self, *, seed: int, anchor: dt.datetime, span: dt.timedelta, out: Out) -> None:
        self.seed = seed
        self.anchor = anchor
        self.start = anchor - span
        self.span = span
        self.out = out
        self.customer_base = self.ticket_base = self.response_base = 0
        self.n_customers = self.n_tickets = 0

    # --- structure and lookup tables ---

    def structure(self) -> None:
        if Program.objects.exists():
            self.out("Structure: a program exists, using its touchpoints and surveys")
            return
        self.out("Structure: the demo's teams, agents, program, journeys, touchpoints, surveys and service desk")
        # The demo builder's structure steps without its customers, tickets and answers (those are ours).
        build = demo._Builder(demo.DemoOptions(seed=self.seed, today=self.anchor.date()), demo.SilentReporter())
        with transaction.atomic():
            build._teams_and_users()
            build._structure()
            build._surveys()
            build._service_desk()

    def prepare(self) -> None:
        """Session-local random functions and lookup tables the INSERT ... SELECT statements join."""
        specs = {spec.name: spec for journey in demo.JOURNEYS for stage in journey.stages
                 for spec in stage.touchpoints}
        agent_ids = list(get_user_model().objects.filter(groups__name=roles.SUPPORT_AGENT, is_active=True)
                         .order_by("id").values_list("id", flat=True))
        if not agent_ids:
            raise GenerateError("No support agent exists to assign tickets to.")
        members: dict[int, list[int]] = {}
        for team_id, user_id in (Team.members.through.objects.filter(user_id__in=agent_ids)
                                 .order_by("team_id", "user_id").values_list("team_id", "user_id")):
            members.setdefault(team_id, []).append(user_id)
        categories = {c.name: c.pk for c in Category.objects.all()}
        touchpoints = list(Touchpoint.objects.filter(is_active=True).select_related("owner_team").order_by("id"))
        if not touchpoints:
            raise GenerateError("No active touchpoint to generate data on.")
        tp_rows, weights = [], []
        for idx, tp in enumerate(touchpoints):
            spec = specs.get(tp.name)
            quality, trend = (spec.quality, spec.trend) if spec else (0.7, 0.0)
            team_name = tp.owner_team.name if tp.owner_team else ""
            tp_rows.append((
                idx, tp.pk, tp.owner_team_id, categories.get(demo.TEAM_CATEGORIES.get(team_name, "")),
                quality, trend, tp.channel, bool(spec and spec.urgent),
                list(spec.subjects if spec else ("Question about my visit",)),
                members.get(tp.owner_team_id) or agent_ids,
            ))
            weights.append((spec.ticket_rate if spec else 0.05) * (1.6 - quality))
        surveys = list(Survey.objects.filter(audience="customers", is_active=True).order_by("id"))
        versions = {s.pk: SurveyVersion.objects.filter(survey=s, number=s.version).values_list("id", flat=True)
                    .first() for s in surveys}
        tp_index = {tp.pk: idx for idx, tp in enumerate(touchpoints)}
        survey_rows = [
            (i, s.pk, versions[s.pk], s.version, s.kind, s.scale_min, s.scale_max, SIGNAL_KINDS[s.kind],
             SPREAD[s.kind], tp_index.get(s.touchpoint_id))
            for i, s in enumerate(surveys)
        ]
        on_touchpoints = [row for row in survey_rows if row[9] is not None]
        if not on_touchpoints:
            raise GenerateError("No active survey on an active touchpoint to answer.")
        support = next((row for row in survey_rows if row[9] is None and row[4] == "csat"
                        and surveys[row[0]].name == demo.SUPPORT_SURVEY), None)
        self.support_idx = support[0] if support else None
        self.codes = list(ResolutionCode.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
        comment_rows = []
        for language in ("en", "el", "vi", "fa"):
            for tone in (texts.PRAISE, texts.COMPLAINT, texts.NEUTRAL):
                pool = [s.text for s in texts.SENTENCES if s.language == language and s.tone == tone]
                pool = pool or [s.text for s in texts.SENTENCES if s.language == language]
                comment_rows += [(language, tone, i, len(pool), text, analyse(text, language=language))
                                 for i, text in enumerate(pool)]
        with connection.cursor() as cursor:
            seed_base = (self.seed * 7919) % (2**40)
            cursor.execute(f"""
                CREATE OR REPLACE FUNCTION pg_temp.rnd(n bigint, salt integer) RETURNS double precision
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
                $$ SELECT (hashint8extended(n, {seed_base} + salt) & 2147483647)::double precision
                          / 2147483648.0 $$""")
            cursor.execute("""
                CREATE OR REPLACE FUNCTION pg_temp.gauss(n bigint, salt integer) RETURNS double precision
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
                $$ SELECT sqrt(-2 * ln(1 - pg_temp.rnd(n, salt))) * cos(2 * pi() * pg_temp.rnd(n, salt + 1)) $$""")
            for table in ("gen_tp", "gen_tp_slot", "gen_survey", "gen_survey_slot", "gen_comment"):
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
            cursor.execute("""CREATE TEMP TABLE gen_tp (idx int PRIMARY KEY, touchpoint_id bigint UNIQUE,
                team_id bigint, category_id bigint, quality float8, trend float8, channel text, urgent bool,
                subjects text[], agents int[])""")
            cursor.executemany("INSERT INTO gen_tp VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", tp_rows)
            cursor.execute("CREATE TEMP TABLE gen_tp_slot (slot int PRIMARY KEY, tp int)")
            cursor.executemany("INSERT INTO gen_tp_slot VALUES (%s, %s)", enumerate(_slots(weights)))
            cursor.execute("""CREATE TEMP TABLE gen_survey (idx int PRIMARY KEY, survey_id bigint,
                version_id bigint, version int, kind text, low int, high int, signal_kind text, spread float8,
                tp int)""")
            cursor.executemany("INSERT INTO gen_survey VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                               survey_rows)
            cursor.execute("CREATE TEMP TABLE gen_survey_slot (slot int PRIMARY KEY, sv int)")
            cursor.executemany("INSERT INTO gen_survey_slot VALUES (%s, %s)",
                               enumerate(_slots([1.0 if row[9] is not None else 0.0 for row in survey_rows])))
            cursor.execute("""CREATE TEMP TABLE gen_comment (language text, tone text, idx int, cnt int,
                body text, sentiment text, PRIMARY KEY (language, tone, idx))""")
            cursor.executemany("INSERT INTO gen_comment VALUES (%s, %s, %s, %s, %s, %s)", comment_rows)
            for table in ("gen_tp", "gen_tp_slot", "gen_survey", "gen_survey_slot", "gen_comment"):
                cursor.execute(f"ANALYZE {table}")

    def _base(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            return cursor.fetchone()[0]

    def _fix_sequence(self, table: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT coalesce(max(id), 1) FROM {table}))")

    def _params(self, **extra: object) -> dict[str, object]:
        return {"anchor": self.anchor, "start": self.start, "span": self.span,
                "span_s": self.span.total_seconds(), **extra}

    # --- customers ---

    def customers(self, total: int) -> tuple[int, float]:
        self.out(f"Customers: {total:,}")
        table = Customer._meta.db_table
        self.customer_base = self._base(table)
        self.n_customers = total
        progress = Progress("customers", total, out=self.out)
        segment_case = _weighted_case("pg_temp.rnd(n, 2)", SEGMENTS)
        language_case = _weighted_case("pg_temp.rnd(n, 1)", texts.LANGUAGE_MIX)
        sql = f"""
            INSERT INTO {table} (id, name, email, external_id, segment, language, created_at, updated_at)
            SELECT %(base)s + n,
                   CASE language
                     WHEN 'el' THEN CASE WHEN female THEN {_pick('el_gf', 3)} || ' ' || {_pick('el_ff', 4)}
                                         ELSE {_pick('el_gm', 3)} || ' ' || {_pick('el_fm', 4)} END
                     WHEN 'vi' THEN {_pick('vi_f', 4)} || ' ' || CASE WHEN female
                                         THEN {_pick('vi_mf', 5)} || ' ' || {_pick('vi_gf', 3)}
                                         ELSE {_pick('vi_mm', 5)} || ' ' || {_pick('vi_gm', 3)} END
                     WHEN 'fa' THEN {_pick('fa_g', 3)} || ' ' || {_pick('fa_f', 4)}
                     ELSE {_pick('en_g', 3)} || ' ' || {_pick('en_f', 4)} END,
                   'customer' || n || '@example.com',
                   '{CUSTOMER_PREFIX}' || lpad(n::text, 7, '0'), segment, language, since, since
            FROM (SELECT n, {language_case} AS language, {segment_case} AS segment,
                         pg_temp.rnd(n, 6) < 0.5 AS female,
                         %(start)s::timestamptz - pg_temp.rnd(n, 7) * interval '180 days' AS since
                  FROM generate_series(%(a)s::bigint, %(b)s::bigint) AS n) AS g"""
        names = {
            "el_gf": texts.GREEK_GIVEN_FEMALE, "el_ff": texts.GREEK_FAMILY_FEMALE,
            "el_gm": texts.GREEK_GIVEN_MALE, "el_fm": texts.GREEK_FAMILY_MALE,
            "vi_f": texts.VIETNAMESE_FAMILY, "vi_mf": texts.VIETNAMESE_MIDDLE_FEMALE,
            "vi_gf": texts.VIETNAMESE_GIVEN_FEMALE, "vi_mm": texts.VIETNAMESE_MIDDLE_MALE,
            "vi_gm": texts.VIETNAMESE_GIVEN_MALE, "fa_g": texts.PERSIAN_GIVEN, "fa_f": texts.PERSIAN_FAMILY,
            "en_g": texts.ENGLISH_GIVEN, "en_f": texts.ENGLISH_FAMILY,
        }
        for a in range(1, total + 1, CUSTOMER_CHUNK):
            b = min(a + CUSTOMER_CHUNK - 1, total)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, self._params(a=a, b=b, base=self.customer_base,
                                                 **{k: list(v) for k, v in names.items()}))
            progress(b)
        self._fix_sequence(table)
        return total, progress.finish(total)

    # --- tickets, their messages and signals ---

    def tickets(self, total: int) -> tuple[int, int, int, float]:
        self.out(f"Tickets: {total:,}, with their messages and signals")
        self.ticket_base = self._base(Ticket._meta.db_table)
        self.n_tickets = total
        progress = Progress("tickets", total, out=self.out)
        messages = signals = 0
        for a in range(1, total + 1, TICKET_CHUNK):
            b = min(a + TICKET_CHUNK - 1, total)
            params = self._params(a=a, b=b, tbase=self.ticket_base, cbase=self.customer_base,
                                  ncust=self.n_customers, codes=self.codes or [None],
                                  first_replies=list(texts.FIRST_REPLIES), ask=list(texts.ASK_CUSTOMER),
                                  resolutions=list(texts.RESOLUTIONS), reopens=list(texts.REOPEN_MESSAGES))
            with transaction.atomic(), connection.cursor() as cursor:
                ledger_fence_shared()
                # Dropped here as well as on commit: inside a test's transaction nothing commits.
                cursor.execute("DROP TABLE IF EXISTS pg_temp.gen_plan")
                cursor.execute(("CREATE TEMP TABLE gen_plan ON COMMIT DROP AS " + TICKET_PLAN), params)
                cursor.execute(TICKET_INSERT)
                cursor.execute(MESSAGE_INSERT, params)
                messages += cursor.rowcount
                cursor.execute(TICKET_SIGNAL_INSERT)
                signals += cursor.rowcount
            progress(b)
        self._fix_sequence(Ticket._meta.db_table)
        self._fix_sequence(TicketMessage._meta.db_table)
        return total, messages, signals, progress.finish(total, f", {messages:,} messages, {signals:,} signals")

    # --- survey responses and their signals ---

    def responses(self, total: int) -> tuple[int, int, float]:
        self.out(f"Survey responses: {total:,}, with their signals")
        self.response_base = self._base(Response._meta.db_table)
        progress = Progress("responses", total, out=self.out)
        signals = 0
        for a in range(1, total + 1, RESPONSE_CHUNK):
            b = min(a + RESPONSE_CHUNK - 1, total)
            params = self._params(
                a=a, b=b, rbase=self.response_base, tbase=self.ticket_base, ntickets=self.n_tickets,
                step=_coprime_step(self.n_tickets), cbase=self.customer_base, ncust=self.n_customers,
                link_share=LINKED_SHARE if self.support_idx is not None else 0.0,
                support=self.support_idx if self.support_idx is not None else -1,
                comment_rate=COMMENT_RATE, formula=FORMULA_VERSION,
            )
            with transaction.atomic(), connection.cursor() as cursor:
                ledger_fence_shared()
                cursor.execute("DROP TABLE IF EXISTS pg_temp.gen_rplan")
                cursor.execute(("CREATE TEMP TABLE gen_rplan ON COMMIT DROP AS " + RESPONSE_PLAN), params)
                cursor.execute(RESPONSE_INSERT, params)
                cursor.execute(RESPONSE_SIGNAL_INSERT, params)
                signals += cursor.rowcount
            progress(b)
        self._fix_sequence(Response._meta.db_table)
        return total, signals, progress.finish(total, f", {signals:,} signals")


def _slots(weights: list[float]) -> list[int]:
    """SLOTS entries, each an index into `weights`, appearing in proportion to its weight (zero: never)."""
    chosen = [(i, w) for i, w in enumerate(weights) if w > 0]
    total = sum(w for _, w in chosen)
    slots, acc, k = [], 0.0, 0
    bounds = []
    for _, w in chosen:
        acc += w / total
        bounds.append(acc)
    for slot in range(SLOTS):
        point = (slot + 0.5) / SLOTS
        while k < len(bounds) - 1 and bounds[k] < point:
            k += 1
        slots.append(chosen[k][0])
    return slots


def _pick(param: str, salt: int) -> str:
    return f"(%({param})s::text[])[1 + floor(pg_temp.rnd(n, {salt}) * cardinality(%({param})s::text[]))::int]"


def _weighted_case(draw: str, options: tuple[tuple[str, float], ...]) -> str:
    total = sum(weight for _, weight in options)
    acc, parts = 0.0, []
    for value, weight in options[:-1]:
        acc += weight / total
        parts.append(f"WHEN {draw} < {acc:.6f} THEN '{value}'")
    return f"CASE {' '.join(parts)} ELSE '{options[-1][0]}' END"


def _hours(expr: str) -> str:
    return f"(({expr}) * interval '1 hour')"


# One chunk of tickets, planned in full: every time, flag and text, from the row number n alone.
TICKET_PLAN = f"""
WITH g AS (
  SELECT n, %(tbase)s + n AS id,
         %(cbase)s + 1 + floor(pg_temp.rnd(n, 11) * %(ncust)s)::bigint AS customer_id,
         s.tp, %(start)s::timestamptz + pg_temp.rnd(n, 12) * %(span)s::interval AS created
  FROM generate_series(%(a)s::bigint, %(b)s::bigint) AS n
  JOIN gen_tp_slot s ON s.slot = floor(pg_temp.rnd(n, 10) * {SLOTS})::int
), p AS MATERIALIZED (
  SELECT g.*, tp.touchpoint_id, tp.team_id, tp.category_id, c.segment, c.language,
         least(greatest(tp.quality + tp.trend * extract(epoch FROM g.created - %(start)s::timestamptz)
                        / %(span_s)s, 0.03), 0.98) AS q,
         CASE WHEN tp.urgent THEN CASE WHEN pg_temp.rnd(n, 13) < 0.6 THEN 'urgent' ELSE 'high' END
              ELSE {_weighted_case("pg_temp.rnd(n, 13)",
                                   (("low", .15), ("normal", .6), ("high", .2), ("urgent", .05)))} END AS priority,
         CASE WHEN tp.channel IN ('phone', 'chat', 'email') THEN tp.channel
              ELSE {_weighted_case("pg_temp.rnd(n, 14)", (("email", .5), ("phone", .3), ("web", .2)))} END
           AS channel,
         tp.agents[1 + floor(pg_temp.rnd(n, 15) * cardinality(tp.agents))::int] AS assignee_id,
         tp.subjects[1 + floor(pg_temp.rnd(n, 16) * cardinality(tp.subjects))::int] AS subject,
         extract(epoch FROM %(anchor)s::timestamptz - g.created) / 86400 AS age_days
  FROM g JOIN gen_tp tp ON tp.idx = g.tp JOIN journeys_customer c ON c.id = g.customer_id
), d AS MATERIALIZED (
  SELECT p.*,
         CASE priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 4 WHEN 'normal' THEN 8 ELSE 24 END AS fr_h,
         CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 24 WHEN 'normal' THEN 72 ELSE 120 END AS res_h,
         pg_temp.rnd(n, 17) < 0.012 + CASE WHEN age_days < 3 THEN 0.5 WHEN age_days < 14 THEN 0.1 ELSE 0 END
           AS stays_open,
         pg_temp.rnd(n, 18) AS open_kind,
         pg_temp.rnd(n, 19) < 0.25 + 0.5 * q AS fcr_first,
         pg_temp.rnd(n, 20) < 0.04 + 0.22 * (1 - q) AS reopens
  FROM p
), t AS MATERIALIZED (
  SELECT d.*, created + {_hours("0.03 + 0.67 * pg_temp.rnd(n, 21)")} AS touched
  FROM d
), t2 AS MATERIALIZED (
  SELECT t.*, greatest(touched + interval '72 seconds',
                       created + {_hours("fr_h * exp(ln(0.12 + 1.1 * (1 - q)) + 0.6 * pg_temp.gauss(n, 22))")})
                AS responded
  FROM t
), t3 AS MATERIALIZED (
  SELECT t2.*,
         CASE WHEN fcr_first THEN responded + {_hours("0.1 + 2.9 * pg_temp.rnd(n, 24)")}
              ELSE greatest(responded + {_hours("0.5 + 3.5 * pg_temp.rnd(n, 24)")},
                            created + {_hours("res_h * exp(ln(0.2 + 1.4 * (1 - q)) + 0.45 * pg_temp.gauss(n, 25))")})
         END AS resolved1
  FROM t2
), t4 AS MATERIALIZED (
  SELECT t3.*,
         resolved1 - {_hours("0.05 + 0.35 * pg_temp.rnd(n, 27)")} AS reply2,
         resolved1 + {_hours("4 + 68 * pg_temp.rnd(n, 28)")} AS reopened
  FROM t3
), t5 AS MATERIALIZED (
  SELECT t4.*, reopened + {_hours("fr_h * (0.1 + 1.1 * pg_temp.rnd(n, 29))")} AS reply3
  FROM t4
), t6 AS MATERIALIZED (
  SELECT t5.*, reply3 + {_hours("1 + 23 * pg_temp.rnd(n, 30)")} AS resolved2
  FROM t5
), f AS MATERIALIZED (
  SELECT t6.*,
         NOT (stays_open AND open_kind < 0.25) AND touched < %(anchor)s AS has_touch
  FROM t6
), f2 AS MATERIALIZED (
  SELECT f.*, has_touch AND responded < %(anchor)s AS has_resp FROM f
), f3 AS MATERIALIZED (
  SELECT f2.*, has_resp AND NOT stays_open AND resolved1 < %(anchor)s AS has_res FROM f2
), f4 AS MATERIALIZED (
  SELECT f3.*, has_res AND reopens AND reopened < %(anchor)s AS has_reopen FROM f3
), f5 AS MATERIALIZED (
  SELECT f4.*, has_reopen AND reply3 < %(anchor)s AS has_reply3,
         has_reopen AND resolved2 < %(anchor)s AS has_res2,
         CASE WHEN has_reopen THEN resolved2 ELSE resolved1 END
           + pg_temp.rnd(n, 31) * interval '3 days' + interval '4 days' AS closes
  FROM f4
), f6 AS MATERIALIZED (
  SELECT f5.*, has_res AND (NOT has_reopen OR has_res2) AND closes < %(anchor)s AS has_close,
         created + fr_h * interval '1 hour' AS first_due, created + res_h * interval '1 hour' AS res_due
  FROM f5
)
SELECT n, id, customer_id, segment, language, touchpoint_id, team_id, category_id, assignee_id, priority,
       channel, subject, created, first_due, res_due, fcr_first, has_resp,
       CASE WHEN NOT has_resp THEN 'new'
            WHEN NOT has_res THEN CASE WHEN stays_open AND open_kind < 0.55 THEN 'pending' ELSE 'open' END
            WHEN has_reopen AND NOT has_res2 THEN 'open'
            WHEN has_close THEN 'closed' ELSE 'resolved' END AS status,
       CASE WHEN has_touch THEN touched END AS touched_at,
       CASE WHEN has_resp THEN responded END AS responded_at,
       CASE WHEN has_res THEN resolved1 END AS resolved1_at,
       CASE WHEN has_res AND NOT fcr_first THEN reply2 END AS reply2_at,
       CASE WHEN has_reopen THEN reopened END AS reopened_at,
       CASE WHEN has_reply3 THEN reply3 END AS reply3_at,
       CASE WHEN has_res2 THEN resolved2 WHEN has_res AND NOT has_reopen THEN resolved1 END AS resolved_at,
       CASE WHEN has_close THEN closes END AS closed_at,
       has_res AND resolved1 > res_due AS res_breached,
       CASE WHEN has_res AND (NOT has_reopen OR has_res2) THEN
                 CASE WHEN responded > first_due OR resolved1 > res_due THEN 'breached' ELSE 'ok' END
            WHEN (has_resp AND responded > first_due) OR (NOT has_resp AND %(anchor)s > first_due)
                 OR %(anchor)s > res_due THEN 'breached'
            WHEN %(anchor)s > created + 0.8 * res_h * interval '1 hour' THEN 'at_risk'
            ELSE 'ok' END AS sla_status,
       CASE WHEN has_res THEN (%(codes)s::bigint[])[1 + floor(pg_temp.rnd(n, 32)
            * cardinality(%(codes)s::bigint[]))::int] END AS resolution_code_id,
       greatest(created, CASE WHEN has_touch THEN touched END, CASE WHEN has_resp THEN responded END,
                CASE WHEN has_res THEN resolved1 END, CASE WHEN has_res AND NOT fcr_first THEN reply2 END,
                CASE WHEN has_reopen THEN reopened END, CASE WHEN has_reply3 THEN reply3 END,
                CASE WHEN has_res2 THEN resolved2 END, CASE WHEN has_close THEN closes END) AS updated,
       has_reopen
FROM f6
"""

TICKET_INSERT = """
INSERT INTO tickets_ticket (id, subject, customer_id, touchpoint_id, channel, priority, status, team_id,
    assignee_id, created_by_id, external_id, created_at, updated_at, first_response_due_at, resolution_due_at,
    first_response_at, first_resolved_at, resolved_at, closed_at, reopen_count, first_contact_resolution,
    category_id, resolution_code_id, custom_fields, sla_policy_id, next_response_due_at, sla_status,
    routing_rule_id, first_touched_at, merged_into_id)
SELECT id, subject, customer_id, touchpoint_id, channel, priority, status, team_id,
       assignee_id, NULL, 'GEN-T' || lpad(n::text, 8, '0'), created, updated, first_due, res_due,
       responded_at, resolved1_at, resolved_at, closed_at, has_reopen::int,
       resolved1_at IS NOT NULL AND fcr_first AND NOT has_reopen,
       category_id, resolution_code_id, '{}'::jsonb, NULL, NULL, sla_status, NULL, touched_at, NULL
FROM gen_plan ORDER BY id
"""


def _sentence(alias: str, language: str, tone: str, salt: int) -> str:
    return (f"JOIN gen_comment {alias} ON {alias}.language = {language} AND {alias}.tone = {tone} "
            f"AND {alias}.idx = floor(pg_temp.rnd(n, {salt}) * {alias}.cnt)::int")


MESSAGE_INSERT = f"""
INSERT INTO tickets_ticketmessage (ticket_id, kind, author_id, body, created_at)
SELECT ticket_id, kind, author_id, body, created_at FROM (
  SELECT p.id AS ticket_id, 'customer' AS kind, NULL::int AS author_id, c.body, p.created AS created_at, 1 AS o
  FROM gen_plan p {_sentence("c", "p.language",
                             "CASE WHEN pg_temp.rnd(n, 40) < 0.7 THEN 'complaint' ELSE 'neutral' END", 41)}
  UNION ALL
  SELECT id, 'reply', assignee_id,
         CASE WHEN status = 'pending' THEN (%(ask)s::text[])[1 + floor(pg_temp.rnd(n, 42)
                   * cardinality(%(ask)s::text[]))::int]
              ELSE (%(first_replies)s::text[])[1 + floor(pg_temp.rnd(n, 42)
                   * cardinality(%(first_replies)s::text[]))::int] END,
         responded_at, 2
  FROM gen_plan WHERE responded_at IS NOT NULL
  UNION ALL
  SELECT id, 'reply', assignee_id, (%(resolutions)s::text[])[1 + floor(pg_temp.rnd(n, 43)
         * cardinality(%(resolutions)s::text[]))::int], reply2_at, 3
  FROM gen_plan WHERE reply2_at IS NOT NULL
  UNION ALL
  SELECT id, 'customer', NULL, (%(reopens)s::text[])[1 + floor(pg_temp.rnd(n, 44)
         * cardinality(%(reopens)s::text[]))::int], reopened_at, 4
  FROM gen_plan WHERE reopened_at IS NOT NULL
  UNION ALL
  SELECT id, 'reply', assignee_id, (%(resolutions)s::text[])[1 + floor(pg_temp.rnd(n, 45)
         * cardinality(%(resolutions)s::text[]))::int], reply3_at, 5
  FROM gen_plan WHERE reply3_at IS NOT NULL
) AS m ORDER BY ticket_id, o
"""

_TICKET_CONTEXT = ("jsonb_build_object('team_id', team_id, 'assignee_id', assignee_id, 'priority', priority, "
                   "'channel', channel)")

# The signals tickets.services records for these tickets, as they would have been recorded.
TICKET_SIGNAL_INSERT = f"""
INSERT INTO journeys_experiencesignal (touchpoint_id, customer_id, kind, value, segment, source, source_id,
    occurred_at, recorded_at, context, external_id)
SELECT touchpoint_id, customer_id, kind, value, segment, 'ticket', source_id, occurred_at, now(),
       {_TICKET_CONTEXT}, ''
FROM (
  SELECT p.*, 'queue_wait' AS kind, greatest(0, round(extract(epoch FROM touched_at - created)))::float8 AS value,
         id::text AS source_id, touched_at AS occurred_at, 1 AS o
  FROM gen_plan p WHERE touched_at IS NOT NULL
  UNION ALL
  SELECT p.*, 'first_response', round(extract(epoch FROM responded_at - created))::float8, id::text,
         responded_at, 2
  FROM gen_plan p WHERE responded_at IS NOT NULL
  UNION ALL
  SELECT p.*, 'ticket_resolved', round(extract(epoch FROM resolved1_at - created))::float8, id::text,
         resolved1_at, 3
  FROM gen_plan p WHERE resolved1_at IS NOT NULL
  UNION ALL
  SELECT p.*, CASE WHEN res_breached THEN 'sla_breached' ELSE 'sla_met' END, NULL, id::text, resolved1_at, 4
  FROM gen_plan p WHERE resolved1_at IS NOT NULL
  UNION ALL
  SELECT p.*, 'first_contact_resolution', NULL, id::text, resolved1_at, 5
  FROM gen_plan p WHERE resolved1_at IS NOT NULL AND fcr_first
  UNION ALL
  SELECT p.*, 'ticket_reopened', NULL, id || '.1', reopened_at, 6
  FROM gen_plan p WHERE reopened_at IS NOT NULL
  UNION ALL
  SELECT p.*, 'fcr_revoked', NULL, id::text, resolved1_at, 7
  FROM gen_plan p WHERE reopened_at IS NOT NULL AND fcr_first
) AS s ORDER BY occurred_at, id, o
"""

# One chunk of responses: a share answer the support survey of a resolved ticket (picked without
# repeats by a step coprime to the number of tickets), the rest a touchpoint's own survey.
RESPONSE_PLAN = """
WITH g AS (
  SELECT n, %(rbase)s + n AS id, pg_temp.rnd(n, 50) < %(link_share)s AS want_link,
         %(tbase)s + 1 + mod(n * %(step)s, greatest(%(ntickets)s, 1))::bigint AS pick_ticket,
         s.sv, %(cbase)s + 1 + floor(pg_temp.rnd(n, 52) * %(ncust)s)::bigint AS pick_customer,
         %(start)s::timestamptz + pg_temp.rnd(n, 53) * %(span)s::interval AS pick_at,
         (0.5 + 29.5 * pg_temp.rnd(n, 54)) * interval '1 hour' AS delay
  FROM generate_series(%(a)s::bigint, %(b)s::bigint) AS n
  JOIN gen_survey_slot s ON s.slot = floor(pg_temp.rnd(n, 51) * 1000)::int
), l AS MATERIALIZED (
  SELECT g.*, t.id AS ticket_id, t.customer_id AS t_customer, t.touchpoint_id AS t_touchpoint,
         t.first_resolved_at + g.delay AS t_at, t.team_id, t.assignee_id, t.sla_status
  FROM g LEFT JOIN tickets_ticket t
    ON g.want_link AND t.id = g.pick_ticket AND t.first_resolved_at IS NOT NULL
       AND t.first_resolved_at + g.delay < %(anchor)s
), x AS MATERIALIZED (
  SELECT l.n, l.id, l.ticket_id, l.team_id, l.assignee_id, l.sla_status,
         CASE WHEN l.ticket_id IS NOT NULL THEN %(support)s ELSE l.sv END AS sv,
         coalesce(l.t_customer, l.pick_customer) AS customer_id,
         coalesce(l.t_touchpoint, stp.touchpoint_id) AS touchpoint_id,
         CASE WHEN l.ticket_id IS NOT NULL THEN l.t_at ELSE l.pick_at END AS answered_at
  FROM l JOIN gen_survey ls ON ls.idx = l.sv LEFT JOIN gen_tp stp ON stp.idx = ls.tp
), y AS MATERIALIZED (
  SELECT x.*, sv.survey_id, sv.version_id, sv.version, sv.kind, sv.low, sv.high, sv.signal_kind, sv.spread,
         c.segment, c.language,
         least(greatest(tp.quality + tp.trend * extract(epoch FROM x.answered_at - %(start)s::timestamptz)
                        / %(span_s)s
                        - CASE WHEN x.sla_status = 'breached' THEN 0.3 ELSE 0 END
                        + 0.06 * pg_temp.gauss(x.customer_id, 55), 0.03), 0.98) AS q
  FROM x JOIN gen_survey sv ON sv.idx = x.sv JOIN journeys_customer c ON c.id = x.customer_id
         JOIN gen_tp tp ON tp.touchpoint_id = x.touchpoint_id
), z AS MATERIALIZED (
  SELECT y.*, least(greatest(round(low + q * (high - low) + spread * pg_temp.gauss(n, 57)), low), high)::int
           AS score
  FROM y
), w AS MATERIALIZED (
  SELECT z.*, pg_temp.rnd(n, 59) < %(comment_rate)s AS commented,
         CASE WHEN pg_temp.rnd(n, 60) < 0.25 THEN 'neutral'
              WHEN (score - low)::float8 / (high - low) >= 0.75 THEN 'praise'
              WHEN (score - low)::float8 / (high - low) <= 0.45 THEN 'complaint' ELSE 'neutral' END AS tone
  FROM z
)
SELECT w.*, coalesce(cm.body, '') AS comment, coalesce(cm.sentiment, 'unknown') AS sentiment
FROM w LEFT JOIN gen_comment cm
  ON w.commented AND cm.language = w.language AND cm.tone = w.tone
     AND cm.idx = floor(pg_temp.rnd(w.n, 61) * cm.cnt)::int
"""

RESPONSE_INSERT = """
INSERT INTO feedback_response (id, survey_id, customer_id, touchpoint_id, ticket_id, score, comment, language,
    scale_min, scale_max, survey_version, version_id, answers, formula_version, invitation_id, sentiment,
    follow_up_ticket_id, loop_closed_at, answered_at, created_at, external_id)
SELECT id, survey_id, customer_id, touchpoint_id, ticket_id, score, comment, language, low, high, version,
       version_id, '{}'::jsonb, %(formula)s, NULL, sentiment, NULL, NULL, answered_at, answered_at, ''
FROM gen_rplan ORDER BY id
"""

# The answer signal feedback.services.response_submit records, with the context it freezes.
RESPONSE_SIGNAL_INSERT = """
INSERT INTO journeys_experiencesignal (touchpoint_id, customer_id, kind, value, segment, source, source_id,
    occurred_at, recorded_at, context, external_id)
SELECT touchpoint_id, customer_id, signal_kind, score, segment, 'response', id::text, answered_at, now(),
       jsonb_build_object(
         'survey_id', survey_id, 'survey_version', version, 'scale', jsonb_build_array(low, high),
         'formula_version', %(formula)s::text, 'touchpoint_id', touchpoint_id, 'ticket_id', ticket_id,
         'ticket_team_id', team_id, 'ticket_assignee_id', assignee_id,
         'ticket_touchpoint_id', CASE WHEN ticket_id IS NOT NULL THEN touchpoint_id END,
         'ticket_status', CASE WHEN ticket_id IS NOT NULL THEN 'resolved' END,
         'ticket_sla', CASE WHEN ticket_id IS NULL THEN NULL WHEN sla_status = 'breached' THEN 'breached'
                            ELSE 'met' END),
       ''
FROM gen_rplan ORDER BY answered_at, id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=2, help="Span of history ending today (default 2).")
    parser.add_argument("--scale", type=float, default=1.0, help="Multiply the three counts (e.g. 0.1).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="Delete generated data already there first.")
    args = parser.parse_args()
    counts = {name: max(1, round(getattr(args, name) * args.scale)) for name in ("customers", "tickets", "responses")}
    db = connection.settings_dict["NAME"]
    print(f"Generating into {db}: {counts['customers']:,} customers, {counts['tickets']:,} tickets, "
          f"{counts['responses']:,} responses over {args.years:g} years, seed {args.seed}")
    started = time.monotonic()
    try:
        result = generate(**counts, years=args.years, seed=args.seed, force=args.force)
    except GenerateError as exc:
        sys.exit(f"generate.py: {exc}")
    print(f"Done in {time.monotonic() - started:.0f} s:")
    for line in result.lines():
        print(f"  {line}")
    print("  " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in result.seconds.items()))


if __name__ == "__main__":
    main()
