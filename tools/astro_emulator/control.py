"""``EmulatorControl``: a small client of the emulator's control API (/_emulator/)."""

import requests


class EmulatorControl:
    def __init__(self, base_url, verify=True, timeout=10):
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/v1"):
            self.base_url = self.base_url[:-3]
        self.session = requests.Session()
        # Passed on every call: requests lets REQUESTS_CA_BUNDLE override a Session's own verify.
        self.verify = verify
        self.timeout = timeout

    def _call(self, method, endpoint, body=None):
        url = f"{self.base_url}/_emulator/{endpoint}"
        try:
            response = self.session.request(method, url, json=body, timeout=self.timeout, verify=self.verify)
        except requests.exceptions.ConnectionError:
            # The server closes connections idle for 30 s; a kept-alive one reused just as it closes
            # fails. Every control call is idempotent, so one more try, on a new connection, is safe.
            response = self.session.request(method, url, json=body, timeout=self.timeout, verify=self.verify)
        response.raise_for_status()
        return response.json()

    def reset(self, seed=None):
        """Back to the initial seed, or to ``seed`` (a seed dict); clears the log and faults."""
        return self._call("POST", "reset", seed)

    def log(self):
        """The whole log: {"requests": [...], "counts": {...}, "violations": [...]}."""
        return self._call("GET", "requests")

    def requests(self):
        return self.log()["requests"]

    def counts(self):
        return self.log()["counts"]

    def violations(self):
        return self.log()["violations"]

    def writes(self):
        return [entry for entry in self.requests() if entry["is_write"]]

    def clear_log(self):
        return self._call("DELETE", "requests")

    def set_faults(self, **faults):
        return self._call("POST", "faults", faults)

    def faults(self):
        return self._call("GET", "faults")

    def clear_faults(self):
        return self._call("DELETE", "faults")

    def set_modes(self, **modes):
        """Strict modes (strict.py): rate_limits, retry_after, largest_page, custom_role_echo, server_adds_accessor."""
        return self._call("POST", "modes", modes)

    def modes(self):
        return self._call("GET", "modes")

    def reset_modes(self):
        return self._call("DELETE", "modes")

    def release(self):
        """Let every write held by hold_next go on now."""
        return self._call("POST", "release")

    def held(self):
        """The request log seq numbers of the writes being held now."""
        return self.faults()["held"]

    def clock(self):
        """{"now": the emulator's time, "offset_seconds": its distance from real time}."""
        return self._call("GET", "clock")

    def set_clock(self, now=None, offset_seconds=None):
        """Set the emulator's clock to `now` ("YYYY-MM-DDTHH:MM:SSZ"; it runs on from there) or `offset_seconds` from real time."""
        body = {"now": now} if now is not None else {"offset_seconds": offset_seconds or 0}
        return self._call("POST", "clock", body)

    def reset_clock(self):
        return self._call("DELETE", "clock")

    def issued_secrets(self):
        """Every secret the emulator made (create, rotate) since its last reset, replaced ones included."""
        return self.state()["issued_secrets"]

    def token(self, token_id):
        """The stored token with its roles (no secret)."""
        return self._call("GET", "tokens/" + requests.utils.quote(token_id, safe=""))

    def state(self):
        return self._call("GET", "state")

    def close(self):
        self.session.close()
