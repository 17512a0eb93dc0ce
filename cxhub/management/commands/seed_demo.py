"""`manage.py seed_demo`: load the demo program, customers, tickets and survey answers."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cxhub.demo.builder import (
    DEFAULT_CUSTOMERS,
    DEFAULT_DAYS,
    DemoError,
    DemoOptions,
    demo_build,
    login_help,
    program_exists,
)

BAR_WIDTH = 30


def positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


class ConsoleReporter:
    """Numbered phase lines, and a bar for the long loops when the output is a terminal."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.tty = command.stdout.isatty()
        self.step = 0
        self.drawn = -1  # the percentage last drawn

    def phase(self, title: str) -> None:
        self.step += 1
        self.drawn = -1
        self.command.stdout.write(f"[{self.step}] {title}")

    def progress(self, done: int, total: int) -> None:
        # Redrawn on a terminal only; logs and tests get the phase lines without a wall of bars.
        if not self.tty or total <= 0:
            return
        percent = 100 * done // total
        if percent == self.drawn:
            return
        self.drawn = percent
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.command.stdout.write(f"\r    [{bar}] {done}/{total}", ending="\n" if done >= total else "")
        self.command.stdout.flush()


class Command(BaseCommand):
    help = (
        "Build demo data: a CX program with a car-dealership and an online-subscription journey, "
        "customers in four languages, tickets and survey answers over the last --days days, written "
        "through the app's services; then recompute the scores."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same day: same data).")
        parser.add_argument("--days", type=positive_int, default=DEFAULT_DAYS, help="Days of history (default 90).")
        parser.add_argument("--customers", type=positive_int, default=DEFAULT_CUSTOMERS,
                            help=f"Number of customers (default {DEFAULT_CUSTOMERS}).")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true",
                          help="Do nothing when the database already has a program.")
        mode.add_argument("--reset", action="store_true", help="Delete the existing demo data first.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and program_exists():
            self.stdout.write("Demo data is already there (a program exists): nothing to do.")
            return
        demo = DemoOptions(seed=options["seed"], days=options["days"], customers=options["customers"])
        self.stdout.write(
            f"Seeding demo data: seed {demo.seed}, {demo.days} days up to "
            f"{demo.anchor():%Y-%m-%d %H:%M} {timezone.get_current_timezone_name()}, {demo.customers} customers"
        )
        started = time.monotonic()
        try:
            summary = demo_build(options=demo, reset=options["reset"], report=ConsoleReporter(self))
        except DemoError as exc:
            hint = " Run with --reset to rebuild it, or --if-empty to skip." if exc.code == "exists" else ""
            raise CommandError(f"{exc.message}{hint}") from None
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s:"))
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        for line in login_help():
            self.stdout.write(line)
