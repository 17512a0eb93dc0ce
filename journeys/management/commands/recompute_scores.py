from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from journeys import rollup


class Command(BaseCommand):
    help = "Rebuild every daily score component from the whole experience-signal ledger."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        last_shown = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - last_shown[0] > 0.5:
                last_shown[0] = now
                pct = 100 * done // total if total else 100
                self.stdout.write(f"  {done}/{total} touchpoint-days written ({pct}%)")

        self.stdout.write("Recomputing score components from the ledger ...")
        result = rollup.recompute_all(progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"Done: {result.signals} signals into {result.touchpoint_days} touchpoint-days "
            f"in {time.monotonic() - started:.1f}s (watermark {result.watermark})."
        ))
