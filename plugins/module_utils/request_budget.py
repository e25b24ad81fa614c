# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The request budget of one API token on this controller: stay under Astro's per-token rate limits by ourselves.

Astro limits each API token to GET 25/s, POST 10/s and DELETE 5/s (docs/astro-api/SEMANTICS.md, "Rate limits"),
and a 429 carries no Retry-After in any public source. Every process of one controller that uses the token (the
forks of a play, the items of a looped task, two playbooks at once) shares one small state file, so that together
they send no more than the limit in any one-second window: each request reserves a slot under an exclusive lock,
then sleeps until it. The file is named by a hash of the API URL and the token, never the token itself, and lives
in the private per-user directory of the token locks (private_dir). It also keeps a page size the API refused, so
that one process finds it out and the others do not ask again.

The slot logic is pure (reserve_slot, hold_off): tests drive it with their own clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

try:
    import fcntl
except ImportError:  # not POSIX: no shared budget; a 429 still backs off
    fcntl = None

from ansible_collections.astro.platform.plugins.module_utils.private_dir import default_lock_dir, open_lock_dir, open_lock_file

# Requests per second per API token, by method (SEMANTICS.md "Rate limits"); another method counts as a POST.
RATE_LIMITS = {"GET": 25, "POST": 10, "DELETE": 5}
RATE_WINDOW = 1.0
# Slots of one method are kept this much further apart than the window, so that a request that reaches the server a
# little later than its slot (a busy controller, the network) still leaves the server's window within the limit.
WINDOW_MARGIN = 0.15
# A stored time further ahead than this comes from a clock that jumped (or a reboot): forgotten, never waited for.
MAX_AHEAD = 300.0
# How long a page size the API refused is remembered: for one run and then some, not for ever.
PAGE_SIZE_MEMORY = 6 * 3600.0


def limit_kind(method):
    return method if method in RATE_LIMITS else "POST"


def budget_file_name(api_url, api_token):
    """The state file of (API, token): a hash, so that the file system never holds the token."""
    key = "\n".join((api_url, api_token)).encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:40] + ".budget"


def forget_stale(state, now):
    """The state without times that cannot be right any more (ahead of the clock by more than MAX_AHEAD)."""
    fresh = {}
    for kind in RATE_LIMITS:
        entry = state.get(kind) if isinstance(state.get(kind), dict) else {}
        sent = [t for t in entry.get("sent") or [] if isinstance(t, (int, float)) and t <= now + MAX_AHEAD]
        until = entry.get("until") if isinstance(entry.get("until"), (int, float)) else 0.0
        fresh[kind] = dict(sent=sorted(sent), until=until if until <= now + MAX_AHEAD else 0.0)
    pages = state.get("page_sizes") if isinstance(state.get("page_sizes"), dict) else {}
    fresh["page_sizes"] = {name: value for name, value in pages.items()
                           if isinstance(value, list) and len(value) == 2 and now - PAGE_SIZE_MEMORY < value[1] <= now + MAX_AHEAD}
    return fresh


def reserve_slot(state, method, now):
    """Reserve the time at which the next `method` request may leave, in state; return it.

    Slots of one kind never go back in time, and any RATE_LIMITS[kind] + 1 of them in a row span more than
    RATE_WINDOW + WINDOW_MARGIN: no one-second window then holds more than the limit. A burst up to the limit
    leaves at once.
    """
    kind = limit_kind(method)
    limit = RATE_LIMITS[kind]
    entry = state[kind]
    spacing = RATE_WINDOW + WINDOW_MARGIN
    sent = [t for t in entry["sent"] if t > now - spacing]
    slot = max([now, entry["until"]] + sent[-1:])
    if len(sent) >= limit:
        slot = max(slot, sent[-limit] + spacing)
    entry["sent"] = (sent + [slot])[-limit:]
    return slot


def hold_off(state, method, until):
    """After a 429: no request of that kind leaves before `until`, from any process of this controller."""
    entry = state[limit_kind(method)]
    entry["until"] = max(entry["until"], until)


class RequestBudget:
    """The shared budget of one (API, token); directory: where the state file lives (default: the lock directory)."""

    def __init__(self, api_url, api_token, directory=None, clock=time.time, sleep=time.sleep):
        self._directory = directory
        self._name = budget_file_name(api_url, api_token)
        self._clock = clock
        self._sleep = sleep
        self._fd = None
        self.seconds_waited = 0.0

    def _file(self):
        if self._fd is None:
            directory = self._directory or os.environ.get("ASTRO_LOCK_DIR") or default_lock_dir()
            dir_fd = open_lock_dir(directory)
            try:
                self._fd = open_lock_file(dir_fd, self._name, os.path.join(directory, self._name))
            finally:
                os.close(dir_fd)
        return self._fd

    def _update(self, change):
        """change(state, now) on the shared state, under its lock; (what change returned, now)."""
        if fcntl is None:
            return None, self._clock()
        fd = self._file()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            raw = b""
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                raw += chunk
            try:
                state = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:  # a file cut short by a crash: start again
                state = {}
            now = self._clock()
            state = forget_stale(state if isinstance(state, dict) else {}, now)
            result = change(state, now)
            data = json.dumps(state, sort_keys=True).encode("utf-8")
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, data)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return result, now

    def wait_turn(self, method):
        """Sleep until this controller may send one more `method` request with this token."""
        slot, now = self._update(lambda state, now: reserve_slot(state, method, now))
        if slot is not None and slot > now:
            self.seconds_waited += slot - now
            self._sleep(slot - now)

    def hold_off(self, method, seconds):
        self._update(lambda state, now: hold_off(state, method, now + seconds))

    def page_size(self, kind, default):
        """The page size to ask for lists of `kind` (tokens, roles...): a smaller one another process found, or default."""
        size, _now = self._update(lambda state, now: (state["page_sizes"].get(kind) or [default])[0])
        return default if size is None else size

    def remember_page_size(self, kind, size):
        def change(state, now):
            state["page_sizes"][kind] = [size, now]
        self._update(change)

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
