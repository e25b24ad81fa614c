# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Workspace onboarding planned, pure like role_list: declarations and listings in; the token writes, one role
edit per token, team and user, and the changes by Workspace out (the action plugin onboarding looks up and runs the
modules)."""

from __future__ import annotations

import os

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, ORGANIZATION, TOKEN_SCOPES, WORKSPACE, WORKSPACE_ROLES
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError, message, shown
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    as_id,
    close_names,
    describe_token,
    match_deployment,
    name_hint,
    only_match,
    token_miss,
    tokens_named,
    user_by_email,
)
from ansible_collections.astro.platform.plugins.module_utils.role_display import named, printable
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_deployment_role
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import (
    MAX_EXPIRY_DAYS, MIN_EXPIRY_DAYS, matching_tokens, own_role, secret_older_than)
from ansible_collections.astro.platform.plugins.module_utils.token_view import expiry_days_of

VARIABLE = "workspace_onboarding_workspaces"
# The one schema of a declaration: each key and its type, a list of entries as the keys of an entry. The role's
# meta/argument_specs.yml documents the same keys and types (a unit test holds them equal).
OWN_TOKEN = {"name": "str", "role": "str", "description": "str", "expiry_days": "int", "secret_file": "path",
             "rotate_after_days": "int"}
SCHEMA = {
    "workspace": "str",
    "workspace_id": "str",
    "org_tokens": {"token": "str", "token_id": "str", "role": "str"},
    "deployment_tokens": {"token": "str", "token_id": "str", "token_scope": "str", "role": "str", "deployments": "list"},
    "workspace_tokens": OWN_TOKEN,
    "deployment_own_tokens": dict(deployment="str", **OWN_TOKEN),
    "teams": {"team": "str", "team_id": "str", "role": "str", "deployment_role": "str", "deployments": "list"},
    "users": {"email": "str", "user_id": "str", "role": "str", "deployment_role": "str", "deployments": "list"},
    "exclusive": "bool",
    "state": "str",
}
STATES = ("present", "absent")
# What a declared token_scope lets the token be, as sets: a token declared twice may be only what both allow.
SCOPES = {option: frozenset(scopes) for option, scopes in TOKEN_SCOPES.items()}
# The own tokens a declaration creates, and the scope of each (as api_token's scope option).
OWN_TOKEN_SCOPES = {"workspace_tokens": "workspace", "deployment_own_tokens": "deployment"}
# The people a declaration gives roles: its key, the subject's kind, the keys that name it (a name, its ID), and the
# module that writes its roles (one verified write of the subject's whole set, like token_roles).
PEOPLE = {"teams": dict(kind="team", keys=("team", "team_id"), module="team_roles", id_option="team_id"),
          "users": dict(kind="user", keys=("email", "user_id"), module="user_roles", id_option="user_id")}


def is_exclusive(declaration, default):
    """Whether a declaration removes the undeclared roles: its own `exclusive`, or the default when it is null or absent."""
    exclusive = declaration.get("exclusive")
    return boolean(default if exclusive is None else exclusive)


def state_of(declaration, default):
    return declaration.get("state") or default


def where(index, declaration, option=None, entry_index=None, entry=None):
    """Which declaration (and entry) a message is about, by index and name, as a person finds it in the vars file."""
    text = message("{0}[{1}] (Workspace {2!r})", VARIABLE, index, declaration.get("workspace") or declaration.get("workspace_id"))
    if option:
        text += " {0}[{1}]".format(option, entry_index)
        if isinstance(entry, dict) and option in PEOPLE:
            keys = PEOPLE[option]["keys"]
            text += message(" ({0} {1!r})", PEOPLE[option]["kind"], entry.get(keys[0]) or entry.get(keys[1]))
        elif isinstance(entry, dict):
            text += message(" (token {0!r})", entry.get("token") or entry.get("token_id") or entry.get("name"))
    return text


def _fail(text, *args):
    """The plan's failure: every name in it escaped (errors.message), whatever the API or the declarations hold."""
    raise AstroInputError(message(text, *args))


def _known_keys(item, schema, place):
    """An unknown key fails, naming it and the closest valid key: Ansible's own validation would have refused it."""
    for key in item:
        if key not in schema:
            close = close_names(str(key), list(schema), limit=1)
            _fail("{0}: unknown key {1}{2}; valid keys: {3}.", place, shown(str(key)),
                  " (did you mean {0}?)".format(shown(close[0])) if close else "", ", ".join(schema))


def _one_of(item, keys, place):
    given = [k for k in keys if item.get(k) not in (None, "")]
    if len(given) != 1:
        _fail("{0}: give exactly one of {1}, not {2}.", place, " and ".join(keys), " and ".join(given) if given else "neither")


def _choice(value, choices, what, place, required=False):
    if value in (None, ""):
        if required:
            _fail("{0}: {1} is required; valid: {2}.", place, what, ", ".join(choices))
    elif value not in choices:
        _fail("{0}: {1} {2!r} is not valid; valid: {3}.", place, what, value, ", ".join(choices))


def _boolean(value, what):
    try:
        return boolean(value)
    except TypeError:
        _fail("{0}: {1!r} is not a boolean; valid: true, false (or null for the default).", what, value)


def _days(value):
    return None if value in (None, "") else int(value)


def _whole_number(value, what, place, least, most=None):
    """An int option of an entry (a digit string from -e is taken too); out of range fails, naming the range."""
    if value in (None, ""):
        return
    number = int(value) if not isinstance(value, bool) and str(value).strip().isdigit() else None
    if number is None or number < least or (most is not None and number > most):
        _fail("{0}: {1} {2!r} is not valid; it must be a whole number of days, {3}.", place, what, value,
              "{0} to {1}".format(least, most) if most else "{0} or more".format(least))


def _check_own_tokens(index, declaration, secret_files):
    """The workspace_tokens and deployment_own_tokens entries; secret_files: path -> the entry that writes it, of all."""
    for option in OWN_TOKEN_SCOPES:
        seen = set()
        for entry_index, entry in enumerate(declaration.get(option) or []):
            place = where(index, declaration, option, entry_index, entry)
            if not isinstance(entry, dict):
                _fail("{0} is not a mapping: {1!r}.", place, entry)
            _known_keys(entry, SCHEMA[option], place)
            for required in ("name", "role") + (("deployment",) if option == "deployment_own_tokens" else ()):
                if not isinstance(entry.get(required), str) or not entry[required].strip():
                    _fail("{0}: {1} is required (a non-empty string).", place, required)
            if option == "workspace_tokens":
                _choice(entry["role"], WORKSPACE_ROLES, "role", place, required=True)
            _whole_number(entry.get("expiry_days"), "expiry_days", place, MIN_EXPIRY_DAYS, MAX_EXPIRY_DAYS)
            _whole_number(entry.get("rotate_after_days"), "rotate_after_days", place, 1)
            for text in ("description", "secret_file"):
                if entry.get(text) is not None and not isinstance(entry[text], str):
                    _fail("{0}: {1} must be a string.", place, text)
            if entry.get("rotate_after_days") not in (None, "") and not entry.get("secret_file"):
                _fail("{0}: rotate_after_days needs secret_file, the file the rotated secret is written to (mode 0600); "
                      "the role never returns a secret.", place)
            if entry.get("secret_file"):
                path = os.path.normpath(entry["secret_file"])
                if path in secret_files:
                    _fail("{0}: secret_file {1!r} is also the secret_file of {2}; give each token a path of its own, or one "
                          "secret would overwrite the other.", place, entry["secret_file"], secret_files[path])
                secret_files[path] = place
            identity = (entry.get("deployment"), entry["name"])
            if identity in seen:
                _fail("{0}: declared twice in {1}; declare each token once.", place, option)
            seen.add(identity)


def _check_people(index, declaration, role_required):
    """The teams and users entries: a subject by name (e-mail) or ID, its Workspace role, and optionally one Deployment
    role on named Deployments of the Workspace (or all), as deployment_tokens gives tokens theirs."""
    for option, person in PEOPLE.items():
        entries = declaration.get(option)
        if entries is not None and not isinstance(entries, list):
            _fail("{0} {1} must be a list of entries, not {2!r}.", where(index, declaration), option, entries)
        for entry_index, entry in enumerate(entries or []):
            if not isinstance(entry, dict):
                _fail("{0} {1}[{2}] is not a mapping: {3!r}.", where(index, declaration), option, entry_index, entry)
            place = where(index, declaration, option, entry_index, entry)
            _known_keys(entry, SCHEMA[option], place)
            _one_of(entry, person["keys"], place)
            for text in person["keys"] + ("role", "deployment_role"):
                if entry.get(text) is not None and not isinstance(entry[text], str):
                    _fail("{0}: {1} must be a string, not {2!r}.", place, text, entry[text])
            # A Deployment role needs a Workspace role in its Workspace (SEMANTICS "Teams and users"): `role` is required.
            _choice(entry.get("role"), WORKSPACE_ROLES, "role", place, required=role_required)
            deployments = entry.get("deployments")
            if deployments not in (None, "all") and not (isinstance(deployments, list) and deployments):
                _fail("{0}: deployments {1!r} is not valid; give names or IDs of Deployments of the Workspace, or all.",
                      place, deployments)
            if entry.get("deployment_role") not in (None, "") and deployments is None:
                _fail("{0}: deployment_role needs deployments: names or IDs of Deployments of the Workspace, or [all].", place)
            if role_required and deployments is not None and entry.get("deployment_role") in (None, ""):
                _fail("{0}: deployments needs deployment_role (DEPLOYMENT_ADMIN or a custom Deployment role).", place)


def check_declarations(declarations, default_state="present", default_exclusive=False):
    """Fail (AstroInputError) on the first malformed declaration or entry, naming it by index and name, before any request."""
    if not isinstance(declarations, (list, type(None))):
        _fail("{0} must be a list of Workspace declarations, not {1!r}.", VARIABLE, type(declarations).__name__)
    _choice(default_state, STATES, "value", "workspace_onboarding_state", required=True)
    _boolean(default_exclusive, "workspace_onboarding_exclusive")
    secret_files = {}
    for index, declaration in enumerate(declarations or []):
        if not isinstance(declaration, dict):
            _fail("{0}[{1}] is not a mapping: {2!r}.", VARIABLE, index, declaration)
        place = where(index, declaration)
        _known_keys(declaration, SCHEMA, place)
        _one_of(declaration, ("workspace", "workspace_id"), place)
        _choice(declaration.get("state"), STATES, "state", place)
        if declaration.get("exclusive") is not None:
            _boolean(declaration["exclusive"], place + " exclusive")
        role_required = state_of(declaration, default_state) == "present"
        for option in ("org_tokens", "deployment_tokens"):
            for entry_index, entry in enumerate(declaration.get(option) or []):
                if not isinstance(entry, dict):
                    _fail("{0} {1}[{2}] is not a mapping: {3!r}.", place, option, entry_index, entry)
                entry_place = where(index, declaration, option, entry_index, entry)
                _known_keys(entry, SCHEMA[option], entry_place)
                _one_of(entry, ("token", "token_id"), entry_place)
                if option == "org_tokens":
                    _choice(entry.get("role"), WORKSPACE_ROLES, "role", entry_place, required=role_required)
                    continue
                if role_required and entry.get("role") in (None, ""):
                    _fail("{0}: role is required (DEPLOYMENT_ADMIN or a custom Deployment role).", entry_place)
                _choice(entry.get("token_scope"), ("organization", "workspace"), "token_scope", entry_place)
                if not entry.get("deployments"):
                    _fail("{0}: deployments is required: names or IDs of Deployments of the Workspace, or [all].", entry_place)
        _check_own_tokens(index, declaration, secret_files)
        _check_people(index, declaration, role_required)


DEFAULTS_VARIABLE = "workspace_onboarding_defaults"
# Keys that name the Workspace of one declaration: a default for every declaration cannot have them.
OWN_KEYS = ("workspace", "workspace_id")


def with_defaults(declarations, defaults):
    """The declarations with the defaults merged into each: a key the declaration has (even null) wins, and the default
    is taken whole otherwise, so a list (org_tokens, say) is the declaration's or the defaults', never both.

    The defaults are checked against the schema first (an unknown key fails naming the closest valid one); the merged
    declarations are then checked by check_declarations like any other."""
    if defaults in (None, {}):
        return declarations
    if not isinstance(defaults, dict):
        _fail("{0} must be a mapping of declaration keys, not {1!r}.", DEFAULTS_VARIABLE, type(defaults).__name__)
    _known_keys(defaults, dict((k, v) for k, v in SCHEMA.items() if k not in OWN_KEYS), DEFAULTS_VARIABLE)
    for option in ("org_tokens", "deployment_tokens") + tuple(OWN_TOKEN_SCOPES):
        for entry_index, entry in enumerate(defaults.get(option) or []):
            place = "{0} {1}[{2}]".format(DEFAULTS_VARIABLE, option, entry_index)
            if not isinstance(entry, dict):
                _fail("{0} is not a mapping: {1!r}.", place, entry)
            _known_keys(entry, SCHEMA[option], place)
    if not isinstance(declarations, list):
        return declarations  # check_declarations names what is wrong with it
    return [dict(defaults, **declaration) if isinstance(declaration, dict) else declaration for declaration in declarations]


def needs(declarations, default_exclusive=False, default_state="present"):
    """What the plan needs looked up, after check_declarations: token_names (the tokens declared by name),
    every_token (every token must be listed: declared tokens, a token named by ID, or an exclusive declaration),
    custom_roles (a Deployment role other than DEPLOYMENT_ADMIN is declared), teams and users (the Organization's
    teams, users must be listed, with their roles: one is declared, or an exclusive declaration has the key)."""
    declarations = declarations or []
    entries = [e for d in declarations for option in ("org_tokens", "deployment_tokens") for e in d.get(option) or []]
    own = [e for d in declarations for option in OWN_TOKEN_SCOPES for e in d.get(option) or []]
    deployment_roles = [e.get("role") for d in declarations for option in ("deployment_tokens", "deployment_own_tokens")
                        for e in d.get(option) or []]
    deployment_roles += [e.get("deployment_role") for d in declarations for option in PEOPLE for e in d.get(option) or []]
    exclusive = [d for d in declarations if state_of(d, default_state) == "present" and is_exclusive(d, default_exclusive)]
    every_token = bool(own) or any(e.get("token_id") for e in entries) or bool(exclusive)
    found = dict(token_names=list(dict.fromkeys(e["token"] for e in entries if e.get("token"))), every_token=every_token,
                 custom_roles=any(role not in (None, "", "DEPLOYMENT_ADMIN") for role in deployment_roles))
    for option in PEOPLE:
        found[option] = any(d.get(option) for d in declarations) or any(d.get(option) is not None for d in exclusive)
    return found


def _token_ref(entry):
    return {"token_id": as_id(entry["token_id"])} if entry.get("token_id") else {"token_name": entry.get("token")}


def _describe_wanted(wanted):
    return "role " + wanted["role"] if wanted["state"] == "present" else "state absent" + (
        " of role " + wanted["removed_role"] if wanted["removed_role"] else "")


def _role_args(wanted):
    """token_roles arguments: an absent role with a role removes the token's role only where it is that role."""
    if wanted["state"] == "present":
        return dict(role=wanted["role"], state="present")
    return dict(role=wanted["removed_role"], state="absent") if wanted["removed_role"] else dict(state="absent")


def _needs_api_token(token, entry, now):
    """Whether api_token may change the listed token: its role, description, expiry, or a rotation that may be due
    (token_info lists no rotation time: api_token decides exactly)."""
    listed = {"createdAt": token.get("created_at"), "endAt": token.get("expiry")}
    return (own_role(token) != entry["role"]
            or (entry.get("description") is not None and entry["description"] != (token.get("description") or ""))
            or expiry_days_of(listed) != _days(entry.get("expiry_days"))
            or (_days(entry.get("rotate_after_days")) is not None
                and secret_older_than(listed, _days(entry["rotate_after_days"]), now)))


def _rotation_may_be_due(token, entry, now):
    """Whether the entry's rotate_after_days may rotate the listed token now (its last rotation or creation is older)."""
    days = _days(entry.get("rotate_after_days"))
    listed = {"createdAt": token.get("created_at"), "lastRotatedAt": token.get("last_rotated_at")}
    return days is not None and secret_older_than(listed, days, now)


def _secret_file_missing(entry):
    """Whether the entry names a secret_file that does not exist (relative: in the working directory, as written)."""
    return bool(entry.get("secret_file")) and not os.path.exists(os.path.expanduser(entry["secret_file"]))


class Plan:
    """Everything asked of each token, keyed so that one key is one token edit, and the declared tokens to write. The
    look-ups are indexed once, so planning costs time in proportion to the declarations and look-ups, not their product."""

    def __init__(self, lookup, tokens=None, limit=None, deployment_roles=None, now=None, people=None):
        self.workspace_by_id = {w["id"]: w for w in lookup.get("workspaces") or []}
        self.workspace_names = {w["id"]: w["name"] for w in self.workspace_by_id.values()}
        self.workspaces_by_name, self.deployments_by_workspace = {}, {}
        for w in self.workspace_by_id.values():
            self.workspaces_by_name.setdefault(w["name"], []).append(w)
        for d in lookup.get("deployments") or []:
            self.deployments_by_workspace.setdefault(d.get("workspace_id"), []).append(d)
        self.limit = self._limit_ids(limit)
        self.deployment_roles, self.tokens, self.now = deployment_roles, tokens, now
        self.edits = {}  # token key -> {"token": ..., "scopes": set, "roles": {(type, id): wanted}}
        self.declared = set()
        self.acted_on = {}  # Workspace ID -> name, of the declarations planned (in the limit)
        self.exclusive = []  # (workspace, token keys of its org_tokens, {(token key, deployment ID)} it grants)
        self.token_writes = []  # api_token arguments, one per declared token to create or check
        self.new_tokens = set()  # (name, Workspace ID) of the Workspace tokens this run creates
        self.undeclared = []
        self._token_ids = {}
        # The teams and users as team_info / user_info list them (None: not listed), by ID; and one edit per subject.
        self.people = dict((option, None if (people or {}).get(option) is None else {as_id(s["id"]): s for s in people[option]})
                           for option in PEOPLE)
        self.people_edits = {}  # (option, subject ID) -> {"subject": listed, "roles": {(type, id): wanted}}
        self.exclusive_people = []  # (workspace, option, {subject ID declared}, {(subject ID, Deployment ID) granted})

    def _limit_ids(self, limit):
        """The IDs in the limit, compared with IDs only: an entry is a Workspace's ID, or else the exact name of Workspaces."""
        if not limit:
            return None
        ids = set()
        for entry in limit:
            if as_id(entry) in self.workspace_by_id:
                ids.add(as_id(entry))
            else:
                ids.update(w["id"] for w in self.workspaces_by_name.get(entry, []))
        return ids

    def workspace(self, declaration):
        if declaration.get("workspace_id"):
            workspace = self.workspace_by_id.get(as_id(declaration["workspace_id"]))
            if workspace is None:
                _fail("No Workspace has the ID {0!r}.", declaration["workspace_id"])
        else:
            name = declaration.get("workspace")
            workspace = only_match(self.workspaces_by_name.get(name, []), "Workspace", name, lambda w: w["id"],
                                   candidates=lambda: list(self.workspaces_by_name))
        if workspace["id"] in self.declared:
            _fail("Workspace {0} ({1}) is declared twice; declare it once.", workspace["name"], workspace["id"])
        self.declared.add(workspace["id"])
        return workspace

    def deployments_of(self, workspace, named_deployments, place):
        """The Deployments of the Workspace that a declaration names (by ID or exact name, resolve's rule), or all."""
        own = self.deployments_by_workspace.get(workspace["id"], [])
        wanted = named_deployments if isinstance(named_deployments, list) else [named_deployments]
        if wanted == ["all"]:
            return own
        where = " in Workspace " + named(workspace["id"], self.workspace_names)
        try:
            return [match_deployment(own, name, where) for name in wanted]
        except AstroInputError as exc:
            _fail("{0}: {1}", place, exc)

    def check_role(self, role, workspace, place):
        """A Deployment role must be a default or custom Deployment role usable in the Workspace, when the roles are known."""
        if self.deployment_roles is None:
            return
        try:
            check_deployment_role(role, self.deployment_roles["custom"], workspace["id"], self.deployment_roles["default"],
                                  self.workspace_names)
        except AstroInputError as exc:
            _fail("{0}: {1}", place, exc)

    def record_edit(self, token, scopes, workspace_id, entity_type, entity_id, role, state):
        """Record that the token must hold `role` (state present), or not hold `role` (absent; any role if None) on the entity."""
        if token.get("token_id"):
            key = ("id", token["token_id"])
        elif scopes == SCOPES["workspace"]:
            key = ("name", token["token_name"], workspace_id)  # same-named Workspace tokens of other Workspaces differ
        else:
            key = ("name", token["token_name"])
        plan = self.edits.setdefault(key, {"token": token, "scopes": set(SCOPES[None]), "roles": {}})
        if not plan["scopes"] & scopes:
            _fail("Token {0} is declared both as an Organization token and as a Workspace token.", key[1])
        plan["scopes"] &= scopes
        wanted = dict(role=role if state == "present" else None, state=state, workspace_id=workspace_id,
                      removed_role=role if state == "absent" else None)
        earlier = plan["roles"].setdefault((entity_type, entity_id), wanted)
        if (earlier["role"], earlier["removed_role"]) != (wanted["role"], wanted["removed_role"]):
            _fail("Token {0} is declared with {1} and with {2} on {3} {4}; declare one.", key[1], _describe_wanted(earlier),
                  _describe_wanted(wanted), entity_type, entity_id)
        return key

    def declare(self, index, declaration, default_exclusive, default_state):
        """Check one declaration against the look-ups; plan its writes when its Workspace is in the limit."""
        workspace = self.workspace(declaration)
        state = state_of(declaration, default_state)
        acting = self.limit is None or workspace["id"] in self.limit
        if state == "present":
            self.declare_own_tokens(index, declaration, workspace, acting)
        org_keys, grants = [], set()
        for entry in declaration.get("org_tokens") or []:
            if acting:
                org_keys.append(self.record_edit(_token_ref(entry), SCOPES["organization"], workspace["id"], WORKSPACE,
                                                 workspace["id"], entry.get("role"), state))
        for entry_index, entry in enumerate(declaration.get("deployment_tokens") or []):
            place = where(index, declaration, "deployment_tokens", entry_index, entry)
            deployments = self.deployments_of(workspace, entry["deployments"], place)
            if state == "present":
                self.check_role(entry.get("role"), workspace, place)
            if not acting:
                continue
            token, scopes = _token_ref(entry), SCOPES[entry.get("token_scope")]
            for deployment in deployments:
                grants.add((self.record_edit(token, scopes, workspace["id"], DEPLOYMENT, deployment["id"], entry.get("role"), state),
                            deployment["id"]))
        people = self.declare_people(index, declaration, workspace, state, acting)
        if not acting:
            return
        self.acted_on[workspace["id"]] = workspace["name"]
        if state == "present" and is_exclusive(declaration, default_exclusive):
            self.exclusive.append((workspace, org_keys, grants))
            # People only where the declaration lists them (an empty list: nobody): an exclusive declaration written
            # for its tokens never strips the Workspace's teams and users.
            self.exclusive_people.extend((workspace, option, declared, granted) for option, (declared, granted) in people.items()
                                         if declaration.get(option) is not None)

    def subject(self, option, entry, place):
        """The listed team or user an entry names, by ID or by name (a user by e-mail); a miss fails naming the close ones."""
        person, listed = PEOPLE[option], self.people[option]
        if listed is None:
            _fail("{0}: the plan needs the Organization's {1} with their roles ({2}_info).", place, option, person["kind"])
        name_key, id_key = person["keys"]
        if entry.get(id_key):
            found = listed.get(as_id(entry[id_key]))
            if found is None:
                _fail("{0}: no {1} has the ID {2!r}; {3}", place, person["kind"], entry[id_key], name_hint(
                    as_id(entry[id_key]), list(listed), option))
            return found
        try:
            if option == "users":  # e-mails exactly, as the CLI matches them; a miss says inviting is not ours
                return user_by_email([dict(u, username=u.get("email")) for u in listed.values()], entry[name_key])
            return only_match([t for t in listed.values() if t.get("name") == entry[name_key]], "team", entry[name_key],
                              lambda t: "{0} (description {1!r})".format(t.get("id"), t.get("description") or ""),
                              candidates=lambda: [t.get("name") for t in listed.values()])
        except AstroInputError as exc:
            _fail("{0}: {1}", place, exc)

    def declare_people(self, index, declaration, workspace, state, acting):
        """Check the teams and users entries against the listings; record each subject's roles when acting. Returns, per
        option, the subject IDs declared and the (subject ID, Deployment ID) given a role, for exclusive."""
        declared = {}
        for option in PEOPLE:
            ids, granted = set(), set()
            for entry_index, entry in enumerate(declaration.get(option) or []):
                place = where(index, declaration, option, entry_index, entry)
                subject = self.subject(option, entry, place)
                deployments = [] if entry.get("deployments") is None else self.deployments_of(workspace, entry["deployments"], place)
                if state == "present" and deployments:
                    self.check_role(entry.get("deployment_role"), workspace, place)
                subject_id = as_id(subject["id"])
                ids.add(subject_id)
                granted.update((subject_id, d["id"]) for d in deployments)
                if not acting:
                    continue
                self.record_person(option, subject, workspace["id"], WORKSPACE, workspace["id"], entry.get("role"), state)
                for deployment in deployments:
                    self.record_person(option, subject, workspace["id"], DEPLOYMENT, deployment["id"], entry.get("deployment_role"), state)
            declared[option] = (ids, granted)
        return declared

    def record_person(self, option, subject, workspace_id, entity_type, entity_id, role, state):
        """As record_edit for a token: the subject must hold `role` (present), or not hold it (absent; any role if None)."""
        plan = self.people_edits.setdefault((option, as_id(subject["id"])), {"subject": subject, "roles": {}})
        wanted = dict(role=role if state == "present" else None, state=state, workspace_id=workspace_id,
                      removed_role=role if state == "absent" else None)
        earlier = plan["roles"].setdefault((entity_type, entity_id), wanted)
        if (earlier["role"], earlier["removed_role"]) != (wanted["role"], wanted["removed_role"]):
            _fail("{0} is declared with {1} and with {2} on {3} {4}; declare one.", _subject_text(option, subject),
                  _describe_wanted(earlier), _describe_wanted(wanted), entity_type, entity_id)

    def declare_own_tokens(self, index, declaration, workspace, acting):
        """api_token's arguments for the declared tokens to create or that may need a change (the others cost nothing)."""
        for option, scope in OWN_TOKEN_SCOPES.items():
            for entry_index, entry in enumerate(declaration.get(option) or []):
                place = where(index, declaration, option, entry_index, entry)
                arguments = dict(name=entry["name"], scope=scope, role=entry["role"])
                entity_id, home = workspace["id"], workspace["name"]
                if scope == "workspace":
                    arguments["workspace_id"] = workspace["id"]
                else:
                    [deployment] = self.deployments_of(workspace, [entry["deployment"]], place)
                    arguments["deployment_id"] = entity_id = deployment["id"]
                    home = deployment["name"]
                    self.check_role(entry["role"], workspace, place)
                if not acting:
                    continue
                arguments.update((key, entry[key]) for key in ("description", "secret_file") if entry.get(key) is not None)
                arguments.update((key, _days(entry[key])) for key in ("expiry_days", "rotate_after_days") if _days(entry.get(key)) is not None)
                matches = matching_tokens(self.tokens or [], entry["name"], scope.upper(), entity_id)
                if len(matches) > 1:
                    _fail("{0}: {1} tokens have that name there ({2}); rename or delete all but one "
                          "(astro.platform.api_token with token_id).", place, len(matches), ", ".join(t["id"] for t in matches))
                if not matches and not entry.get("secret_file"):
                    _fail("{0}: the token does not exist yet, and its secret is shown once, when it is created: set "
                          "secret_file to the path to write it to (mode 0600, on the host that runs the role). The role "
                          "never returns a secret. Nothing was created.", place)
                # A secret_file that is not there may be a create whose answer a failed run lost: api_token looks for its
                # record and hands a secret over (token_lifecycle.CreateRecord); otherwise it changes nothing.
                if matches and not _needs_api_token(matches[0], entry, self.now) and not _secret_file_missing(entry):
                    continue
                # With its Workspace for either scope: each change is reported on its Workspace's host. new_secret: a
                # secret may be made (a create, or a rotation that may be due), whose secret_file is checked before any write.
                self.token_writes.append(dict(arguments=arguments, workspace_id=workspace["id"], label="{0} token {1} of {2} ({3})".format(
                    scope, entry["name"], home, "check" if matches else "create"), place=place,
                    new_secret=not matches or _rotation_may_be_due(matches[0], entry, self.now)))
                if not matches and scope == "workspace":
                    self.new_tokens.add((entry["name"], workspace["id"]))

    def token_id_of(self, key):
        """The ID of the token that token_roles will edit for a key, by its rules; None if none. Known once every declaration
        has narrowed the token's scope, so exclusivity is decided by ID: a same-named other token is not the declared one."""
        if key[0] == "id":
            return key[1]
        if key not in self._token_ids:
            scopes = sorted(self.edits[key]["scopes"])
            matches = tokens_named(self.tokens, key[1], scopes, key[2] if len(key) > 2 else None)
            self._token_ids[key] = only_match(matches, "{0} token".format(" or ".join(scopes)), key[1], describe_token)["id"] if matches else None
        return self._token_ids[key]

    def resolve_tokens(self):
        """Every token by ID: an unknown ID, or an unknown or ambiguous name, fails before any write. A Workspace token
        this run creates keeps its name (its edit waits for its creation)."""
        if self.tokens is None:
            return
        listed = {t.get("id") for t in self.tokens}
        for key, plan in self.edits.items():
            if key[0] == "id":
                if key[1] not in listed:
                    _fail("No token has the ID {0!r}; {1}", key[1], name_hint(key[1], listed, "tokens"))
                continue
            found = self.token_id_of(key)
            if found is None and WORKSPACE in plan["scopes"] and any(
                    (key[1], wanted["workspace_id"]) in self.new_tokens for wanted in plan["roles"].values()):
                continue
            if found is None:
                scopes = sorted(plan["scopes"])
                raise token_miss(key[1], scopes, [t for t in self.tokens if t.get("scope") in scopes], self.tokens,
                                 key[2] if len(key) > 2 else None)
            plan["token"] = dict(plan["token"], token_id=found)

    def remove_all_undeclared(self):
        """Plan the removals of every exclusive Workspace: tokens first, then teams and users, one summary a Workspace."""
        if not self.exclusive:
            return
        if self.tokens is None:
            _fail("Workspace {0} is exclusive: the plan needs every token, with its roles (token_info).", self.exclusive[0][0]["name"])
        held = {}  # entity ID -> [(token's place in the list, token, role entry)]: each Workspace reads only its own
        for place, holder in enumerate(self.tokens):
            for entry in holder.get("roles") or []:
                held.setdefault(entry.get("entityId"), []).append((place, holder, entry))
        summaries = {}  # Workspace ID -> what is removed there, in the order the declarations came
        for workspace, org_keys, grants in self.exclusive:
            summaries[workspace["id"]] = self.remove_undeclared(workspace, {self.token_id_of(key) for key in org_keys},
                                                                {(self.token_id_of(key), deployment) for key, deployment in grants}, held)
        for workspace, option, _declared, _granted in self.exclusive_people:
            if self.people[option] is None:
                _fail("Workspace {0} is exclusive over its {1}: the plan needs every one, with their roles ({2}_info).",
                      workspace["name"], option, PEOPLE[option]["kind"])
        people_held = dict((option, self._people_by_entity(option)) for option in {found[1] for found in self.exclusive_people})
        for workspace, option, declared, granted in self.exclusive_people:
            self.remove_undeclared_people(workspace, option, declared, granted, people_held[option], summaries[workspace["id"]])
        self.undeclared.extend(removed for removed in summaries.values() if removed["workspace_roles"] or removed["deployment_roles"])

    def _people_by_entity(self, option):
        """Entity ID -> [(subject, entity type, role)] of the listed teams or users: each Workspace reads only its own."""
        held = {}
        for subject in self.people[option].values():
            for entry in subject.get("workspace_roles") or []:
                held.setdefault(as_id(entry.get("workspace_id")), []).append((subject, WORKSPACE, entry.get("role")))
            for entry in subject.get("deployment_roles") or []:
                held.setdefault(as_id(entry.get("deployment_id")), []).append((subject, DEPLOYMENT, entry.get("role")))
        return held

    def remove_undeclared_people(self, workspace, option, declared, granted, held, removed):
        """Plan the removal of the teams' (users') roles in an exclusive Workspace that its declaration does not give:
        the Workspace role of a subject it does not list, a Deployment role it does not list for that Deployment."""
        names = dict((d["id"], d["name"]) for d in self.deployments_by_workspace.get(workspace["id"], []))
        for entity_id in [workspace["id"]] + list(names):
            for subject, entity_type, role in held.get(entity_id, []):
                subject_id = as_id(subject["id"])
                if entity_type == WORKSPACE and entity_id == workspace["id"]:
                    if subject_id in declared:
                        continue
                    removed["workspace_roles"].append("{0}: {1}".format(_subject_text(option, subject), role))
                elif entity_type == DEPLOYMENT and entity_id in names:
                    if (subject_id, entity_id) in granted:
                        continue
                    removed["deployment_roles"].append("{0}: {1}: {2}".format(_subject_text(option, subject), role, printable(names[entity_id])))
                else:
                    continue
                self.record_person(option, subject, workspace["id"], entity_type, entity_id, role, "absent")

    def check_people_removals(self):
        """A Deployment role needs a Workspace role in its Workspace (SEMANTICS "Teams and users"): a subject that would
        lose its Workspace role but keep a Deployment role of that Workspace fails the plan, before any write."""
        deployment_workspace = dict((d["id"], workspace_id) for workspace_id, listed in self.deployments_by_workspace.items()
                                    for d in listed)
        for (option, _subject_id), plan in self.people_edits.items():
            subject = plan["subject"]
            self.check_dag_roles_kept(option, subject, plan["roles"])
            workspace_roles = dict((as_id(e.get("workspace_id")), e.get("role")) for e in subject.get("workspace_roles") or [])
            for (entity_type, workspace_id), wanted in plan["roles"].items():
                held = workspace_roles.get(workspace_id)
                if entity_type != WORKSPACE or wanted["state"] != "absent" or held is None or wanted["removed_role"] not in (None, held):
                    continue
                kept = ["{0} ({1})".format(printable(self._deployment_name(e.get("deployment_id"))), e.get("role"))
                        for e in subject.get("deployment_roles") or []
                        if deployment_workspace.get(as_id(e.get("deployment_id"))) == workspace_id
                        and not _removes(plan["roles"].get((DEPLOYMENT, as_id(e.get("deployment_id")))), e.get("role"))]
                if kept:
                    _fail("{0} would lose its role in the Workspace {1} but keep its Deployment role(s) there: {2}; a "
                          "Deployment role needs a Workspace role in its Workspace. Give those Deployments in its entry's "
                          "deployments (or all) to remove them too.", _subject_text(option, subject),
                          printable(self.workspace_names.get(workspace_id, workspace_id)), ", ".join(kept))

    def check_dag_roles_kept(self, option, subject, wanted):
        """A DAG role needs a Deployment role on its Deployment (SEMANTICS), and the onboarding never touches DAG roles: a
        removal that would take the Deployment role under one fails the plan, before any write."""
        deployment_roles = dict((as_id(e.get("deployment_id")), e.get("role")) for e in subject.get("deployment_roles") or [])
        for entry in subject.get("dag_roles") or []:
            deployment_id = as_id(entry.get("deployment_id"))
            if deployment_id in deployment_roles and _removes(wanted.get((DEPLOYMENT, deployment_id)), deployment_roles[deployment_id]):
                _fail("{0} would lose its role on the Deployment {1} but keep its DAG role {2} there ({3}); a DAG role needs a "
                      "Deployment role on its Deployment, and the onboarding does not manage DAG roles: remove the DAG role "
                      "in Astro first, or give the {4} its Deployment role in the declaration.", _subject_text(option, subject),
                      printable(self._deployment_name(deployment_id)), entry.get("role"),
                      printable(entry.get("dag_id") or entry.get("dag_tag")), PEOPLE[option]["kind"])

    def _deployment_name(self, deployment_id):
        return next((d["name"] for listed in self.deployments_by_workspace.values() for d in listed
                     if d["id"] == as_id(deployment_id)), deployment_id)

    def people_edit_list(self):
        """Arguments of astro.platform.team_roles / user_roles, one entry per subject, with the module, a label and the subject."""
        found = []
        for (option, subject_id), plan in self.people_edits.items():
            person = PEOPLE[option]
            edit = {person["id_option"]: subject_id}
            edit["workspace_roles"] = [dict(workspace_id=entity_id, **_role_args(wanted))
                                       for (entity_type, entity_id), wanted in plan["roles"].items() if entity_type == WORKSPACE]
            edit["deployment_roles"] = [dict(deployment_id=entity_id, workspace_id=wanted["workspace_id"], **_role_args(wanted))
                                        for (entity_type, entity_id), wanted in plan["roles"].items() if entity_type != WORKSPACE]
            removals = sum(1 for wanted in plan["roles"].values() if wanted["state"] == "absent")
            subject = _subject_text(option, plan["subject"])
            label = "{0}: {1} Workspace and {2} Deployment role(s){3}".format(
                subject, len(edit["workspace_roles"]), len(edit["deployment_roles"]), ", {0} to remove".format(removals) if removals else "")
            found.append(dict(module=person["module"], arguments=edit, label=label, subject=subject))
        return found

    def remove_undeclared(self, workspace, org_token_ids, granted, held):
        """Plan the removal of the roles in the Workspace that no declaration of it gives (org_token_ids: the declared
        Organization tokens; granted: the declared (token ID, Deployment ID); held: the tokens' roles by entity ID)."""
        names = dict((d["id"], d["name"]) for d in self.deployments_by_workspace.get(workspace["id"], []))
        # Shown by the role's debug task, label included: names from the API with their control characters escaped.
        removed = dict(workspace=printable(workspace["name"]), workspace_roles=[], deployment_roles=[])
        for _place, holder, entry in sorted((found for entity in [workspace["id"]] + list(names) for found in held.get(entity, [])),
                                            key=lambda found: found[0]):
            scope = holder.get("scope")
            target, role = entry.get("entityId"), entry.get("role")
            if entry.get("entityType") == WORKSPACE and target == workspace["id"] and scope == ORGANIZATION:
                if holder.get("id") in org_token_ids:
                    continue
                removed["workspace_roles"].append("{0} ({1}): {2}".format(printable(holder["name"]), holder["id"], role))
            elif entry.get("entityType") == DEPLOYMENT and target in names and scope in (ORGANIZATION, WORKSPACE):
                if (holder.get("id"), target) in granted:
                    continue
                removed["deployment_roles"].append("{0} ({1}): {2}: {3}".format(printable(holder["name"]), holder["id"], role,
                                                                                printable(names[target])))
            else:
                continue
            # With its role as listed: should the token hold another role by the time it is edited, it is kept.
            self.record_edit({"token_id": holder["id"], "name": holder["name"]}, SCOPES[None], workspace["id"],
                             entry["entityType"], target, role, "absent")
        return removed

    def token_edits(self):
        """Arguments of astro.platform.token_roles, one entry per token, with a label."""
        found = []
        for plan in self.edits.values():
            token, scopes = plan["token"], plan["scopes"]
            edit = {"token_id": token["token_id"]} if token.get("token_id") else {"token_name": token.get("token_name")}
            if scopes != SCOPES[None]:
                edit["token_scope"] = "organization" if scopes == SCOPES["organization"] else "workspace"
            edit["workspace_roles"] = [dict(workspace_id=entity_id, **_role_args(wanted))
                                       for (entity_type, entity_id), wanted in plan["roles"].items() if entity_type == WORKSPACE]
            edit["deployment_roles"] = [dict(deployment_id=entity_id, workspace_id=wanted["workspace_id"], **_role_args(wanted))
                                        for (entity_type, entity_id), wanted in plan["roles"].items() if entity_type != WORKSPACE]
            removals = sum(1 for wanted in plan["roles"].values() if wanted["state"] == "absent")
            label = "{0}: {1} Workspace and {2} Deployment role(s){3}".format(
                token.get("token_name") or token.get("name") or token.get("token_id"), len(edit["workspace_roles"]),
                len(edit["deployment_roles"]), ", {0} to remove".format(removals) if removals else "")
            found.append(dict(arguments=edit, label=label, new_token=None if edit.get("token_id") else (
                edit["token_name"], next(wanted["workspace_id"] for wanted in plan["roles"].values()))))
        return found


def plan(declarations, lookup, tokens=None, deployment_roles=None, exclusive=False, state="present", limit=None, now=None,
         people=None):
    """The plan, after check_declarations and the look-ups that needs() asked for; fails (AstroInputError) before any write.

    people: {"teams": [...], "users": [...]} as team_info and user_info list them (a key left out or None: not listed).
    Returns token_writes ({arguments of api_token, label, workspace_id}), edits ({arguments of token_roles, label,
    new_token: (name, Workspace ID) of a token this run creates, or None}), people_edits ({module: team_roles or
    user_roles, its arguments, label, subject}), workspaces and deployments (ID to name, of the Workspaces acted on) and
    undeclared (per exclusive Workspace, the roles it removes, as lines)."""
    found = Plan(lookup or {}, tokens, limit, deployment_roles, now, people)
    for index, declaration in enumerate(declarations or []):
        try:
            found.declare(index, declaration, exclusive, state)
        except AstroInputError as exc:  # one line that names the declaration, as the checks before the look-ups do
            if str(exc).startswith(VARIABLE):
                raise
            _fail("{0}: {1}", where(index, declaration), exc)
    found.resolve_tokens()
    found.remove_all_undeclared()
    found.check_people_removals()
    deployments = dict((d["id"], d["name"]) for workspace_id in found.acted_on for d in found.deployments_by_workspace.get(workspace_id, []))
    return dict(token_writes=found.token_writes, edits=found.token_edits(), people_edits=found.people_edit_list(),
                workspaces=found.acted_on, deployments=deployments, undeclared=found.undeclared)


def _subject_name(option, subject):
    """A team's name, a user's e-mail: how a declaration names it."""
    return subject.get("name") if option == "teams" else subject.get("email")


def _subject_text(option, subject):
    """`team NAME (ID)` / `user E-MAIL (ID)`, as lines and labels show a subject (the name escaped, data from the API)."""
    return "{0} {1} ({2})".format(PEOPLE[option]["kind"], printable(_subject_name(option, subject)), subject.get("id"))


def _removes(wanted, held_role):
    """Whether a planned role removal takes the role held (one with a declared role takes only that role)."""
    return bool(wanted) and wanted["state"] == "absent" and wanted["removed_role"] in (None, held_role)


def role_line(change, names, subject=None):
    """`token: +TYPE name (ID)[ in Workspace]: role[ (was role)]`, or `token: -TYPE name (ID)[ in Workspace]: role`;
    subject: who holds the role, when not the change's token (`team NAME (ID)`, `user E-MAIL (ID)`)."""
    entity_id, workspace_id = change.get("entity_id"), change.get("workspace_id")
    place = "{0} {1}".format(change.get("entity_type"), named(entity_id, {entity_id: change.get("entity_name") or names.get(entity_id)}))
    if change.get("entity_type") == DEPLOYMENT and workspace_id:
        place += " in " + printable(change.get("workspace_name") or names.get(workspace_id) or workspace_id)
    before, after = change.get("role_before"), change.get("role_after")
    holder = subject or printable(change.get("token_name"))
    if after is None:
        return "{0}: -{1}: {2}".format(holder, place, before)
    return "{0}: +{1}: {2}{3}".format(holder, place, after, " (was {0})".format(before) if before else "")


def token_line(arguments, actions):
    """`token NAME (scope): actions[; new secret in FILE]`."""
    line = "token {0} ({1}): {2}".format(printable(arguments.get("name")), arguments.get("scope"), ", ".join(actions))
    if arguments.get("secret_file") and {"create", "rotate"} & set(actions):  # the new secret is in the file
        line += "; new secret in " + printable(arguments["secret_file"])
    return line


def changes_by_workspace(found, token_results, edit_results, people_results=()):
    """Workspace ID (lower case) to the lines of the changes there, tokens first, then teams and users; each Workspace
    acted on has a key. token_results: [(the plan's token write, api_token's result)]; edit_results: token_roles'
    results; people_results: [(the plan's people edit, team_roles' or user_roles' result)]."""
    names = dict(found["deployments"], **found["workspaces"])
    by_workspace = dict((as_id(workspace_id), []) for workspace_id in found["workspaces"])
    for write, result in token_results:
        if result.get("actions"):
            by_workspace.setdefault(as_id(write["workspace_id"]), []).append(token_line(write["arguments"], result["actions"]))
    for result in edit_results:
        for change in result.get("roles_changed") or []:
            by_workspace.setdefault(as_id(change.get("workspace_id")), []).append(role_line(change, names))
    for edit, result in people_results:
        # The Deployment's Workspace from the plan, should the result not carry it: every change lands on its Workspace.
        workspace_of = dict((entry["deployment_id"], entry["workspace_id"]) for entry in edit["arguments"]["deployment_roles"])
        for change in result.get("roles_changed") or []:
            change = dict(change, workspace_id=change.get("workspace_id") or (
                change.get("entity_id") if change.get("entity_type") == WORKSPACE else workspace_of.get(as_id(change.get("entity_id")))))
            by_workspace.setdefault(as_id(change["workspace_id"]), []).append(role_line(change, names, edit["subject"]))
    return by_workspace


def write_failure(labels, results):
    """The message of edits of which some failed: which failed, which may have been applied all the same (a write
    without answer), which changed before, which did not, and the first error."""
    def outcome(result):
        if result.get("failed"):
            return "possibly applied" if result.get("possibly_applied") else "failed"
        return "changed" if result.get("roles_changed") else "unchanged"

    outcomes = [(label, outcome(r)) for label, r in zip(labels, results)]
    named = dict((kind.replace(" ", "_"), ", ".join(label for label, was in outcomes if was == kind) or "none")
                 for kind in ("failed", "possibly applied", "changed", "unchanged"))
    first = next(r.get("msg") or "" for r in results if r.get("failed"))
    if named["failed"] == "none":
        return ("Writing the roles of {possibly_applied} may have been applied; run again to see. Already changed: {changed}. "
                "Not changed: {unchanged}. The run is idempotent. First error: {0}".format(first, **named))
    return ("Writing the roles failed for {failed}{1}. Already changed: {changed}. Not changed: {unchanged}. Fix the cause and "
            "run again: the run is idempotent. First error: {0}".format(
                first, "" if named["possibly_applied"] == "none" else "; may have been applied: " + named["possibly_applied"],
                **named))
