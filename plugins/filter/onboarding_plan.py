# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: onboarding_plan
short_description: Turn Workspace onboarding declarations into one role edit per token
version_added: 1.0.0
description:
  - The planning step of the role C(astro.platform.workspace_onboarding), with no API call of its own.
  - Resolves the Workspace and Deployment names of the declarations against what M(astro.platform.deployment_info)
    listed, expands C(deployments=all), and gathers everything asked of one token, in every Workspace, into one
    entry of arguments for M(astro.platform.token_roles), so that each token is read, written and verified once.
  - With C(exclusive), it also plans the removal of the roles in the Workspace that the declaration does not list,
    from the tokens M(astro.platform.token_info) listed. Tokens are compared by ID (a token declared by name is first
    resolved among those tokens), so a same-named other token is not declared; an ambiguous name fails.
  - A removal (C(state=absent), and the removals of C(exclusive)) carries the role it is for, so that
    M(astro.platform.token_roles) removes a token's role only where it is that role.
  - Fails, before anything is written, on a Workspace or Deployment that does not exist or is ambiguous, on a
    Deployment role that is neither a default nor a custom Deployment role usable in its Workspace (when
    O(deployment_roles) is given), and on a token asked to hold two different roles on one entity. Every declaration
    is checked, also those that O(limit) leaves out.
  - >-
    Fails first on a malformed declaration or entry (a wrong role, both or neither of a name and an ID, a missing
    C(role) or C(deployments)), naming it by index and name, for example
    "workspace_onboarding_workspaces[1] (Workspace 'analytics') org_tokens[2] (token 'ci-deployer'): role 'WORKSPACE_BOSS' is not valid".
  - IDs (of Workspaces, Deployments and tokens) are matched without regard to case, as the Astro CLI does; names exactly.
author:
  - astro.platform contributors (@astro-platform)
positional: lookup, tokens
options:
  _input:
    description:
      - The declarations, one per Workspace, as the role's O(astro.platform.workspace_onboarding#role:main:workspace_onboarding_workspaces) documents them.
    type: list
    elements: dict
    required: true
  lookup:
    description: The registered result of M(astro.platform.deployment_info) listing every Workspace and Deployment.
    type: dict
    required: true
  tokens:
    description:
      - Every token with its roles, as RV(astro.platform.token_info#module:tokens) returns them.
        Required when a declaration is exclusive.
    type: list
    elements: dict
  new_tokens:
    description:
      - The Workspace tokens (C(name), C(workspace_id)) that the role creates in this run but that do not exist yet,
        because the run is in check mode. The role edits of a token named so go to C(new_token_roles) instead of
        C(tokens), since M(astro.platform.token_roles) cannot find the token.
    type: list
    elements: dict
  limit:
    description:
      - IDs or names of the Workspaces to act on; the declarations of other Workspaces are checked but planned no edit.
      - V(null) (the default) acts on every declared Workspace.
    type: list
    elements: str
  deployment_roles:
    description:
      - The organization's Deployment roles, as RV(astro.platform.deployment_info#module:deployment_roles) returns them
        (C(custom) and C(default)), to check every declared Deployment role once, before anything is written.
      - V(null) (the default) leaves the roles to M(astro.platform.token_roles).
    type: dict
  needs_only:
    description:
      - Only check the declarations' shape, with no look-up needed (O(lookup) may be V(null)), and return what the
        plan needs looked up first (see RV(_value)), in one pass over the declarations.
      - The role uses it in its first task, so that a malformed declaration is the task's own one-line message on
        every supported ansible-core (ansible-core 2.19 wraps a filter's error in its templating context), and so
        that its look-ups need no templating over the declarations of their own.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan one edit per token
  ansible.builtin.set_fact:
    plan: "{{ declarations | astro.platform.onboarding_plan(lookup, all_tokens.tokens) }}"

- name: Make the edits
  astro.platform.token_roles:
    token_id: "{{ item.token_id | default(omit) }}"
    token_name: "{{ item.token_name | default(omit) }}"
    token_scope: "{{ item.token_scope | default(omit) }}"
    workspace_roles: "{{ item.workspace_roles }}"
    deployment_roles: "{{ item.deployment_roles }}"
  loop: "{{ plan.tokens }}"
"""

RETURN = r"""
_value:
  description:
    - >-
      The plan. With O(needs_only), instead, C(problems) (a list of at most one message, about the first malformed
      declaration or entry), C(token_names) (the tokens declared by name), C(every_token) (whether every token must
      be listed: declared tokens or an exclusive declaration), C(custom_roles) (whether a Deployment role other than
      C(DEPLOYMENT_ADMIN) is declared) and C(own_tokens) (whether tokens are declared).
    - Its strings are data that Ansible never templates again, on every supported ansible-core, since many are names
      from the API.
  type: dict
  contains:
    tokens:
      description:
        - One entry per token, in order of first mention, with the arguments of M(astro.platform.token_roles)
          (C(token_id) or C(token_name), C(token_scope) when it is known, C(workspace_roles), C(deployment_roles))
          and a C(label); C(declared_name) is the name of a token declared by name.
        - With O(tokens), a token declared by name is resolved among them (an unknown or ambiguous name fails) and
          its edit gives its C(token_id).
      type: list
      elements: dict
    new_token_roles:
      description:
        - The entries of C(tokens) for tokens named in O(new_tokens), set aside (check mode; empty otherwise).
      type: list
      elements: dict
    workspaces:
      description:
        - The Workspaces the plan acts on (those in O(limit)), as a mapping of Workspace ID to name.
      type: dict
    deployments:
      description:
        - The Deployments of those Workspaces, as a mapping of Deployment ID to name.
      type: dict
    undeclared:
      description:
        - "Per exclusive Workspace with something to remove, its C(workspace) name and the C(workspace_roles) and
          C(deployment_roles) to remove, as 'token (ID): role' and 'token (ID): role: Deployment' lines."
      type: list
      elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, ORGANIZATION, TOKEN_SCOPES, WORKSPACE, WORKSPACE_ROLES
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.resolve import _home_text, as_id, name_hint, only_match
from ansible_collections.astro.platform.plugins.module_utils.role_list import home_workspace_id
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_deployment_role
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import MAX_EXPIRY_DAYS, MIN_EXPIRY_DAYS
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

# What a declared token_scope lets the token be, as sets: a token declared twice may be only what both allow.
SCOPES = {option: frozenset(scopes) for option, scopes in TOKEN_SCOPES.items()}


class Plan:
    """Everything asked of each token, keyed so that one key is one token edit.

    The look-ups are indexed once (by ID, by name, by Workspace), so that planning costs time in proportion to the
    declarations and the look-ups, not to their product.
    """

    def __init__(self, lookup, limit=None, deployment_roles=None):
        # Plain copies of what the plan uses: each value read from Ansible's lazily templated containers costs, and
        # reading them again for every declaration would cost in proportion to the product.
        self.workspaces = [dict(id=w.get("id"), name=w.get("name")) for w in lookup.get("workspaces") or []]
        self.deployments = [dict(id=d.get("id"), name=d.get("name"), workspace_id=d.get("workspace_id"))
                            for d in lookup.get("deployments") or []]
        self.workspace_by_id = {w["id"]: w for w in self.workspaces}
        self.workspace_names = {w["id"]: w["name"] for w in self.workspaces}
        self.workspaces_by_name = {}
        for w in self.workspaces:
            self.workspaces_by_name.setdefault(w["name"], []).append(w)
        self.deployments_by_workspace = {}
        for d in self.deployments:
            self.deployments_by_workspace.setdefault(d.get("workspace_id"), []).append(d)
        self.limit = None if limit is None else {as_id(w) for w in limit}
        # Checked for every deployment_tokens entry: plain copies, read once.
        self.deployment_roles = None if deployment_roles is None else {
            kind: [dict(name=r.get("name"), scopeType=r.get("scopeType"), restrictedWorkspaceIds=list(r.get("restrictedWorkspaceIds") or []))
                   for r in deployment_roles.get(kind) or []]
            for kind in ("custom", "default")}
        self.edits = {}  # token key -> {"token": ..., "scopes": set, "roles": {(type, id): entry}}
        self.undeclared = []
        self.declared = set()
        self.acted_on = {}  # Workspace ID -> name, of the declarations planned (in the limit)
        self.exclusive = []  # (workspace, token keys of its org_tokens, {(token key, deployment ID)} it grants)
        self._token_ids = {}

    def workspace(self, declaration):
        if declaration.get("workspace_id"):
            workspace = self.workspace_by_id.get(as_id(declaration["workspace_id"]))
            if workspace is None:
                raise AnsibleFilterError("No Workspace has the ID {0!r}.".format(declaration["workspace_id"]))
        else:
            name = declaration.get("workspace")
            try:
                workspace = only_match(self.workspaces_by_name.get(name, []), "Workspace", name, lambda w: w["id"],
                                       candidates=lambda: list(self.workspaces_by_name))
            except AstroInputError as exc:
                raise AnsibleFilterError(str(exc)) from None
        if workspace["id"] in self.declared:
            raise AnsibleFilterError("Workspace {0} ({1}) is declared twice; declare it once.".format(workspace["name"], workspace["id"]))
        self.declared.add(workspace["id"])
        return workspace

    def in_limit(self, workspace):
        return self.limit is None or workspace["id"] in self.limit or workspace["name"] in self.limit

    def deployments_of(self, workspace, entry):
        own = self.deployments_by_workspace.get(workspace["id"], [])
        named = entry["deployments"] if isinstance(entry["deployments"], list) else [entry["deployments"]]
        if named == ["all"]:
            return own
        unknown = [n for n in named if not any(_names(d, n) for d in own)]
        if unknown:
            raise AnsibleFilterError("Deployment(s) {0} of the token {1} are not in the Workspace {2}, whose Deployments are: {3}.".format(
                ", ".join(unknown), entry.get("token") or entry.get("token_id"), workspace["name"],
                ", ".join(sorted(d["name"] for d in own)) or "none"))
        chosen = []
        for name in named:
            match = [d for d in own if as_id(name) == d["id"]] or [d for d in own if name == d["name"]]
            if len(match) > 1:
                raise AnsibleFilterError("{0} Deployments of the Workspace {1} are named {2!r}; name one by ID instead: {3}.".format(
                    len(match), workspace["name"], name, ", ".join(d["id"] for d in match)))
            chosen.append(match[0])
        return chosen

    def record_edit(self, token, scopes, workspace_id, entity_type, entity_id, role, state):
        """Record that the token must hold `role` (state present), or not hold `role` (absent; any role if None) on the entity.

        Returns the token's key: one key is one token edit.
        """
        if token.get("token_id"):
            key = ("id", token["token_id"])
        elif scopes == SCOPES["workspace"]:
            key = ("name", token["token_name"], workspace_id)  # same-named Workspace tokens of other Workspaces differ
        else:
            key = ("name", token["token_name"])
        plan = self.edits.setdefault(key, {"token": token, "scopes": set(SCOPES[None]), "roles": {}})
        if not plan["scopes"] & scopes:
            raise AnsibleFilterError("Token {0} is declared both as an Organization token and as a Workspace token.".format(key[1]))
        plan["scopes"] &= scopes
        wanted = dict(role=role if state == "present" else None, state=state, workspace_id=workspace_id,
                      removed_role=role if state == "absent" else None)
        earlier = plan["roles"].setdefault((entity_type, entity_id), wanted)
        if (earlier["role"], earlier["removed_role"]) != (wanted["role"], wanted["removed_role"]):
            raise AnsibleFilterError("Token {0} is declared with {1} and with {2} on {3} {4}; declare one.".format(
                key[1], _describe_wanted(earlier), _describe_wanted(wanted), entity_type, entity_id))
        return key

    def declare(self, index, declaration, default_exclusive, default_state, tokens):
        """Check one declaration against the look-ups; plan its edits when its Workspace is in the limit."""
        workspace = self.workspace(declaration)
        state = declaration.get("state") or default_state
        acting = self.in_limit(workspace)
        org_keys, grants = [], set()
        for entry in declaration.get("org_tokens") or []:
            if acting:
                org_keys.append(self.record_edit(_token_ref(entry), SCOPES["organization"], workspace["id"], WORKSPACE, workspace["id"],
                                                 entry.get("role"), state))
        for entry_index, entry in enumerate(declaration.get("deployment_tokens") or []):
            deployments = self.deployments_of(workspace, entry)
            if state == "present":
                self.check_role(entry.get("role"), workspace, _where(index, declaration, "deployment_tokens", entry_index, entry))
            if not acting:
                continue
            token, scopes = _token_ref(entry), SCOPES[entry.get("token_scope")]
            for deployment in deployments:
                grants.add((self.record_edit(token, scopes, workspace["id"], DEPLOYMENT, deployment["id"], entry.get("role"), state),
                            deployment["id"]))
        if not acting:
            return
        self.acted_on[workspace["id"]] = workspace["name"]
        exclusive = declaration.get("exclusive")
        if state == "present" and boolean(default_exclusive if exclusive is None else exclusive):
            if tokens is None:
                raise AnsibleFilterError("Workspace {0} is exclusive: pass every token (astro.platform.token_info) "
                                         "as the filter's second argument.".format(workspace["name"]))
            self.exclusive.append((workspace, org_keys, grants))

    def check_role(self, role, workspace, where):
        """A Deployment role must be a default or custom Deployment role usable in the Workspace, when the roles are known."""
        if self.deployment_roles is None:
            return
        try:
            check_deployment_role(role, self.deployment_roles["custom"], workspace["id"], self.deployment_roles["default"],
                                  self.workspace_names)
        except AstroInputError as exc:
            raise AnsibleFilterError("{0}: {1}".format(where, exc))

    def token_id_of(self, key, tokens):
        """The ID of the token that astro.platform.token_roles will edit for a key, by the same rules; None if none.

        A token declared by name is known by its name only once every declaration has narrowed its scope, so
        exclusivity is decided after all of them, by ID: a same-named other token is not the declared one.
        """
        if key[0] == "id":
            return key[1]
        if key in self._token_ids:
            return self._token_ids[key]
        scopes = self.edits[key]["scopes"]
        matches = [t for t in tokens if t.get("name") == key[1] and t.get("scope") in scopes
                   and (len(key) < 3 or home_workspace_id(t) == key[2])]
        if len(matches) > 1:
            raise AnsibleFilterError("{0} tokens are named {1!r}; name one by token_id instead: {2}.".format(
                len(matches), key[1], ", ".join(t.get("id") for t in matches)))
        self._token_ids[key] = matches[0]["id"] if matches else None
        return self._token_ids[key]

    def resolve_token_names(self, tokens, new_tokens=None):
        """The ID of every token declared by name, so that an unknown or ambiguous name fails before any write.

        The edits then name the token by ID: the tokens were listed once for all, not once per token. A Workspace
        token of `new_tokens` ({name, workspace_id}: to be created, but not in check mode) keeps its name.
        """
        new = {(t["name"], as_id(t["workspace_id"])) for t in new_tokens or []}
        for key, plan in self.edits.items():
            if key[0] != "name":
                continue
            found = self.token_id_of(key, tokens)
            if found is None and WORKSPACE in plan["scopes"] and any(
                    (key[1], wanted["workspace_id"]) in new for wanted in plan["roles"].values()):
                continue
            if found is None:
                raise AnsibleFilterError(self.token_miss(key, tokens))
            plan["token"] = dict(plan["token"], token_id=found)

    def token_miss(self, key, tokens):
        """The message for a declared name that matches no token of the scopes its declarations allow."""
        scopes = self.edits[key]["scopes"]
        what = " or ".join(sorted(scopes)) + " token"
        where = " of Workspace {0}".format(key[2]) if len(key) > 2 else ""
        elsewhere = ["{0} is a {1} token{2}".format(t.get("id"), t.get("scope"), _home_text(t))
                     for t in tokens if t.get("name") == key[1]]
        if elsewhere:
            return "No {0}{1} is named {2!r}: {3}.".format(what, where, key[1], "; ".join(elsewhere))
        return "No {0}{1} is named {2!r}; {3}".format(what, where, key[1], name_hint(key[1], [t.get("name") for t in tokens], "tokens"))

    def remove_all_undeclared(self, tokens):
        if not self.exclusive:
            return
        tokens = [dict(t, roles=[dict(r) for r in t.get("roles") or []]) for t in tokens]
        held = {}  # entity ID -> [(token's place in the list, token, role entry)]: each Workspace reads only its own
        for place, holder in enumerate(tokens):
            for entry in holder["roles"]:
                held.setdefault(entry.get("entityId"), []).append((place, holder, entry))
        for workspace, org_keys, grants in self.exclusive:
            self.remove_undeclared(workspace, {self.token_id_of(key, tokens) for key in org_keys},
                                   {(self.token_id_of(key, tokens), deployment) for key, deployment in grants}, held)

    def remove_undeclared(self, workspace, org_token_ids, granted, held):
        """Plan the removal of the roles in the Workspace that no declaration of it gives.

        org_token_ids: IDs of the declared Organization tokens; granted: the declared (token ID, Deployment ID);
        held: the tokens' roles by entity ID.
        """
        names = dict((d["id"], d["name"]) for d in self.deployments_by_workspace.get(workspace["id"], []))
        removed = dict(workspace=workspace["name"], workspace_roles=[], deployment_roles=[])
        for place, holder, entry in sorted((found for entity in [workspace["id"]] + list(names) for found in held.get(entity, [])),
                                           key=lambda found: found[0]):
            scope = holder.get("scope")
            target, role = entry.get("entityId"), entry.get("role")
            if entry.get("entityType") == WORKSPACE and target == workspace["id"] and scope == ORGANIZATION:
                if holder.get("id") in org_token_ids:
                    continue
                removed["workspace_roles"].append("{0} ({1}): {2}".format(holder["name"], holder["id"], role))
            elif entry.get("entityType") == DEPLOYMENT and target in names and scope in (ORGANIZATION, WORKSPACE):
                if (holder.get("id"), target) in granted:
                    continue
                removed["deployment_roles"].append("{0} ({1}): {2}: {3}".format(holder["name"], holder["id"], role, names[target]))
            else:
                continue
            # With its role as listed: should the token hold another role by the time it is edited, it is kept.
            self.record_edit({"token_id": holder["id"], "name": holder["name"]}, SCOPES[None], workspace["id"],
                             entry["entityType"], target, role, "absent")
        if removed["workspace_roles"] or removed["deployment_roles"]:
            self.undeclared.append(removed)

    def token_edits(self):
        """Arguments of astro.platform.token_roles, one entry per token."""
        found = []
        for plan in self.edits.values():
            token, scopes = plan["token"], plan["scopes"]
            edit = {"token_id": token["token_id"]} if token.get("token_id") else {"token_name": token.get("token_name")}
            if token.get("token_name"):
                edit["declared_name"] = token["token_name"]
            if scopes != SCOPES[None]:
                edit["token_scope"] = "organization" if scopes == SCOPES["organization"] else "workspace"
            edit["workspace_roles"] = [dict(workspace_id=entity_id, **_role_args(wanted))
                                       for (entity_type, entity_id), wanted in plan["roles"].items() if entity_type == WORKSPACE]
            edit["deployment_roles"] = [dict(deployment_id=entity_id, workspace_id=wanted["workspace_id"], **_role_args(wanted))
                                        for (entity_type, entity_id), wanted in plan["roles"].items() if entity_type != WORKSPACE]
            removals = sum(1 for wanted in plan["roles"].values() if wanted["state"] == "absent")
            edit["label"] = "{0}: {1} Workspace and {2} Deployment role(s){3}".format(
                token.get("token_name") or token.get("name") or token.get("token_id"), len(edit["workspace_roles"]),
                len(edit["deployment_roles"]), ", {0} to remove".format(removals) if removals else "")
            found.append(edit)
        return found


def _token_ref(entry):
    return {"token_id": as_id(entry["token_id"])} if entry.get("token_id") else {"token_name": entry.get("token")}


def _names(deployment, name_or_id):
    """Whether a declaration's entry names this Deployment: by ID without regard to case (as the Astro CLI), or by exact name."""
    return as_id(name_or_id) == deployment["id"] or name_or_id == deployment["name"]


def _describe_wanted(wanted):
    if wanted["state"] == "present":
        return "role " + wanted["role"]
    return "state absent" + (" of role " + wanted["removed_role"] if wanted["removed_role"] else "")


def _role_args(wanted):
    """token_roles arguments: an absent role with a role removes the token's role only where it is that role."""
    if wanted["state"] == "present":
        return dict(role=wanted["role"], state="present")
    return dict(role=wanted["removed_role"], state="absent") if wanted["removed_role"] else dict(state="absent")


def _where(index, declaration, option=None, entry_index=None, entry=None):
    """Which declaration (and entry) a message is about, by index and name, as a person finds it in the vars file."""
    where = "workspace_onboarding_workspaces[{0}] (Workspace {1!r})".format(
        index, declaration.get("workspace") or declaration.get("workspace_id"))
    if option:
        where += " {0}[{1}] (token {2!r})".format(option, entry_index, entry.get("token") or entry.get("token_id"))
    return where


def _one_of(item, keys, where):
    given = [k for k in keys if item.get(k) not in (None, "")]
    if len(given) != 1:
        raise AnsibleFilterError("{0}: give exactly one of {1}, not {2}.".format(
            where, " and ".join(keys), " and ".join(given) if given else "neither"))


def _choice(value, choices, what, where, required=False):
    if value in (None, ""):
        if required:
            raise AnsibleFilterError("{0}: {1} is required; valid: {2}.".format(where, what, ", ".join(choices)))
    elif value not in choices:
        raise AnsibleFilterError("{0}: {1} {2!r} is not valid; valid: {3}.".format(where, what, value, ", ".join(choices)))


# The keys of the tokens a declaration creates: the Workspace's own tokens, and tokens of its Deployments.
OWN_TOKEN_KEYS = {
    "workspace_tokens": ("name", "role", "description", "expiry_days", "secret_file", "rotate_after_days"),
    "deployment_own_tokens": ("deployment", "name", "role", "description", "expiry_days", "secret_file", "rotate_after_days"),
}


def _whole_number(value, what, where, least, most=None):
    """An int option of an entry (a digit string from -e is taken too); out of range fails, naming the range."""
    if value in (None, ""):
        return
    try:
        number = int(value) if not isinstance(value, bool) and str(value).strip().isdigit() else None
    except (TypeError, ValueError):
        number = None
    if number is None or number < least or (most is not None and number > most):
        raise AnsibleFilterError("{0}: {1} {2!r} is not valid; it must be a whole number of days, {3}.".format(
            where, what, value, "{0} to {1}".format(least, most) if most else "{0} or more".format(least)))


def check_own_token_declarations(index, declaration):
    """Fail on the first malformed workspace_tokens or deployment_own_tokens entry, naming it by index and name."""
    for option, keys in OWN_TOKEN_KEYS.items():
        seen = set()
        for entry_index, entry in enumerate(declaration.get(option) or []):
            where = "{0} {1}[{2}]".format(_where(index, declaration), option, entry_index)
            if not isinstance(entry, dict):
                raise AnsibleFilterError("{0} is not a mapping: {1!r}.".format(where, entry))
            where += " (token {0!r})".format(entry.get("name"))
            unknown = sorted(str(key) for key in entry if key not in keys)
            if unknown:
                raise AnsibleFilterError("{0}: unknown key(s) {1}; valid: {2}.".format(where, ", ".join(unknown), ", ".join(keys)))
            for required in ("name", "role") + (("deployment",) if option == "deployment_own_tokens" else ()):
                if not isinstance(entry.get(required), str) or not entry[required].strip():
                    raise AnsibleFilterError("{0}: {1} is required (a non-empty string).".format(where, required))
            if option == "workspace_tokens":
                _choice(entry["role"], WORKSPACE_ROLES, "role", where, required=True)
            elif entry["role"] in WORKSPACE_ROLES or entry["role"].startswith("ORGANIZATION_"):
                raise AnsibleFilterError("{0}: role {1!r} is not a Deployment role; valid: DEPLOYMENT_ADMIN or a custom "
                                         "Deployment role.".format(where, entry["role"]))
            _whole_number(entry.get("expiry_days"), "expiry_days", where, MIN_EXPIRY_DAYS, MAX_EXPIRY_DAYS)
            _whole_number(entry.get("rotate_after_days"), "rotate_after_days", where, 1)
            for text in ("description", "secret_file"):
                if entry.get(text) is not None and not isinstance(entry[text], str):
                    raise AnsibleFilterError("{0}: {1} must be a string.".format(where, text))
            if entry.get("rotate_after_days") not in (None, "") and not entry.get("secret_file"):
                raise AnsibleFilterError("{0}: rotate_after_days needs secret_file, the file the rotated secret is written "
                                         "to (mode 0600); the role never returns a secret.".format(where))
            identity = (entry.get("deployment"), entry["name"])
            if identity in seen:
                raise AnsibleFilterError("{0}: declared twice in {1}; declare each token once.".format(where, option))
            seen.add(identity)


def check_declarations(declarations, default_state="present"):
    """Fail on the first malformed declaration or entry, naming it by index and name.

    The role's argument spec leaves these rules to this check: Ansible's own validation of a nested option
    names neither the declaration nor the entry, and prints the whole argument spec. The role's own variables are
    checked here too, since playbooks/onboard_workspaces.yml skips that validation (rolespec_validate: false).
    """
    if not isinstance(declarations, (list, type(None))):
        raise AnsibleFilterError("workspace_onboarding_workspaces must be a list of Workspace declarations, not {0!r}.".format(
            type(declarations).__name__))
    _choice(default_state, ("present", "absent"), "value", "workspace_onboarding_state", required=True)
    for index, declaration in enumerate(declarations or []):
        if not isinstance(declaration, dict):
            raise AnsibleFilterError("workspace_onboarding_workspaces[{0}] is not a mapping: {1!r}.".format(index, declaration))
        where = _where(index, declaration)
        _one_of(declaration, ("workspace", "workspace_id"), where)
        _choice(declaration.get("state"), ("present", "absent"), "state", where)
        role_required = (declaration.get("state") or default_state) == "present"
        for option in ("org_tokens", "deployment_tokens"):
            for entry_index, entry in enumerate(declaration.get(option) or []):
                if not isinstance(entry, dict):
                    raise AnsibleFilterError("{0} {1}[{2}] is not a mapping: {3!r}.".format(where, option, entry_index, entry))
                entry_where = _where(index, declaration, option, entry_index, entry)
                _one_of(entry, ("token", "token_id"), entry_where)
                if option == "org_tokens":
                    _choice(entry.get("role"), WORKSPACE_ROLES, "role", entry_where, required=role_required)
                    continue
                if role_required and entry.get("role") in (None, ""):
                    raise AnsibleFilterError("{0}: role is required (DEPLOYMENT_ADMIN or a custom Deployment role).".format(entry_where))
                _choice(entry.get("token_scope"), ("organization", "workspace"), "token_scope", entry_where)
                if not entry.get("deployments"):
                    raise AnsibleFilterError("{0}: deployments is required: names or IDs of Deployments of the Workspace, "
                                             "or [all].".format(entry_where))
        check_own_token_declarations(index, declaration)


def set_aside_new_tokens(edits, new_tokens):
    """(edits of tokens that exist, edits of Workspace tokens this run creates that do not exist yet).

    new_tokens: [{name, workspace_id}] of the Workspace tokens that the role's token step would create but has not
    (check mode). Their role edits cannot be made nor checked by token_roles yet, so they are shown instead.
    """
    wanted = {(t["name"], as_id(t["workspace_id"])) for t in new_tokens or []}
    existing, pending = [], []
    for edit in edits:
        workspace_ids = {as_id(r["workspace_id"]) for r in edit["workspace_roles"] + edit["deployment_roles"]}
        new = (edit.get("token_name") and edit.get("token_scope") != "organization"
               and any((edit["token_name"], workspace_id) in wanted for workspace_id in workspace_ids))
        (pending if new else existing).append(edit)
    return existing, pending


def declaration_needs(declarations, default_exclusive=False, default_state="present"):
    """What the plan needs looked up before it can be made (see the needs_only option), or the first problem."""
    try:
        check_declarations(declarations, default_state)
    except AnsibleFilterError as exc:
        return dict(problems=[str(exc)], token_names=[], every_token=False, custom_roles=False, own_tokens=False)
    declarations = declarations or []
    entries = [entry for d in declarations for option in ("org_tokens", "deployment_tokens") for entry in d.get(option) or []]
    deployment_entries = [entry for d in declarations for option in ("deployment_tokens", "deployment_own_tokens")
                          for entry in d.get(option) or []]
    own_tokens = any(d.get("workspace_tokens") or d.get("deployment_own_tokens") for d in declarations)
    exclusive = any(boolean(d.get("exclusive", default_exclusive), strict=False) for d in declarations)
    return dict(problems=[], token_names=list(dict.fromkeys(e["token"] for e in entries if e.get("token"))),
                every_token=own_tokens or exclusive, own_tokens=own_tokens,
                custom_roles=any(e.get("role") not in (None, "", "DEPLOYMENT_ADMIN") for e in deployment_entries))


def onboarding_plan(declarations, lookup, tokens=None, exclusive=False, state="present", needs_only=False, limit=None,
                    deployment_roles=None, new_tokens=None):
    """The plan: {"tokens": [token_roles arguments + label], "undeclared": [removals of exclusive Workspaces],
    "new_token_roles": [the edits of tokens not created yet (check mode), as in tokens],
    "workspaces": {ID: name of the Workspaces acted on}}.

    Its strings are built from API names (labels, removal lines): data, which no later task may template.
    needs_only: what the plan needs looked up first, and the malformed-declaration message (declaration_needs).
    """
    if needs_only:
        return as_data(declaration_needs(declarations, exclusive, state))
    check_declarations(declarations, state)
    plan = Plan(lookup or {}, limit, deployment_roles)
    for index, declaration in enumerate(declarations or []):
        plan.declare(index, declaration, exclusive, state, tokens)
    if tokens is not None:
        plan.resolve_token_names(tokens, new_tokens)
    plan.remove_all_undeclared(tokens)
    edits, new_token_roles = set_aside_new_tokens(plan.token_edits(), new_tokens)
    deployments = dict((d["id"], d["name"]) for workspace_id in plan.acted_on for d in plan.deployments_by_workspace.get(workspace_id, []))
    return as_data(dict(tokens=edits, undeclared=plan.undeclared, new_token_roles=new_token_roles, workspaces=plan.acted_on,
                        deployments=deployments))


class FilterModule:
    def filters(self):
        return {"onboarding_plan": onboarding_plan}
