"""The emulator's in-memory organization, seeded from YAML (format: README.md).

One ``State`` per server. All reads and writes of it happen while holding
``state.lock`` (the server takes it around each operation), so the store itself
stays simple dicts.
"""

import base64
import copy
import datetime
import json
import secrets
import string
import threading
from pathlib import Path

import yaml

DEMO_SEED = Path(__file__).resolve().parent / "seeds" / "demo.yaml"
_CUID_ALPHABET = string.ascii_lowercase + string.digits
_DEFAULT_TIME = "2024-01-01T00:00:00Z"


def format_time(moment):
    """Astro's time format: UTC, seconds, trailing Z."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def new_id():
    """A cuid-like ID: 25 lowercase letters and digits starting with 'c'."""
    return "c" + "".join(secrets.choice(_CUID_ALPHABET) for _ in range(24))


def _base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_secret(token_id, organization_id, permissions=()):
    """A secret shaped as Astro's: a JWT whose claims name the token (`apiTokenId`, SEMANTICS.md "Which token a secret
    is"), with a random signature part (nobody checks it: the emulator finds a token by its whole secret)."""
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {"apiTokenId": token_id, "org_id": organization_id, "iat": int(datetime.datetime.now().timestamp()),
              "permissions": list(permissions) or ["organizationId:" + organization_id], "jti": secrets.token_hex(8)}
    compact = dict(separators=(",", ":"))
    return ".".join((_base64url(json.dumps(header, **compact).encode()), _base64url(json.dumps(claims, **compact).encode()),
                     secrets.token_urlsafe(64)))


def new_short_token():
    return secrets.token_urlsafe(8)[:10]


def load_seed(seed):
    """A seed dict from a path, a dict (copied) or None (the demo seed)."""
    if seed is None:
        seed = DEMO_SEED
    if isinstance(seed, dict):
        return copy.deepcopy(seed)
    with open(seed, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _time(value, default):
    """YAML may parse unquoted timestamps into datetimes; keep Astro's string form."""
    if value is None:
        return default
    if isinstance(value, datetime.datetime):
        return format_time(value)
    return str(value)


class State:
    def __init__(self, seed=None):
        self.lock = threading.RLock()
        self.load(seed)

    def load(self, seed):
        """Replace everything with the given seed (path, dict or None for the demo)."""
        data = load_seed(seed)
        with self.lock:
            self.seed = copy.deepcopy(data)
            org = data["organization"]
            self.organization = {"id": org["id"], "name": org.get("name", "Organization")}
            self.users = {}
            for raw in data.get("users") or []:
                self.users[raw["id"]] = self._user(raw)
            self.workspaces = {}
            for raw in data.get("workspaces") or []:
                self.workspaces[raw["id"]] = self._workspace(raw)
            self.deployments = {}
            for raw in data.get("deployments") or []:
                self.deployments[raw["id"]] = self._deployment(raw)
            self.custom_roles = {}
            for raw in data.get("custom_roles") or []:
                self.custom_roles[raw["id"]] = self._custom_role(raw)
            self.teams = {}
            for raw in data.get("teams") or []:
                self.teams[raw["id"]] = self._team(raw)
            self.tokens = {}
            raw_tokens = data.get("tokens") or []
            names = {raw["id"]: raw.get("name", "") for raw in raw_tokens}
            for raw in raw_tokens:
                self.tokens[raw["id"]] = self._token(raw, names)
            self.caller_id = data.get("caller")
            if self.caller_id is None and self.tokens:
                self.caller_id = next(iter(self.tokens))
            # Every secret made by create or rotate since the seed, in order: leak checks search for all of
            # them, also those a later rotate replaced.
            self.issued_secrets = []
            # The emulator's clock is real time plus this offset (control API /_emulator/clock).
            self.clock_offset = datetime.timedelta(0)

    # --- clock ------------------------------------------------------------------------

    def now_datetime(self):
        return datetime.datetime.now(datetime.timezone.utc) + self.clock_offset

    def now(self):
        """The emulator's current time, as Astro writes it."""
        return format_time(self.now_datetime())

    def set_clock(self, now=None, offset_seconds=None):
        """Move the clock: to the time `now` (then it runs on from there), or `offset_seconds` away from real time."""
        with self.lock:
            if now is not None:
                self.clock_offset = parse_time(now) - datetime.datetime.now(datetime.timezone.utc)
            elif offset_seconds is not None:
                self.clock_offset = datetime.timedelta(seconds=float(offset_seconds))
            else:
                self.clock_offset = datetime.timedelta(0)

    def clock(self):
        with self.lock:
            return {"now": self.now(), "offset_seconds": round(self.clock_offset.total_seconds(), 3)}

    def issue_secret(self, token):
        """Give the token a new random secret (create, rotate); the old one stops authenticating."""
        token["secret"] = new_secret(token["id"], self.organization["id"])
        self.issued_secrets.append(token["secret"])
        return token["secret"]

    # --- seed records -> stored records ---------------------------------------------

    def _workspace(self, raw):
        created = _time(raw.get("createdAt"), _DEFAULT_TIME)
        record = {
            "id": raw["id"],
            "name": raw["name"],
            "description": raw.get("description", ""),
            "organizationId": self.organization["id"],
            "organizationName": self.organization["name"],
            "cicdEnforcedDefault": bool(raw.get("cicdEnforcedDefault", False)),
            "createdAt": created,
            "updatedAt": _time(raw.get("updatedAt"), created),
        }
        if raw.get("created_by_user") in self.users:
            record["createdBy"] = self.user_profile(raw["created_by_user"])
        return record

    def _deployment(self, raw):
        created = _time(raw.get("createdAt"), _DEFAULT_TIME)
        workspace = self.workspaces.get(raw["workspaceId"], {})
        # The Deployment schema requires these fields; the seed may leave them out.
        record = {
            "id": raw["id"],
            "name": raw["name"],
            "description": raw.get("description", ""),
            "workspaceId": raw["workspaceId"],
            "workspaceName": workspace.get("name", ""),
            "organizationId": self.organization["id"],
            "namespace": raw.get("namespace", "astronomer-" + raw["id"][-12:]),
            "status": raw.get("status", "HEALTHY"),
            "runtimeVersion": raw.get("runtimeVersion", "12.6.0"),
            "airflowVersion": raw.get("airflowVersion", "2.10.4"),
            "createdAt": created,
            "updatedAt": _time(raw.get("updatedAt"), created),
        }
        return record

    def _custom_role(self, raw):
        created = _time(raw.get("createdAt"), _DEFAULT_TIME)
        return {
            "id": raw["id"],
            "name": raw["name"],
            "description": raw.get("description", ""),
            "scopeType": raw.get("scopeType", "DEPLOYMENT"),
            "restrictedWorkspaceIds": list(raw.get("restrictedWorkspaceIds") or []),
            "createdAt": created,
            "updatedAt": _time(raw.get("updatedAt"), created),
        }

    @staticmethod
    def _subject_roles(raw):
        """A team's or user's roles as the API shows them; the seed writes them in the same shape."""
        return {
            "organizationRole": raw.get("organizationRole", "ORGANIZATION_MEMBER"),
            "workspaceRoles": [dict(entry) for entry in raw.get("workspaceRoles") or []],
            "deploymentRoles": [dict(entry) for entry in raw.get("deploymentRoles") or []],
            "dagRoles": [dict(entry) for entry in raw.get("dagRoles") or []],
        }

    def _user(self, raw):
        created = _time(raw.get("createdAt"), _DEFAULT_TIME)
        return dict(
            {
                "id": raw["id"],
                "username": raw["username"],
                "fullName": raw.get("fullName", ""),
                "avatarUrl": raw.get("avatarUrl", ""),
                "status": raw.get("status", "ACTIVE"),
                "createdAt": created,
                "updatedAt": _time(raw.get("updatedAt"), created),
            },
            **self._subject_roles(raw),
        )

    def _team(self, raw):
        created = _time(raw.get("createdAt"), _DEFAULT_TIME)
        record = dict(
            {
                "id": raw["id"],
                "name": raw["name"],
                "description": raw.get("description", ""),
                "organizationId": self.organization["id"],
                "isIdpManaged": bool(raw.get("isIdpManaged", False)),
                "createdAt": created,
                "updatedAt": _time(raw.get("updatedAt"), created),
                # Internal (never in API answers; ListTeamMembers shows them): member user IDs, in seed order.
                "memberIds": [user_id for user_id in raw.get("members") or [] if user_id in self.users],
            },
            **self._subject_roles(raw),
        )
        return record

    def _token(self, raw, names):
        created = _time(raw.get("createdAt"), _DEFAULT_TIME)
        scope = raw["scope"]
        roles = [dict(entry) for entry in raw.get("roles") or []]
        own_entity = raw.get("entityId")
        if own_entity is None:
            if scope == "ORGANIZATION":
                own_entity = self.organization["id"]
            else:
                own_entity = next((entry["entityId"] for entry in roles if entry["entityType"] == scope), None)
        record = {
            "id": raw["id"],
            "name": raw.get("name", ""),
            "description": raw.get("description", ""),
            "shortToken": raw.get("shortToken") or new_short_token(),
            "scope": scope,
            "kind": raw.get("kind", "STANDARD"),
            "roles": roles,
            "startAt": _time(raw.get("startAt"), created),
            "createdAt": created,
            "updatedAt": _time(raw.get("updatedAt"), created),
            # Internal fields (never in API answers): the bearer secret and the own entity.
            "secret": raw.get("secret"),
            "ownEntityId": own_entity,
        }
        for field in ("endAt", "lastUsedAt", "lastRotatedAt"):
            if raw.get(field) is not None:
                record[field] = _time(raw[field], None)
        if raw.get("expiryPeriodInDays") is not None:
            record["expiryPeriodInDays"] = int(raw["expiryPeriodInDays"])
        if raw.get("created_by_user") in self.users:
            record["createdBy"] = self.user_profile(raw["created_by_user"])
        elif raw.get("created_by_token") in names:
            record["createdBy"] = self.token_profile(raw["created_by_token"], names[raw["created_by_token"]])
        return record

    # --- lookups ----------------------------------------------------------------------

    def user_profile(self, user_id):
        user = self.users[user_id]
        return {"id": user_id, "subjectType": "USER", "username": user.get("username", ""), "fullName": user.get("fullName", "")}

    @staticmethod
    def token_profile(token_id, name):
        return {"id": token_id, "subjectType": "SERVICEKEY", "apiTokenName": name}

    def token_by_secret(self, secret):
        """The token a bearer authenticates as; expired tokens do not authenticate."""
        if not secret:
            return None
        for token in self.tokens.values():
            if token.get("secret") and secrets.compare_digest(token["secret"], secret):
                if token.get("endAt") and parse_time(token["endAt"]) <= self.now_datetime():
                    return None
                return token
        return None

    @property
    def caller_secret(self):
        with self.lock:
            token = self.tokens.get(self.caller_id)
            return token.get("secret") if token else None

    def snapshot(self):
        """Everything, secrets included (the control API's test backdoor)."""
        with self.lock:
            return copy.deepcopy({
                "organization": self.organization,
                "users": list(self.users.values()),
                "workspaces": list(self.workspaces.values()),
                "deployments": list(self.deployments.values()),
                "custom_roles": list(self.custom_roles.values()),
                "teams": list(self.teams.values()),
                "tokens": list(self.tokens.values()),
                "caller": self.caller_id,
                "issued_secrets": self.issued_secrets,
            })


def public_token(token, with_secret=False):
    """A stored token as the API shows it: no internal fields; the secret only when asked (create, rotate)."""
    answer = {key: copy.deepcopy(value) for key, value in token.items() if key not in ("secret", "ownEntityId")}
    if with_secret:
        answer["token"] = token["secret"]
    return answer


def public_team(team):
    """A stored team as the API shows it: no internal fields."""
    return {key: copy.deepcopy(value) for key, value in team.items() if key != "memberIds"}
