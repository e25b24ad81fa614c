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
    from the tokens M(astro.platform.token_info) listed.
  - Fails, before anything is written, on a Workspace or Deployment that does not exist or is ambiguous, and on a
    token asked to hold two different roles on one entity.
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
  description: The plan.
  type: dict
  contains:
    tokens:
      description:
        - One entry per token, in order of first mention, with the arguments of M(astro.platform.token_roles)
          (C(token_id) or C(token_name), C(token_scope) when it is known, C(workspace_roles), C(deployment_roles))
          and a C(label).
      type: list
      elements: dict
    undeclared:
      description:
        - "Per exclusive Workspace with something to remove, its C(workspace) name and the C(workspace_roles) and
          C(deployment_roles) to remove, as C(token: role) and C(token: role: Deployment) lines."
      type: list
      elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.astro.platform.plugins.module_utils.role_list import DEPLOYMENT, ORGANIZATION, WORKSPACE

# What a declared token_scope lets the token be; an Organization token's Workspace role needs ORGANIZATION.
SCOPES = {"organization": {ORGANIZATION}, "workspace": {WORKSPACE}, None: {ORGANIZATION, WORKSPACE}}
SHOWN_CANDIDATES = 20  # names listed when a name matches nothing; an organization may have hundreds


def _one(matches, what, name, candidates):
    """The one match of a name; none or several fail, saying what there is."""
    if len(matches) == 1:
        return matches[0]
    if not matches:
        shown = ", ".join(candidates[:SHOWN_CANDIDATES]) + (", ..." if len(candidates) > SHOWN_CANDIDATES else "")
        raise AnsibleFilterError("No {0} is named {1!r}; there are: {2}.".format(what, name, shown or "none"))
    raise AnsibleFilterError("{0} {1}s are named {2!r}; name one by ID instead: {3}.".format(
        len(matches), what, name, ", ".join(m["id"] for m in matches)))


class Plan:
    """Everything asked of each token, keyed so that one key is one token edit."""

    def __init__(self, lookup):
        self.workspaces = lookup.get("workspaces") or []
        self.deployments = lookup.get("deployments") or []
        self.edits = {}  # token key -> {"token": ..., "scopes": set, "roles": {(type, id): entry}}
        self.undeclared = []
        self.declared = set()

    def workspace(self, declaration):
        if declaration.get("workspace_id"):
            found = [w for w in self.workspaces if w["id"] == declaration["workspace_id"]]
            if not found:
                raise AnsibleFilterError("No Workspace has the ID {0!r}.".format(declaration["workspace_id"]))
            workspace = found[0]
        else:
            name = declaration.get("workspace")
            workspace = _one([w for w in self.workspaces if w["name"] == name], "Workspace", name,
                             sorted(w["name"] for w in self.workspaces))
        if workspace["id"] in self.declared:
            raise AnsibleFilterError("Workspace {0} ({1}) is declared twice; declare it once.".format(workspace["name"], workspace["id"]))
        self.declared.add(workspace["id"])
        return workspace

    def deployments_of(self, workspace, entry):
        own = [d for d in self.deployments if d.get("workspace_id") == workspace["id"]]
        named = entry["deployments"] if isinstance(entry["deployments"], list) else [entry["deployments"]]
        if named == ["all"]:
            return own
        unknown = [n for n in named if not any(n in (d["id"], d["name"]) for d in own)]
        if unknown:
            raise AnsibleFilterError("Deployment(s) {0} of the token {1} are not in the Workspace {2}, whose Deployments are: {3}.".format(
                ", ".join(unknown), entry.get("token") or entry.get("token_id"), workspace["name"],
                ", ".join(sorted(d["name"] for d in own)) or "none"))
        chosen = []
        for name in named:
            match = [d for d in own if name == d["id"]] or [d for d in own if name == d["name"]]
            if len(match) > 1:
                raise AnsibleFilterError("{0} Deployments of the Workspace {1} are named {2!r}; name one by ID instead: {3}.".format(
                    len(match), workspace["name"], name, ", ".join(d["id"] for d in match)))
            chosen.append(match[0])
        return chosen

    def ask(self, token, scopes, workspace_id, entity_type, entity_id, role, state):
        """Record that the token must hold `role` (state present) or nothing (absent) on the entity."""
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
        wanted = dict(role=role if state == "present" else None, state=state, workspace_id=workspace_id)
        earlier = plan["roles"].setdefault((entity_type, entity_id), wanted)
        if earlier["role"] != wanted["role"]:
            raise AnsibleFilterError("Token {0} is declared with role {1} and with role {2} on {3} {4}; declare one.".format(
                key[1], earlier["role"] or "none (absent)", wanted["role"] or "none (absent)", entity_type, entity_id))

    def declare(self, declaration, default_exclusive, default_state, tokens):
        workspace = self.workspace(declaration)
        state = declaration.get("state") or default_state
        grants = []
        for entry in declaration.get("org_tokens") or []:
            token = _token_ref(entry)
            self.ask(token, SCOPES["organization"], workspace["id"], WORKSPACE, workspace["id"], entry.get("role"), state)
        for entry in declaration.get("deployment_tokens") or []:
            token, scopes = _token_ref(entry), SCOPES[entry.get("token_scope")]
            for deployment in self.deployments_of(workspace, entry):
                grants.append((token, scopes, deployment["id"]))
                self.ask(token, scopes, workspace["id"], DEPLOYMENT, deployment["id"], entry.get("role"), state)
        exclusive = declaration.get("exclusive")
        if state == "present" and boolean(default_exclusive if exclusive is None else exclusive):
            if tokens is None:
                raise AnsibleFilterError("Workspace {0} is exclusive: pass every token (astro.platform.token_info) "
                                         "as the filter's second argument.".format(workspace["name"]))
            self.remove_undeclared(workspace, declaration.get("org_tokens") or [], grants, tokens)

    def remove_undeclared(self, workspace, org_tokens, grants, tokens):
        """Plan the removal of the roles in the Workspace that no declaration of it gives."""
        names = dict((d["id"], d["name"]) for d in self.deployments if d.get("workspace_id") == workspace["id"])
        removed = dict(workspace=workspace["name"], workspace_roles=[], deployment_roles=[])
        for holder in tokens:
            scope = holder.get("scope")
            for entry in holder.get("roles") or []:
                target, role = entry.get("entityId"), entry.get("role")
                if entry.get("entityType") == WORKSPACE and target == workspace["id"] and scope == ORGANIZATION:
                    if any(_is(holder, _token_ref(e)) for e in org_tokens):
                        continue
                    removed["workspace_roles"].append("{0}: {1}".format(holder["name"], role))
                elif entry.get("entityType") == DEPLOYMENT and target in names and scope in (ORGANIZATION, WORKSPACE):
                    if any(_is(holder, token) and scope in scopes and target == deployment for token, scopes, deployment in grants):
                        continue
                    removed["deployment_roles"].append("{0}: {1}: {2}".format(holder["name"], role, names[target]))
                else:
                    continue
                self.ask({"token_id": holder["id"], "name": holder["name"]}, SCOPES[None], workspace["id"],
                         entry["entityType"], target, role, "absent")
        if removed["workspace_roles"] or removed["deployment_roles"]:
            self.undeclared.append(removed)

    def token_edits(self):
        """Arguments of astro.platform.token_roles, one entry per token."""
        found = []
        for plan in self.edits.values():
            token, scopes = plan["token"], plan["scopes"]
            edit = {k: token[k] for k in ("token_id", "token_name") if token.get(k)}
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
    return {"token_id": entry["token_id"]} if entry.get("token_id") else {"token_name": entry.get("token")}


def _is(holder, token):
    return holder.get("id") == token.get("token_id") or (token.get("token_name") is not None and holder.get("name") == token["token_name"])


def _role_args(wanted):
    return dict(role=wanted["role"], state="present") if wanted["state"] == "present" else dict(state="absent")


def onboarding_plan(declarations, lookup, tokens=None, exclusive=False, state="present"):
    """The plan: {"tokens": [token_roles arguments + label], "undeclared": [removals of exclusive Workspaces]}."""
    plan = Plan(lookup or {})
    for declaration in declarations or []:
        plan.declare(declaration, exclusive, state, tokens)
    return dict(tokens=plan.token_edits(), undeclared=plan.undeclared)


class FilterModule:
    def filters(self):
        return {"onboarding_plan": onboarding_plan}
