"""HTTP side of the emulator: routing, auth, Astro error bodies, faults, request log, control API."""

import email.utils
import json
import random
import secrets
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import api, rules, strict
from .errors import ApiError
from .state import public_token

CONTROL_PREFIX = "/_emulator/"
WRITE_METHODS = ("POST", "DELETE", "PUT", "PATCH")
FAULT_KEYS = ("latency_ms", "latency_operations", "fail_next", "drop_next", "write_delay_ms", "write_delay_operations", "hold_next")
# The longest a held write waits when its hold names no `seconds`: a forgotten hold must not pin a thread forever.
HOLD_MAX_SECONDS = 60.0


class Faults:
    """Injected faults; all off by default. Each /v1 request consumes at most one fail/drop."""

    def __init__(self):
        self.lock = threading.Lock()
        # Held writes wait on it for their release (or for the writes that must land before them).
        self.landed = threading.Condition(self.lock)
        self.writes_landed = 0
        self.released = 0  # bumped by release(): every write held before it goes on
        self.held = []  # descriptions of the writes being held now
        self.clear()

    def clear(self):
        with self.lock:
            self.latency_ms = 0
            self.latency_operations = None
            self.fail_next = None
            self.drop_next = None
            self.write_delay_ms = None
            self.write_delay_operations = None
            self.hold_next = None
            self.writes_landed = 0
            self.released += 1  # a reset or clear lets every held write go on
            self.landed.notify_all()

    def configure(self, spec):
        unknown = set(spec) - set(FAULT_KEYS)
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}; known: {', '.join(FAULT_KEYS)}")
        with self.lock:
            if "latency_ms" in spec:
                self.latency_ms = int(spec["latency_ms"] or 0)
            if "latency_operations" in spec:
                self.latency_operations = spec["latency_operations"]
            if "fail_next" in spec:
                fail = dict(spec["fail_next"] or {}) or None
                if fail is not None:
                    fail.setdefault("status", 503)
                    fail.setdefault("count", 1)
                    if int(fail["status"]) < 400:
                        raise ValueError("fail_next.status must be an error status (>= 400)")
                self.fail_next = fail
            if "drop_next" in spec:
                drop = dict(spec["drop_next"] or {}) or None
                if drop is not None:
                    drop.setdefault("count", 1)
                    drop.setdefault("apply", False)
                self.drop_next = drop
            self._configure_late_writes(spec)

    def _configure_late_writes(self, spec):
        """write_delay_ms [min, max] (a random delay per write) and hold_next (a write held, then landing late)."""
        if "write_delay_ms" in spec:
            delay = spec["write_delay_ms"]
            if delay is not None:
                low, high = (int(delay[0]), int(delay[1]))
                if not 0 <= low <= high:
                    raise ValueError("write_delay_ms must be [min, max] milliseconds with 0 <= min <= max")
                delay = [low, high]
            self.write_delay_ms = delay
        if "write_delay_operations" in spec:
            self.write_delay_operations = spec["write_delay_operations"]
        if "hold_next" in spec:
            hold = dict(spec["hold_next"] or {}) or None
            if hold is not None:
                hold.setdefault("count", 1)
                hold.setdefault("after_writes", None)
                hold.setdefault("seconds", None)
                hold.setdefault("late_ms", 0)
            self.hold_next = hold

    def describe(self):
        with self.lock:
            return {
                "latency_ms": self.latency_ms,
                "latency_operations": self.latency_operations,
                "fail_next": self.fail_next,
                "drop_next": self.drop_next,
                "write_delay_ms": self.write_delay_ms,
                "write_delay_operations": self.write_delay_operations,
                "hold_next": self.hold_next,
                "held": list(self.held),
                "writes_landed": self.writes_landed,
            }

    @staticmethod
    def _matches(operations, operation_id):
        return not operations or operation_id in operations

    def latency_for(self, operation_id):
        with self.lock:
            if self.latency_ms and self._matches(self.latency_operations, operation_id):
                return self.latency_ms / 1000.0
            return 0.0

    def _take(self, attribute, operation_id):
        fault = getattr(self, attribute)
        if not fault or fault["count"] <= 0 or not self._matches(fault.get("operations"), operation_id):
            return None
        fault["count"] -= 1
        return dict(fault)  # a copy: the handler reads it after the lock is released

    def take_drop(self, operation_id):
        with self.lock:
            return self._take("drop_next", operation_id)

    def take_failure(self, operation_id):
        with self.lock:
            return self._take("fail_next", operation_id)

    # --- late writes: each write's random delay, one write held to land after others ---------------------------

    def write_delay_for(self, operation_id):
        """Seconds this write waits before it is applied, drawn at random in write_delay_ms (0 when unset)."""
        with self.lock:
            if not self.write_delay_ms or not self._matches(self.write_delay_operations, operation_id):
                return 0.0
            low, high = self.write_delay_ms
        return random.uniform(low, high) / 1000.0

    def hold(self, operation_id, seq):
        """Hold this write when hold_next matches it: until `after_writes` other writes landed, `seconds` passed,
        or release() (or a reset) let it go, whichever comes first; then, `late_ms` later, it is applied, its client
        gone or not. Returns the seconds of that last wait (the caller sleeps them outside the lock)."""
        with self.lock:
            hold = self._take("hold_next", operation_id)
            if hold is None:
                return 0.0
            target = self.writes_landed + hold["after_writes"] if hold["after_writes"] is not None else None
            released = self.released
            seconds = HOLD_MAX_SECONDS if hold["seconds"] is None else float(hold["seconds"])
            self.held.append(seq)
            self.landed.wait_for(lambda: self.released != released or (target is not None and self.writes_landed >= target),
                                 timeout=seconds)
            self.held.remove(seq)
            return int(hold["late_ms"] or 0) / 1000.0 if self.released == released else 0.0

    def write_landed(self):
        """Count a write handled (applied, or refused); its number in landing order since the faults were cleared."""
        with self.lock:
            self.writes_landed += 1
            self.landed.notify_all()
            return self.writes_landed

    def release(self):
        """Let every held write go on now."""
        with self.lock:
            self.released += 1
            self.landed.notify_all()


class RequestLog:
    """Every non-control request, in arrival order, and the contract violations found."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        with self.lock:
            self.entries = []
            self.violations = []
            self.next_seq = 1

    def start(self, entry):
        with self.lock:
            entry["seq"] = self.next_seq
            self.next_seq += 1
            self.entries.append(entry)
        return entry

    def add_violations(self, entry, violations):
        with self.lock:
            for violation in violations:
                self.violations.append({"seq": entry["seq"], "method": entry["method"], "raw_path": entry["raw_path"],
                                        "operationId": entry["operationId"], **violation})

    def snapshot(self):
        with self.lock:
            counts = {}
            for entry in self.entries:
                if entry["operationId"]:
                    counts[entry["operationId"]] = counts.get(entry["operationId"], 0) + 1
            return {"requests": json.loads(json.dumps(self.entries)), "counts": counts, "violations": list(self.violations)}


def _error_body(status, message, request_id, field_errors=None):
    body = {"message": message, "requestId": request_id, "statusCode": status}
    if field_errors:
        body["fieldErrors"] = field_errors
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AstroAPIEmulator/1.0"
    timeout = 30  # seconds a connection may stay idle; keeps stuck clients from pinning threads
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms per answer.
    disable_nagle_algorithm = True

    # Quiet: the request log is the record; stderr noise would only clutter test output.
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def date_time_string(self, timestamp=None):
        """Every answer's Date header is the emulator's clock (as a real server's is its own), so that a client that
        takes "now" from the API ages tokens when the clock is moved."""
        if timestamp is None:
            timestamp = self.server.emulator.state.now_datetime().timestamp()
        return email.utils.formatdate(timestamp, usegmt=True)

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    # --- plumbing ---------------------------------------------------------------------

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, headers=None):
        """Send a JSON answer (or none for 204)."""
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        sent_headers = dict(headers or {})
        if body is not None:
            sent_headers["Content-Type"] = "application/json"
        self.send_response(status)
        for name, value in sent_headers.items():
            self.send_header(name, str(value))
        if status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    # --- dispatch ---------------------------------------------------------------------

    def _handle(self):
        path_part, _, query_string = self.path.partition("?")
        body = self._read_body()
        if path_part == CONTROL_PREFIX.rstrip("/") or path_part.startswith(CONTROL_PREFIX):
            self._handle_control(path_part[len(CONTROL_PREFIX):], body)
            return
        # Only these count as in flight: a reset waits for them, and must not wait for itself (a control request).
        with self.server.emulator.in_flight:
            self._handle_api(_Exchange(self.path, path_part, query_string, body))

    # BaseHTTPRequestHandler calls do_<METHOD>; every method goes the same way (405 where a path has no such operation).
    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

    def _handle_api(self, exchange):
        """Log the request, apply the faults in their order (latency, drop, fail), then answer it."""
        faults = self.server.emulator.faults
        # Decode each segment exactly once, after splitting: an encoded "/" stays inside its segment.
        segments = [unquote(segment) for segment in exchange.path_part.split("/")[1:]]
        is_api = segments[:1] == ["v1"]
        operations, params = api.match_route(segments[1:]) if is_api else (None, None)
        operation_id, implementation = (operations or {}).get(self.command, (None, None))
        exchange.entry = self._log_request(exchange, segments, operation_id, is_api)

        modes = self.server.emulator.modes
        if is_api and modes.get("rate_limits") and not modes.limiter.admit(self.headers.get("Authorization"), self.command):
            # Refused at the door, as a gateway would: nothing runs, no fault is taken.
            exchange.entry.update(status=429, rate_limited=True)
            status, answer = strict.rate_limited_answer(modes, exchange, _error_body)
            self._validate(exchange)
            self._send(status, answer, exchange.headers)
            return
        # Latency is applied before taking the state lock, so a slow answer never blocks other clients.
        delay = faults.latency_for(operation_id) if is_api else 0.0
        if delay:
            time.sleep(delay)
        if exchange.entry["is_write"]:
            self._land_late(exchange, faults, operation_id)
        drop = faults.take_drop(operation_id) if is_api else None
        if drop and not drop["apply"]:
            self._lose_answer(exchange, applied=False)
            return
        failure = faults.take_failure(operation_id) if is_api else None
        if failure:
            exchange.entry["fault"] = True
            status, answer = _injected_failure(failure, exchange)
        else:
            status, answer = self._answer(exchange, operations, implementation, params)
        exchange.entry["status"] = status
        if exchange.entry["is_write"]:
            exchange.entry.update(landed=faults.write_landed(), landed_at=round(time.monotonic(), 3))
        if drop:  # drop with apply=true: the operation ran, the answer is lost.
            self._lose_answer(exchange, applied=True)
            return
        # Injected faults are not the emulator's own answers; only their requests are checked.
        self._validate(exchange, None if failure else (status, exchange.headers, answer))
        self._send(status, answer, exchange.headers)

    @staticmethod
    def _land_late(exchange, faults, operation_id):
        """A write's own random delay, then a hold: both before the state lock, like latency, so others go on."""
        delay = faults.write_delay_for(operation_id)
        if delay:
            exchange.entry["write_delay_ms"] = round(delay * 1000)
            time.sleep(delay)
        late = faults.hold(operation_id, exchange.entry["seq"])
        if late:
            time.sleep(late)

    def _log_request(self, exchange, segments, operation_id, is_api):
        return self.server.emulator.log.start({
            "method": self.command,
            "raw_path": exchange.raw_path,
            "path": "/" + "/".join(segments),
            "query": parse_qs(exchange.query_string, keep_blank_values=True),
            "operationId": operation_id,
            "status": None,
            "is_write": is_api and self.command in WRITE_METHODS,
            "requestId": exchange.request_id,
            "body": _json_or_text(exchange.body),
            "received_at": round(time.monotonic(), 3),  # seconds on the server's monotonic clock, for timelines
        })

    def _lose_answer(self, exchange, applied):
        """A dropped connection: the request is logged and checked, the client gets no answer."""
        exchange.entry.update(dropped=True, applied=applied)
        self._validate(exchange)
        self.close_connection = True

    def _answer(self, exchange, operations, implementation, params):
        """(status, body) of the operation, or of the 404/405 when the path or method has none."""
        if operations is None:
            return 404, _error_body(404, f"No route for {self.command} {exchange.path_part}", exchange.request_id)
        if implementation is None:
            exchange.headers["Allow"] = ", ".join(sorted(operations))
            return 405, _error_body(405, f"Method {self.command} not allowed on {exchange.path_part}", exchange.request_id)
        status, answer, extra_headers = self._call(implementation, params, exchange)
        exchange.headers.update(extra_headers)
        return status, answer

    def _call(self, implementation, params, exchange):
        state = self.server.emulator.state
        try:
            with state.lock:
                caller = state.token_by_secret(_bearer(self.headers.get("Authorization")))
                if caller is None:
                    raise ApiError(401, "Unauthorized: missing, invalid or expired API token")
                exchange.entry["caller_token_id"] = caller["id"]
                rules.check_organization(state, params["organizationId"])
                parsed = None
                if exchange.body:
                    try:
                        parsed = json.loads(exchange.body)
                    except ValueError as error:
                        raise ApiError(400, f"Request body is not valid JSON: {error}") from None
                query = parse_qs(exchange.query_string, keep_blank_values=True)
                status, answer = implementation(api.Call(state=state, caller=caller, params=params, query=query, body=parsed,
                                                         modes=self.server.emulator.modes))
            return status, answer, {}
        except ApiError as error:
            return error.status, _error_body(error.status, error.message, exchange.request_id, error.field_errors), error.headers
        except Exception as error:  # noqa: BLE001 - an emulator bug answers 500 like a server would
            return 500, _error_body(500, f"Internal emulator error: {type(error).__name__}: {error}", exchange.request_id), {}

    def _validate(self, exchange, response=None):
        """Record the contract violations of the request, and of the answer when one is given."""
        validator = self.server.emulator.validator
        if validator is None:
            return
        request = (self.command, exchange.path_part, exchange.query_string, dict(self.headers), exchange.body)
        if response is None:
            violations = validator.check(*request)
        else:
            status, headers, answer = response
            data = b"" if answer is None else json.dumps(answer).encode("utf-8")
            if answer is not None:
                headers = {**headers, "Content-Type": "application/json"}
            violations = validator.check(*request, status, headers, data)
        if violations:
            self.server.emulator.log.add_violations(exchange.entry, violations)

    # --- control API (no auth, never under /v1) ---------------------------------------------

    def _handle_control(self, rest, body):
        try:
            parsed = json.loads(body) if body else None
        except ValueError as error:
            self._send(400, {"message": f"body is not valid JSON: {error}"})
            return
        endpoint, token_id = _control_endpoint(self.command, rest)
        if endpoint is None:
            self._send(404, {"message": f"unknown control endpoint {self.command} {CONTROL_PREFIX}{rest}"})
            return
        try:
            status, answer = endpoint(self.server.emulator, self.command, parsed, token_id)
        except (ValueError, TypeError, KeyError) as error:
            status, answer = 400, {"message": f"{type(error).__name__}: {error}"}
        self._send(status, answer)


@dataclass
class _Exchange:
    """One request outside the control API on its way through the handler, and the headers of its answer."""

    raw_path: str  # as received: still percent-encoded, with the query
    path_part: str
    query_string: str
    body: bytes
    request_id: str = field(default_factory=lambda: "req_" + secrets.token_hex(10))
    entry: dict = None  # its request log entry, once logged
    headers: dict = field(init=False)  # of the answer

    def __post_init__(self):
        self.headers = {"X-Request-Id": self.request_id}


def _injected_failure(failure, exchange):
    """(status, body) of a fail_next fault; a 429 tells the client when to retry only when the fault says (retry_after):
    no public source shows Astro sending Retry-After."""
    status = int(failure["status"])
    message = failure.get("message") or ("Too many requests" if status == 429 else f"Injected failure {status}")
    if status == 429 and failure.get("retry_after") is not None:
        exchange.headers["Retry-After"] = str(failure["retry_after"])
    return status, _error_body(status, message, exchange.request_id)


# --- control endpoints: each takes (emulator, method, parsed JSON body or None, token ID or None), answers (status, body) ---

def _reset(emulator, _method, body, _token_id):
    emulator.reset(body)
    return 200, {"reset": True}


def _request_log(emulator, method, _body, _token_id):
    """GET: the log; DELETE: clear it (and its violations)."""
    if method == "DELETE":
        emulator.log.clear()
        return 200, {"cleared": True}
    return 200, emulator.log.snapshot()


def _faults(emulator, method, body, _token_id):
    """GET: the faults; POST: merge the body into them; DELETE: all off. Answers the faults then in force."""
    if method == "POST":
        emulator.faults.configure(body or {})
    elif method == "DELETE":
        emulator.faults.clear()
    return 200, emulator.faults.describe()


def _release(emulator, _method, _body, _token_id):
    """POST: every held write goes on now."""
    emulator.faults.release()
    return 200, emulator.faults.describe()


def _clock(emulator, method, body, _token_id):
    """GET: the clock; POST: set it (now or offset_seconds); DELETE: back to real time. Answers the clock then."""
    if method == "POST":
        unknown = set(body or {}) - {"now", "offset_seconds"}
        if unknown:
            raise ValueError(f"unknown clock keys {sorted(unknown)}; known: now, offset_seconds")
        emulator.state.set_clock(**(body or {}))
    elif method == "DELETE":
        emulator.state.set_clock()
    return 200, emulator.state.clock()


def _modes(emulator, method, body, _token_id):
    """GET: the strict modes; POST: merge the body into them; DELETE: back to those the emulator started with."""
    if method == "POST":
        emulator.modes.configure(body or {})
    elif method == "DELETE":
        emulator.modes.reset()
    return 200, emulator.modes.describe()


def _state(emulator, _method, _body, _token_id):
    return 200, emulator.state.snapshot()


def _token(emulator, _method, _body, token_id):
    with emulator.state.lock:
        token = emulator.state.tokens.get(token_id)
        answer = public_token(token) if token else None
    if answer is None:
        return 404, {"message": f"token {token_id} not found"}
    return 200, answer


# (method, first path segment under /_emulator/) -> endpoint; a trailing "/" marks the one that takes
# a token ID as its second and last segment.
CONTROL_ROUTES = {
    ("POST", "reset"): _reset,
    ("GET", "requests"): _request_log,
    ("DELETE", "requests"): _request_log,
    ("GET", "faults"): _faults,
    ("POST", "faults"): _faults,
    ("DELETE", "faults"): _faults,
    ("POST", "release"): _release,
    ("GET", "clock"): _clock,
    ("POST", "clock"): _clock,
    ("DELETE", "clock"): _clock,
    ("GET", "modes"): _modes,
    ("POST", "modes"): _modes,
    ("DELETE", "modes"): _modes,
    ("GET", "state"): _state,
    ("GET", "tokens/"): _token,
}


def _control_endpoint(method, rest):
    """(endpoint or None, decoded token ID or None) for a path under /_emulator/."""
    name, slash, tail = rest.partition("/")
    if slash and "/" not in tail and (method, name + "/") in CONTROL_ROUTES:
        return CONTROL_ROUTES[(method, name + "/")], unquote(tail)
    return CONTROL_ROUTES.get((method, name)), None


def _bearer(header):
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _json_or_text(body):
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator, ssl_context=None):
        self.emulator = emulator
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def get_request(self):
        connection, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake runs in the handler thread (Handler.setup), never in the accept loop.
            connection = self.ssl_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address

    def handle_error(self, request, client_address):
        # Clients that hang up or fail the TLS handshake are normal in tests; stay quiet about those.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)
