# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A real HTTP server on 127.0.0.1 that answers from a script, for the client's unit tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class ScriptedServer:
    """Answers each request with the next scripted (status, body, headers); records every request."""

    def __init__(self):
        self.script = []
        self.requests = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = "http://127.0.0.1:{0}/v1".format(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, status=200, body=None, headers=None):
        self.script.append((status, body, headers or {}))
        return self

    def _handler_class(self):
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length) if length else b""
                scripted.requests.append(dict(method=self.command, path=self.path, headers=dict(self.headers),
                                              body=json.loads(payload) if payload else None))
                status, body, headers = scripted.script.pop(0) if scripted.script else (500, {"message": "unscripted"}, {})
                data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""  # bytes: as they are
                self._date = headers.get("Date")  # scripted: instead of the real one ("": none at all)
                self.send_response(status)
                for name, value in headers.items():
                    if name != "Date":
                        self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _reply

            def send_header(self, keyword, value):
                scripted_date = getattr(self, "_date", None)
                if keyword == "Date" and scripted_date is not None:
                    if not scripted_date:
                        return
                    value = scripted_date
                super().send_header(keyword, value)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def scripted_server():
    with ScriptedServer() as server:
        yield server


@pytest.fixture(autouse=True)
def private_lock_dir(tmp_path, monkeypatch):
    """Each test's lock files and request budgets in a directory of its own (the client keeps its budget there)."""
    lock_dir = tmp_path / "locks"
    monkeypatch.setenv("ASTRO_LOCK_DIR", str(lock_dir))
    return lock_dir
