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
    Workspace ID, with the names of the Workspaces and Deployments (from M(astro.platform.deployment_info)) beside
    their IDs, so that the edits need no look-up of their own (O(astro.platform.token_roles#module:check_entities=false)).
  - Each Workspace host then finds its own changes with one key look-up (M(astro.platform.onboarding_report)).
author:
  - astro.platform contributors (@astro-platform)
positional: lookup
options:
  _input:
    description:
      - The registered results of the M(astro.platform.token_roles) loop (its C(results)); items without
        RV(astro.platform.token_roles#module:roles_changed) (failed or skipped) add nothing.
    type: list
    elements: dict
    required: true
  lookup:
    description: The registered result of M(astro.platform.deployment_info) listing every Workspace and Deployment.
    type: dict
    required: true
  token_changes:
    description:
      - The declared tokens created or changed (C(name), C(scope), C(workspace_id), C(deployment_id), C(secret_file)
        and the C(actions) of M(astro.platform.api_token)); each counts as a change of its Workspace, before its roles.
    type: list
    elements: dict
    default: []
  workspaces:
    description:
      - The Workspaces acted on, ID to name (the C(workspaces) of P(astro.platform.onboarding_plan#filter)); each gets
        a key, with an empty list when nothing changed there.
    type: dict
    default: {}
  lines:
    description:
      - >-
        Give each change as one line instead of a dict, as M(astro.platform.onboarding_report) shows it, for example
        C(ci-deployer: +WORKSPACE analytics (clvdwt4z3000008l60ofb6347): WORKSPACE_OPERATOR): a role given or changed
        (C(+), with the role it replaced), removed (C(-)), or a token created or changed.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Record what the role changed, by Workspace
  ansible.builtin.set_fact:
    changes_by_workspace: "{{ edits.results | astro.platform.onboarding_changes(lookup, workspaces=plan.workspaces) }}"
"""

RETURN = r"""
_value:
  description:
    - Workspace ID (lower case) to the changes there. A role change has the keys of
      RV(astro.platform.token_roles#module:roles_changed), with C(entity_name) and C(workspace_name) filled in from
      O(lookup); a token created or changed has C(name), C(scope), C(workspace_id), C(deployment_id), C(secret_file)
      and C(actions). With O(lines), one line each instead.
  type: dict
"""

from ansible_collections.astro.platform.plugins.module_utils.resolve import as_id
from ansible_collections.astro.platform.plugins.plugin_utils.change_lines import change_line
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data


def onboarding_changes(results, lookup, token_changes=None, workspaces=None, lines=False):
    names = {}
    for item in list((lookup or {}).get("workspaces") or []) + list((lookup or {}).get("deployments") or []):
        names[item.get("id")] = item.get("name")
    by_workspace = dict((as_id(workspace_id), []) for workspace_id in workspaces or {})
    for change in token_changes or []:
        by_workspace.setdefault(as_id(change.get("workspace_id")), []).append(dict(change))
    for result in results or []:
        for change in result.get("roles_changed") or []:
            change = dict(change)
            change["entity_name"] = change.get("entity_name") or names.get(change.get("entity_id"))
            change["workspace_name"] = change.get("workspace_name") or names.get(change.get("workspace_id"))
            by_workspace.setdefault(as_id(change.get("workspace_id")), []).append(change)
    if lines:
        by_workspace = dict((key, [change_line(change) for change in changes]) for key, changes in by_workspace.items())
    return as_data(by_workspace)


class FilterModule:
    def filters(self):
        return {"onboarding_changes": onboarding_changes}
