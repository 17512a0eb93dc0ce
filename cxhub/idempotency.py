"""`Idempotency-Key` on the API's POSTs: a repeat within the key's lifetime gets the first answer and
changes nothing (docs/api.md, "Idempotency").

The rules live in plain functions (begin, complete, replay, purge); `IdempotencyMiddleware` applies them
to every POST under /api/ that carries the header:

- The first request with a key inserts an in-progress record in a transaction of its own, committed
  before the view runs. The unique (owner, key) constraint decides between concurrent duplicates: one
  inserts, the others find its record and are told to retry (409), so one key has one effect.
- Its answer is stored (status, body, Content-Type, Location, ETag) and replayed to repeats with
  `Idempotent-Replayed: true`. A 5xx is not stored, nor are refusals of the caller rather than of the
  request (401, 403, 429): the record is deleted and a retry runs again. Other 4xx answers are stored.
- The same key with another request (method, path with query, or body) is refused with 422.
- Keys are per user account (any of its tokens, or its browser session) and live IDEMPOTENCY_KEY_TTL;
  an expired key acts as new, and a record whose request never finished (its worker died) is taken
  over after IDEMPOTENCY_STALE_AFTER. A daily task purges expired records.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/"
MAX_KEY_LENGTH = 255
# Visible ASCII and inner spaces: what an HTTP header carries intact, and what a UUID is made of.
_KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
# The answer's headers a replay carries; the rest (Vary, CSP, ...) the middleware around adds again.
STORED_HEADERS = ("Content-Type", "Location", "ETag")
# Refusals of the caller, not of the request: who, what they may do, how fast. Nothing ran, and a
# retry may fare differently (a new token, a granted role, the next throttle window).
NOT_STORED_4XX = frozenset({401, 403, 429})
# Seconds a concurrent duplicate is asked to wait before retrying: most requests take far less.
IN_PROGRESS_RETRY_AFTER = 1
# Records deleted per purge batch: one index-range read on created_at and one DELETE by primary key.
PURGE_BATCH_SIZE = 5000
# Batches per purge run (a million records): well inside the task time limit; the rest waits a day.
PURGE_MAX_BATCHES = 200
_BODY_CHUNK = 64 * 1024


class Outcome(enum.Enum):
    NEW = "new"  # run the request; this record is ours to complete
    REPLAY = "replay"  # answered before: send the stored answer
    MISMATCH = "mismatch"  # the key was used for another request
    IN_PROGRESS = "in_progress"  # the first request with this key is still running


class Begun(NamedTuple):
    outcome: Outcome
    record: IdempotencyRecord


def idempotency_key_problem(key: str) -> str | None:
    """Why `key` cannot be an Idempotency-Key, or None when it can."""
    if not key.strip():
        return _("The Idempotency-Key header is empty: send a unique value per operation, e.g. a UUID.")
    if len(key) > MAX_KEY_LENGTH:
        return _("The Idempotency-Key header is longer than %(max)d characters.") % {"max": MAX_KEY_LENGTH}
    if not _KEY.fullmatch(key):
        return _("The Idempotency-Key header may hold only visible ASCII characters (a UUID is a good key).")
    return None


def request_fingerprint(*, method: str, path: str, body: Iterable[bytes]) -> str:
    """SHA-256 (hex) over the method, the full path with its query string and the body's bytes."""
    digest = hashlib.sha256(f"{method.upper()}\n{path}\n".encode())
    for chunk in body:
        digest.update(chunk)
    return digest.hexdigest()


def idempotency_begin(*, owner: AbstractBaseUser, key: str, method: str, path: str, request_hash: str,
                      now: dt.datetime | None = None) -> Begun:
    """Claim `key` of `owner` for this request, or say why not.

    The claim is an INSERT committed on its own before the request runs; the unique constraint lets
    exactly one of several concurrent duplicates win. An expired record, or one whose request has been
    unanswered past IDEMPOTENCY_STALE_AFTER, is taken over with a conditional UPDATE, which again only
    one claimant wins. Call it outside any transaction, so the claim is visible to the others at once.
    """
    now = now or timezone.now()
    expired_before = now - settings.IDEMPOTENCY_KEY_TTL
    stale_before = now - settings.IDEMPOTENCY_STALE_AFTER
    fresh = {"method": method, "path": path[:2000], "request_hash": request_hash, "created_at": now,
             "status_code": None, "response_body": b"", "response_headers": {}, "completed_at": None}
    # Each lost race leaves a newer state to look at; two rounds settle any sequence short of a
    # request being claimed, answered and deleted (a 5xx) in between, and a third is cheap.
    for _round in range(3):
        try:
            with transaction.atomic():
                return Begun(Outcome.NEW, IdempotencyRecord.objects.create(owner=owner, key=key, **fresh))
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if existing is None:  # deleted meanwhile (a 5xx answer, or the purge): claim it again
            continue
        expired = existing.created_at < expired_before
        if not expired and existing.request_hash != request_hash:
            return Begun(Outcome.MISMATCH, existing)
        if not expired and existing.status_code is not None:
            return Begun(Outcome.REPLAY, existing)
        if not expired and existing.created_at >= stale_before:
            return Begun(Outcome.IN_PROGRESS, existing)
        # Expired, or its request died: take it over, unless another claimant just did.
        taken = IdempotencyRecord.objects.filter(
            pk=existing.pk, created_at=existing.created_at, status_code=existing.status_code,
        ).update(**fresh)
        if taken:
            if not expired:
                logger.warning("Idempotency key %s of user %s taken over after its request stayed unanswered "
                               "since %s", key, owner.pk, existing.created_at.isoformat())
            existing.refresh_from_db()
            return Begun(Outcome.NEW, existing)
    raise RuntimeError(f"Idempotency key {key!r} of user {owner.pk} changed hands three times while claimed")


def _claimed(record: IdempotencyRecord) -> QuerySet[IdempotencyRecord]:
    """The record as long as it is still this request's claim (not taken over as stale, not purged)."""
    return IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at, status_code=None)


def should_store(status_code: int) -> bool:
    """Whether an answer with this status is replayed to repeats (else the key is freed for a retry)."""
    return status_code < 500 and status_code not in NOT_STORED_4XX


def idempotency_complete(*, record: IdempotencyRecord, status_code: int, body: bytes,
                         headers: Mapping[str, str], now: dt.datetime | None = None) -> bool:
    """Store the answer to the request that claimed `record`, or delete the record when the answer is
    not to be replayed (should_store). Returns whether it was stored."""
    if not should_store(status_code):
        idempotency_release(record=record)
        return False
    kept = {name: headers[name] for name in STORED_HEADERS if name in headers}
    stored = _claimed(record).update(status_code=status_code, response_body=bytes(body),
                                     response_headers=kept, completed_at=now or timezone.now())
    if not stored:
        logger.warning("Idempotency key %s of user %s was taken over before its answer came", record.key,
                       record.owner_id)
    return bool(stored)


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Delete this request's claim so that a retry with the key runs again (a 5xx, a crash)."""
    _claimed(record).delete()


def idempotency_replay(*, record: IdempotencyRecord) -> HttpResponse:
    """The stored answer, as first sent, marked `Idempotent-Replayed: true`."""
    response = HttpResponse(bytes(record.response_body), status=record.status_code)
    if "Content-Type" not in record.response_headers:
        del response["Content-Type"]
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_purge(*, now: dt.datetime | None = None, batch_size: int = PURGE_BATCH_SIZE,
                      max_batches: int = PURGE_MAX_BATCHES) -> int:
    """Delete the records older than IDEMPOTENCY_KEY_TTL, oldest first, in short batches; the count."""
    cutoff = (now or timezone.now()) - settings.IDEMPOTENCY_KEY_TTL
    deleted = 0
    for _batch in range(max_batches):
        ids = list(IdempotencyRecord.objects.filter(created_at__lt=cutoff).order_by("created_at")
                   .values_list("pk", flat=True)[:batch_size])
        if ids:
            deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            break
    else:
        logger.warning("Idempotency purge stopped after %d batches; the rest goes on the next run", max_batches)
    return deleted


# --- The middleware -----------------------------------------------------------------------------------


def request_owner(request: HttpRequest) -> AbstractBaseUser | None:
    """Whom the API will take the request to be from: the user of an `Authorization: Token` key, else
    the signed-in session's user (the order of REST_FRAMEWORK's authentication classes). None when
    anonymous or when the credentials will be refused: the API answers that itself, untracked."""
    from cxhub.tokens import api_token_authenticate

    words = request.headers.get("Authorization", "").split()
    if words and words[0].lower() == "token":
        if len(words) != 2:
            return None
        token = api_token_authenticate(words[1])
        return token.user if token is not None else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _error(status: int, message: str, code: str, **headers: str) -> JsonResponse:
    """The API's error shape (cxhub.api.exception_handler), naming the header as the input at fault."""
    return JsonResponse({"detail": message, "code": code, "errors": {HEADER: [message]}}, status=status,
                        headers=headers)


def _spooled(request: HttpRequest, spool: IO[bytes]) -> Iterator[bytes]:
    """The body's chunks, copied into `spool`, which then stands in for the consumed input stream."""
    while chunk := request.read(_BODY_CHUNK):
        spool.write(chunk)
        yield chunk
    spool.seek(0)
    # `request.body` would refuse an upload over DATA_UPLOAD_MAX_MEMORY_SIZE that the reply endpoint
    # accepts as attachments, so the body is read as a stream and handed back as if unread: Django's
    # read(), body, POST and FILES all read `_stream`.
    request._stream = spool  # type: ignore[attr-defined]
    request._read_started = False  # type: ignore[attr-defined]


class IdempotencyMiddleware:
    """Applies the Idempotency-Key rules to POSTs under /api/; place it after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        problem = idempotency_key_problem(key)
        if problem is not None:
            return _error(400, problem, "invalid")
        owner = request_owner(request)
        if owner is None:
            return self.get_response(request)
        with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as spool:
            path = request.get_full_path()
            fingerprint = request_fingerprint(method=request.method, path=path, body=_spooled(request, spool))
            begun = idempotency_begin(owner=owner, key=key, method=request.method, path=path,
                                      request_hash=fingerprint)
            if begun.outcome is Outcome.REPLAY:
                return idempotency_replay(record=begun.record)
            if begun.outcome is Outcome.MISMATCH:
                return _error(422, _("This Idempotency-Key was used for a different request (another address "
                                     "or body): send a new key for a new operation."), "idempotency_key_reused")
            if begun.outcome is Outcome.IN_PROGRESS:
                return _error(409, _("A request with this Idempotency-Key is still in progress: retry after "
                                     "a moment to get its answer."), "idempotency_key_in_progress",
                              **{"Retry-After": str(IN_PROGRESS_RETRY_AFTER)})
            return self._run(request, begun.record)

    def _run(self, request: HttpRequest, record: IdempotencyRecord) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_release(record=record)
            raise
        if response.streaming:  # never an API answer today; not replayable, so not claimed either
            idempotency_release(record=record)
            return response
        headers: dict[str, Any] = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
        idempotency_complete(record=record, status_code=response.status_code, body=response.content,
                             headers=headers)
        return response
