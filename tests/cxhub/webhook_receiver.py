"""A real HTTP endpoint on 127.0.0.1 that checks webhook signatures: the outside world of webhooks.

`Receiver.fail_times` makes it answer 500 that many times before 200; `Receiver.redirect_to` makes it
answer 302 instead. Every request is kept with whether its signature verified.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cxhub.webhooks.signing import WebhookVerificationError, verify_signature


@dataclasses.dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.secret = ""
        self.fail_times = 0
        self.redirect_to = ""
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    verify_signature(receiver.secret, headers, body)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                with receiver._lock:
                    if receiver.redirect_to:
                        status = 302
                    elif not verified:
                        status = 401
                    elif receiver.fail_times > 0:
                        receiver.fail_times -= 1
                        status = 500
                    else:
                        status = 200
                    receiver.requests.append(Received(self.path, headers, body, verified, status))
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", receiver.redirect_to)
                answer = b"ok" if status == 200 else f"error {status}".encode()
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
