"""Modes in which the emulator is as strict as Astro is documented, or may be, where the schema says nothing.

- Rate limits (on by default): Astronomer documents per-token limits of GET 25/s, POST 10/s and DELETE 5/s
  (docs/astro-api/SEMANTICS.md "Rate limits"). A request over its method's limit within any one-second window
  answers 429 and is not carried out; no public source shows a Retry-After, so none is sent unless a test asks.
- Page size (off by default): Astro's largest page is not published; `largest_page` refuses larger limits on the
  token and role lists, as a server that takes only the Astro CLI's 100 would.
- Custom role echo (off by default): no public source shows what GET answers for a custom Deployment role written
  by name; `custom_role_echo: "id"` answers the custom role's ID instead (and takes it back in writes).
- Server-added entry (off by default): for users, a Deployment role grants Workspace Accessor automatically;
  `server_adds_accessor` does that for tokens: a roles write that gives an ORGANIZATION token a Deployment role in a
  Workspace where it holds no role adds WORKSPACE_ACCESSOR on that Workspace.

Each mode is one function or class here; api.py and server.py only call them.
"""

import hashlib
import threading
import time

# SEMANTICS "Rate limits": requests per second per API token, by method; any other method counts as a POST.
RATE_LIMITS = {"GET": 25, "POST": 10, "DELETE": 5}
RATE_WINDOW = 1.0
# The lists whose page size `largest_page` caps (the CLI pages tokens by 100).
CAPPED_LISTS = ("tokens", "roles")
MODE_KEYS = ("rate_limits", "retry_after", "largest_page", "custom_role_echo", "server_adds_accessor")
ECHO_FORMS = (None, "id")


class Modes:
    """The strict modes in force; reset() goes back to those the emulator was started with."""

    def __init__(self, rate_limits=True):
        self.lock = threading.Lock()
        self.defaults = dict(rate_limits=bool(rate_limits), retry_after=None, largest_page=None, custom_role_echo=None,
                             server_adds_accessor=False)
        self.limiter = RateLimiter()
        self.reset()

    def reset(self):
        with self.lock:
            self.values = dict(self.defaults)
        self.limiter.clear()

    def configure(self, spec):
        unknown = set(spec) - set(MODE_KEYS)
        if unknown:
            raise ValueError(f"unknown mode keys {sorted(unknown)}; known: {', '.join(MODE_KEYS)}")
        if spec.get("custom_role_echo") not in ECHO_FORMS:
            raise ValueError(f"custom_role_echo must be one of {ECHO_FORMS}, not {spec['custom_role_echo']!r}")
        with self.lock:
            self.values.update(spec)

    def describe(self):
        with self.lock:
            return dict(self.values, rate_limited=self.limiter.refused)

    def get(self, name):
        with self.lock:
            return self.values[name]


class RateLimiter:
    """A sliding one-second window per (bearer, method kind): the requests admitted in the last second."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        with self.lock:
            self.admitted = {}
            self.refused = 0

    def admit(self, authorization, method, now=None):
        """Whether one more request fits; it counts only when admitted (a refused one is not carried out)."""
        now = time.monotonic() if now is None else now
        kind = method if method in RATE_LIMITS else "POST"
        key = (hashlib.sha256((authorization or "").encode("utf-8")).hexdigest(), kind)
        with self.lock:
            recent = [t for t in self.admitted.get(key, ()) if t > now - RATE_WINDOW]
            if len(recent) >= RATE_LIMITS[kind]:
                self.admitted[key] = recent
                self.refused += 1
                return False
            recent.append(now)
            self.admitted[key] = recent
            return True


def rate_limited_answer(modes, exchange, error_body):
    """(status, body) of a request refused by the rate limits; Retry-After only when a test set one."""
    retry_after = modes.get("retry_after")
    if retry_after is not None:
        exchange.headers["Retry-After"] = str(retry_after)
    return 429, error_body(429, "Too many requests: the API token's rate limit was exceeded", exchange.request_id)


def largest_page(modes, list_name):
    """The largest limit this list takes in the current modes, or None (the general maximum applies)."""
    largest = modes.get("largest_page") if modes is not None else None
    return largest if largest and list_name in CAPPED_LISTS else None


def echo_roles(modes, state, roles):
    """A token's roles as GET answers them: with custom_role_echo "id", a custom Deployment role by its ID."""
    if modes is None or modes.get("custom_role_echo") != "id":
        return roles
    by_name = {role["name"]: role["id"] for role in state.custom_roles.values() if role["scopeType"] == "DEPLOYMENT"}
    return [dict(entry, role=by_name[entry["role"]]) if entry["entityType"] == "DEPLOYMENT" and entry["role"] in by_name
            else entry for entry in roles]


def custom_role_by_echo(modes, state, role):
    """The name of the custom role an echoed form (its ID) stands for, in custom_role_echo "id"; else None."""
    if modes is None or modes.get("custom_role_echo") != "id":
        return None
    custom = state.custom_roles.get(role)
    return custom["name"] if custom and custom["scopeType"] == "DEPLOYMENT" else None


def server_added_entries(modes, state, token, roles):
    """With server_adds_accessor: WORKSPACE_ACCESSOR on each Workspace where an ORGANIZATION token gets a Deployment
    role and holds no Workspace role, appended as the server would."""
    if modes is None or not modes.get("server_adds_accessor") or token["scope"] != "ORGANIZATION":
        return roles
    held = {entry["entityId"] for entry in roles if entry["entityType"] == "WORKSPACE"}
    added = []
    for entry in roles:
        deployment = state.deployments.get(entry["entityId"]) if entry["entityType"] == "DEPLOYMENT" else None
        if deployment is not None and deployment["workspaceId"] not in held:
            held.add(deployment["workspaceId"])
            added.append({"entityType": "WORKSPACE", "entityId": deployment["workspaceId"], "role": "WORKSPACE_ACCESSOR"})
    return roles + added
