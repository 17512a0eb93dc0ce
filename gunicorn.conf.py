"""gunicorn settings read from the working directory by default (the image, compose and the benchmarks).

Once a worker has loaded the app, its objects (Django, the URL conf, templates, translations) are moved
out of the garbage collector's reach with gc.freeze(): they live as long as the process, and otherwise
every full collection walks all of them again, which showed as 30-130 ms pauses in page timings at
the 95th percentile (docs/performance.md).
"""

from __future__ import annotations

import gc


def post_worker_init(worker: object) -> None:
    gc.freeze()
