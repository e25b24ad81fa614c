# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: onboarding_changes
short_description: What the Workspace onboarding changed, by Workspace
version_added: 1.0.0
description:
  - The reporting step of the role C(astro.platform.workspace_onboarding), with no API call of its own.
  - Gathers the role changes of its M(astro.platform.token_roles) loop and the tokens it created or changed by
    Workspace ID, one line each, with the names of the Workspaces and Deployments beside their IDs (from the plan,
    which found them in the listing of M(astro.platform.deployment_info)), so that the edits need no look-up of their
    own (O(astro.platform.token_roles#module:check_entities=false)).
  - >-
    A line tells a role given or changed (C(+), with the role it replaced), removed (C(-)), or a token created or
    changed, for example "ci-deployer: +WORKSPACE analytics (clvdwt4z3000008l60ofb6347): WORKSPACE_OPERATOR",
    "ci-deployer: +DEPLOYMENT etl (cm1lqsle6000008l5cqjz2nxs) in analytics: DAG_RUNNER (was DEPLOYMENT_ADMIN)" or
    "token analytics-ci (workspace): create; new secret in /secure/analytics-ci.token".
  - Each Workspace host then finds its own lines with one key look-up (M(astro.platform.onboarding_report)). Lines,
    not dicts, because at a thousand Workspaces every value the fact holds costs time to set and to read.
author:
  - astro.platform contributors (@astro-platform)
positional: workspaces, deployments
options:
  _input:
    description:
      - The registered results of the M(astro.platform.token_roles) loop (its C(results)); items without
        RV(astro.platform.token_roles#module:roles_changed) (failed or skipped) add nothing.
    type: list
    elements: dict
    required: true
  workspaces:
    description:
      - The Workspaces acted on, ID to name (the C(workspaces) of P(astro.platform.onboarding_plan#filter)); each gets
        a key, with an empty list when nothing changed there.
    type: dict
    required: true
  deployments:
    description: The names of their Deployments, ID to name (the C(deployments) of P(astro.platform.onboarding_plan#filter)).
    type: dict
    default: {}
  token_changes:
    description:
      - The declared tokens created or changed (C(name), C(scope), C(workspace_id), C(deployment_id), C(secret_file)
        and the C(actions) of M(astro.platform.api_token)); each counts as a change of its Workspace, before its roles.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Record what the role changed, by Workspace
  ansible.builtin.set_fact:
    changes_by_workspace: "{{ edits.results | astro.platform.onboarding_changes(plan.workspaces, plan.deployments) }}"
"""

RETURN = r"""
_value:
  description: Workspace ID (lower case) to the lines of the changes there, tokens first.
  type: dict
"""

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT
from ansible_collections.astro.platform.plugins.module_utils.errors import shown
from ansible_collections.astro.platform.plugins.module_utils.resolve import as_id
from ansible_collections.astro.platform.plugins.module_utils.role_display import named
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

# What role_line reads of a change (of token_roles' roles_changed).
ROLE_LINE_KEYS = ("token_name", "entity_type", "entity_id", "entity_name", "workspace_id", "workspace_name", "role_before", "role_after")
# The token actions (of astro.platform.api_token) after which the token's new secret is in its secret_file.
NEW_SECRET = ("create", "rotate")


def _text(name):
    """An API name as a line shows it: quoted when a line break or other control character would garble it."""
    name = "" if name is None else str(name)
    return name if name.isprintable() else shown(name)


def role_line(change):
    """`token: +TYPE name (ID)[ in Workspace]: role[ (was role)]`, or `token: -TYPE name (ID)[ in Workspace]: role`."""
    where = "{0} {1}".format(change.get("entity_type"), named(change.get("entity_id"), {change.get("entity_id"): change.get("entity_name")}))
    if change.get("entity_type") == DEPLOYMENT and change.get("workspace_id"):
        where += " in " + _text(change.get("workspace_name") or change["workspace_id"])
    before, after = change.get("role_before"), change.get("role_after")
    if after is None:
        return "{0}: -{1}: {2}".format(_text(change.get("token_name")), where, before)
    return "{0}: +{1}: {2}{3}".format(_text(change.get("token_name")), where, after, " (was {0})".format(before) if before else "")


def token_line(change):
    """`token NAME (scope): actions[; new secret in FILE]`."""
    actions = change.get("actions") or []
    line = "token {0} ({1}): {2}".format(_text(change.get("name")), change.get("scope"), ", ".join(actions))
    if change.get("secret_file") and set(actions) & set(NEW_SECRET):
        line += "; new secret in " + _text(change["secret_file"])
    return line


def onboarding_changes(results, workspaces, deployments=None, token_changes=None):
    names = dict(deployments or {})
    names.update(workspaces or {})
    by_workspace = dict((as_id(workspace_id), []) for workspace_id in workspaces or {})
    for change in token_changes or []:
        by_workspace.setdefault(as_id(change.get("workspace_id")), []).append(token_line(change))
    for result in results or []:
        for change in result.get("roles_changed") or []:
            # Only the keys a line shows: each value read from Ansible's lazily templated results costs.
            change = dict((key, change.get(key)) for key in ROLE_LINE_KEYS)
            change["entity_name"] = change["entity_name"] or names.get(change["entity_id"])
            change["workspace_name"] = change["workspace_name"] or names.get(change["workspace_id"])
            by_workspace.setdefault(as_id(change["workspace_id"]), []).append(role_line(change))
    return as_data(by_workspace)


class FilterModule:
    def filters(self):
        return {"onboarding_changes": onboarding_changes}
