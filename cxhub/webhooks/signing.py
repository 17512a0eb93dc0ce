"""Signatures in the Standard Webhooks style (https://www.standardwebhooks.com/).

Every request carries `webhook-id` (the event id, the same on every retry), `webhook-timestamp` (Unix
seconds of the attempt) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
`{id}.{timestamp}.{body}` keyed with the secret's decoded bytes (the part after `whsec_`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64 random bytes


class WebhookVerificationError(Exception):
    """A request's signature headers do not prove it came from us, now."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_event_id() -> str:
    """`evt_` and a ULID: 26 Crockford base32 characters that sort by creation time."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, index = divmod(value, 32)
        chars.append(alphabet[index])
    return "evt_" + "".join(reversed(chars))


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise WebhookVerificationError("The secret is not valid base64.") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The `webhook-signature` header value for one request."""
    if isinstance(body, str):
        body = body.encode()
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes | str, tolerance: int = 300,
                     *, now: float | None = None) -> None:
    """Check a received request; raises WebhookVerificationError if it is not ours or too old.

    `headers` may be any mapping (names are matched without regard to case); `body` must be the raw
    bytes as received. A timestamp more than `tolerance` seconds from now, either way, is refused so a
    captured request cannot be replayed later. Several space-separated signatures may be present
    (during a secret rotation); one match is enough.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and raw_timestamp and signatures):
        raise WebhookVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature.")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookVerificationError("The timestamp is not a whole number.") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("The timestamp is too old or too far in the future.")
    expected = sign(secret, msg_id, timestamp, body).encode()
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected):
            return
    raise WebhookVerificationError("No signature matches.")
