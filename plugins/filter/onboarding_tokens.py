# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: onboarding_tokens
short_description: Which declared Workspace and Deployment tokens the onboarding role must create or change
version_added: 1.0.0
description:
  - The token step of the role C(astro.platform.workspace_onboarding), with no API call of its own.
  - Compares the C(workspace_tokens) and C(deployment_own_tokens) of the declarations with C(present) state against
    one listing of every token (M(astro.platform.token_info)), and returns arguments of M(astro.platform.api_token)
    only for the tokens that must be created or may need a change, so that a token that needs nothing costs no
    request beyond that listing.
  - A token that exists is passed on when its own role or its description differs, when its expiry seems to differ
    (M(astro.platform.api_token) then fails, saying what to do), or when its secret may be older than
    C(rotate_after_days) (the listing has no rotation time; M(astro.platform.api_token) decides exactly).
  - Returns in C(problems), before anything is written, a declared token that does not exist and has no
    C(secret_file) (the role never hands a secret over any other way), and a declared name that matches several
    tokens; each message names the Workspace, the entry and the token.
  - Declarations with C(state=absent) are skipped; their tokens are kept.
author:
  - astro.platform contributors (@astro-platform)
positional: lookup, tokens
options:
  _input:
    description: The declarations, as the role's C(workspace_onboarding_workspaces).
    type: list
    elements: dict
    required: true
  lookup:
    description: The registered result of M(astro.platform.deployment_info) listing every Workspace and Deployment.
    type: dict
    required: true
  tokens:
    description: Every token, as RV(astro.platform.token_info#module:tokens) returns them.
    type: list
    elements: dict
    required: true
  state:
    description: The state of the declarations that do not set one.
    type: str
    default: present
  limit:
    description:
      - IDs or names of the Workspaces to act on, as for C(astro.platform.onboarding_plan); the tokens of other
        declared Workspaces are checked but not created nor changed. V(null) (the default) acts on all.
    type: list
    elements: str
  deployment_roles:
    description:
      - The organization's Deployment roles (RV(astro.platform.deployment_info#module:deployment_roles)), to check
        the roles of C(deployment_own_tokens) before anything is written. V(null) leaves them to M(astro.platform.api_token).
    type: dict
"""

EXAMPLES = r"""
- name: The declared tokens to create or change
  ansible.builtin.set_fact:
    token_plan: "{{ declarations | astro.platform.onboarding_tokens(lookup, all_tokens.tokens) }}"
"""

RETURN = r"""
_value:
  description: The token plan; its strings are data that Ansible never templates again.
  type: dict
  contains:
    changes:
      description:
        - Arguments of M(astro.platform.api_token) (C(name), C(scope), C(deployment_id) for a Deployment token, C(role),
          and C(description), C(expiry_days), C(rotate_after_days), C(secret_file) when declared), a C(label),
          C(workspace_id) and C(workspace_name) (the token's Workspace, or its Deployment's), and C(deployment_name),
          one per token to create or check.
      type: list
      elements: dict
    new_tokens:
      description: The Workspace tokens (C(name), C(workspace_id)) that do not exist yet and would be created.
      type: list
      elements: dict
    problems:
      description: Messages about declared tokens that cannot be handled; the role fails on the first one.
      type: list
      elements: str
"""

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.astro.platform.plugins.filter.onboarding_plan import Plan
from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import matching_tokens, own_role, secret_older_than
from ansible_collections.astro.platform.plugins.module_utils.token_view import expiry_days_of
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

SCOPE_OF_OPTION = {"workspace_tokens": WORKSPACE, "deployment_own_tokens": DEPLOYMENT}


def _days(value):
    return None if value in (None, "") else int(value)


def needs_api_token(token, entry, now):
    """Whether api_token may change the listed token: its role, description, expiry, or a rotation that may be due.

    token_info lists the creation and expiry times but not the last rotation; a rotation it cannot rule out is left
    to api_token, which reads the token and decides exactly.
    """
    listed = {"createdAt": token.get("created_at"), "endAt": token.get("expiry")}
    return (own_role(token) != entry["role"]
            or (entry.get("description") is not None and entry["description"] != (token.get("description") or ""))
            or expiry_days_of(listed) != _days(entry.get("expiry_days"))
            or (_days(entry.get("rotate_after_days")) is not None
                and secret_older_than(listed, _days(entry["rotate_after_days"]), now)))


def onboarding_tokens(declarations, lookup, tokens, state="present", limit=None, deployment_roles=None):
    """{"changes": [api_token arguments], "new_tokens": [{name, workspace_id}], "problems": [messages]}."""
    now = datetime.datetime.now(datetime.timezone.utc)
    resolver = Plan(lookup or {}, limit, deployment_roles)
    changes, new_tokens, problems = [], [], []
    for index, declaration in enumerate(declarations or []):
        if (declaration.get("state") or state) != "present":
            continue
        workspace = resolver.workspace(declaration)
        for option, scope in SCOPE_OF_OPTION.items():
            for entry_index, entry in enumerate(declaration.get(option) or []):
                where = "workspace_onboarding_workspaces[{0}] (Workspace {1!r}) {2}[{3}] (token {4!r})".format(
                    index, workspace["name"], option, entry_index, entry["name"])
                # workspace_id for either scope: the role reports each change on its Workspace's host.
                arguments = dict(name=entry["name"], scope=scope.lower(), role=entry["role"], workspace_id=workspace["id"],
                                 workspace_name=workspace["name"])
                if scope == WORKSPACE:
                    entity_id = workspace["id"]
                else:
                    [deployment] = resolver.deployments_of(workspace, {"deployments": [entry["deployment"]], "token": entry["name"]})
                    arguments.update(deployment_id=deployment["id"], deployment_name=deployment["name"])
                    entity_id = deployment["id"]
                    try:
                        resolver.check_role(entry["role"], workspace, where)
                    except AnsibleFilterError as exc:
                        problems.append(str(exc))
                        continue
                if not resolver.in_limit(workspace):
                    continue
                for key in ("description", "secret_file"):
                    if entry.get(key) is not None:
                        arguments[key] = entry[key]
                for key in ("expiry_days", "rotate_after_days"):
                    if _days(entry.get(key)) is not None:
                        arguments[key] = _days(entry[key])
                matches = matching_tokens(tokens or [], entry["name"], scope, entity_id)
                if len(matches) > 1:
                    problems.append("{0}: {1} tokens have that name there ({2}); rename or delete all but one "
                                    "(astro.platform.api_token with token_id).".format(where, len(matches), ", ".join(t["id"] for t in matches)))
                    continue
                if not matches and not entry.get("secret_file"):
                    problems.append("{0}: the token does not exist yet, and its secret is shown once, when it is created: "
                                    "set secret_file to the path to write it to (mode 0600, on the host that runs the role). "
                                    "The role never returns a secret. Nothing was created.".format(where))
                    continue
                if matches and not needs_api_token(matches[0], entry, now):
                    continue
                arguments["label"] = "{0} token {1} of {2} ({3})".format(
                    scope.lower(), entry["name"], arguments.get("deployment_name") or workspace["name"],
                    "create" if not matches else "check")
                changes.append(arguments)
                if not matches and scope == WORKSPACE:
                    new_tokens.append(dict(name=entry["name"], workspace_id=workspace["id"]))
    return as_data(dict(changes=changes, new_tokens=new_tokens, problems=problems))


class FilterModule:
    def filters(self):
        return {"onboarding_tokens": onboarding_tokens}
