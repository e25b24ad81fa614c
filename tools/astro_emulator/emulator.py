"""``Emulator``: one emulator server in a background thread."""

import ssl
import threading

from .control import EmulatorControl
from .server import EmulatorHTTPServer, Faults, RequestLog
from .state import State, load_seed
from .strict import Modes


RESET_WAIT_SECONDS = 30


class InFlight:
    """Counts the API requests being handled; `wait_idle` blocks until there are none."""

    def __init__(self):
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self):
        with self._idle:
            self._count += 1

    def __exit__(self, *exc_info):
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout):
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout=timeout)


class Emulator:
    """An Astro API emulator on 127.0.0.1.

    ``seed`` is a path to a seed YAML file, a seed dict, or None for the demo seed.
    With ``validate_contract`` every /v1 request and answer is checked against
    openapi.yaml and violations are recorded in the request log.
    With ``certfile``/``keyfile`` it serves HTTPS.
    ``rate_limits`` (on by default) enforces Astro's documented per-token rate limits; turn it off only where a
    test or the benchmark counts time (see strict.py for this and the other strict modes).
    """

    def __init__(self, seed=None, validate_contract=False, certfile=None, keyfile=None, host="127.0.0.1", port=0,
                 rate_limits=True):
        # Parsed once: resets then only copy it (YAML parsing is the slow part of a reset).
        self.initial_seed = load_seed(seed)
        self.state = State(self.initial_seed)
        self.log = RequestLog()
        self.faults = Faults()
        self.modes = Modes(rate_limits=rate_limits)
        self.in_flight = InFlight()
        self.validator = None
        if validate_contract:
            from .contract import ContractValidator

            self.validator = ContractValidator()
        self.certfile = certfile
        self.keyfile = keyfile
        self.host = host
        self.port = port
        self._server = None
        self._thread = None
        self._control = None

    # --- lifecycle ------------------------------------------------------------------

    def start(self):
        context = None
        if self.certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certfile, self.keyfile)
        self._server = EmulatorHTTPServer((self.host, self.port), self, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"astro-emulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
        if self._control is not None:
            self._control.close()
            self._control = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def reset(self, seed=None):
        """Back to the initial seed (or the given one); clears the request log and faults; strict modes as started.

        First waits for API requests still in flight (a write slowed by a latency fault lands
        after its client gave up), so that they cannot change the state after the reset.
        """
        self.faults.clear()
        self.modes.reset()
        self.in_flight.wait_idle(timeout=RESET_WAIT_SECONDS)
        self.state.load(self.initial_seed if seed is None else seed)
        self.log.clear()

    # --- addresses and credentials ------------------------------------------------------

    @property
    def base_url(self):
        scheme = "https" if self.certfile else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def api_url(self):
        return self.base_url + "/v1"

    @property
    def organization_id(self):
        return self.state.organization["id"]

    @property
    def caller_secret(self):
        """The bearer of the seed's caller token (its current secret, should it have been rotated)."""
        return self.state.caller_secret

    @property
    def control(self):
        if self._control is None:
            self._control = EmulatorControl(self.base_url, verify=self.certfile or True)
        return self._control
