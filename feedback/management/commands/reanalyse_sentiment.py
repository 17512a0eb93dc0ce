from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from feedback.sentiment import REANALYSE_BATCH_SIZE, SUPPORTED_LANGUAGES, sentiment_reanalyse_all


class Command(BaseCommand):
    help = "Recompute the sentiment of every response's comment with the current lexicons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=REANALYSE_BATCH_SIZE,
                            help="Responses per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        started = time.monotonic()
        self.stdout.write(f"Reanalysing comments (languages read: {', '.join(SUPPORTED_LANGUAGES)}) ...")

        def progress(done: int, total: int) -> None:
            pct = 100 * done // total if total else 100
            self.stdout.write(f"  {done}/{total} responses ({pct}%)")

        changed = sentiment_reanalyse_all(batch_size=options["batch_size"], progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"Done: {changed} sentiment{'s' if changed != 1 else ''} changed in {time.monotonic() - started:.1f}s."))
