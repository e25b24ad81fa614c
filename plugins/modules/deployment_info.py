#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: deployment_info
short_description: List the Workspaces and Deployments of an Astro Organization
version_added: 1.0.0
description:
  - Lists the Deployments of the Organization, of one Workspace, or only some of them by name or ID,
    as C(astro deployment list) does, with the Workspaces they belong to.
  - The role C(astro.platform.workspace_onboarding) uses it to expand C(deployments=all) and to find
    the token roles a Workspace's Deployments hold.
  - Never changes anything.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.read_only
options:
  workspace_id:
    description:
      - Only Deployments of this Workspace. A Workspace ID that does not exist returns no Deployments.
    type: str
  workspace_name:
    description:
      - Name of the Workspace, instead of O(workspace_id). It must match exactly one Workspace.
    type: str
  names:
    description:
      - Only Deployments with one of these names.
    type: list
    elements: str
  deployment_ids:
    description:
      - Only Deployments with one of these IDs.
      - These IDs and O(workspace_id) are matched without regard to case, as the Astro CLI does.
    type: list
    elements: str
  with_deployment_roles:
    description:
      - Also list the organization's Deployment roles, default and custom (one more request), in
        RV(deployment_roles), so that a caller can check many Deployment roles with one look-up.
      - When the API token may not list roles (403), the task warns and RV(deployment_roles) is V(null).
    type: bool
    default: false
    version_added: 1.0.0
"""

EXAMPLES = r"""
- name: Every Deployment of the analytics Workspace (astro deployment list --workspace-id W)
  astro.platform.deployment_info:
    workspace_name: analytics
  register: analytics

- name: Show their IDs and names
  ansible.builtin.debug:
    msg: "{{ analytics.deployments | items2dict(key_name='id', value_name='name') }}"

- name: Every Deployment of the Organization, with the names of all Workspaces
  astro.platform.deployment_info:
  register: organization

- name: Two Deployments by name
  astro.platform.deployment_info:
    names: [etl-prod, reporting-prod]
"""

RETURN = r"""
deployment_roles:
  description:
    - With O(with_deployment_roles), the organization's Deployment roles; V(null) otherwise, or when they may not be listed.
  returned: always
  type: dict
  contains:
    custom:
      description: "The custom Deployment roles, each with C(name), C(scopeType) and C(restrictedWorkspaceIds) as the API lists them."
      type: list
      elements: dict
    default:
      description: "The default roles, each with C(name) and C(scopeType) as the API lists them."
      type: list
      elements: dict
workspace_id:
  description: The ID of the Workspace of O(workspace_id) or O(workspace_name); null if neither was given.
  returned: success
  type: str
workspaces:
  description:
    - The Workspaces searched, sorted by name then ID. With O(workspace_id) or O(workspace_name), only that one
      (empty if the ID does not exist); otherwise every Workspace of the Organization.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: "Workspace ID."
      type: str
      returned: always
    name:
      description: "Workspace name."
      type: str
      returned: always
    description:
      description: "Workspace description."
      type: str
      returned: always
deployments:
  description: The matching Deployments, sorted by Workspace name, then name, then ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: "Deployment ID."
      type: str
      returned: always
    name:
      description: "Deployment name."
      type: str
      returned: always
    description:
      description: "Deployment description."
      type: str
      returned: always
    workspace_id:
      description: "ID of the Deployment's Workspace."
      type: str
      returned: always
    workspace_name:
      description: "Name of the Deployment's Workspace."
      type: str
      returned: always
    status:
      description: "C(CREATING), C(DEPLOYING), C(HEALTHY), C(UNHEALTHY), C(UNKNOWN) or C(HIBERNATING)."
      type: str
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.entity_view import deployment_summary, workspace_summary
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import as_id, list_deployment_roles, resolve_workspace_id


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            names=dict(type="list", elements="str"),
            deployment_ids=dict(type="list", elements="str"),
            with_deployment_roles=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("workspace_id", "workspace_name")],
        supports_check_mode=True,
    )
    params = module.params
    params["deployment_ids"] = [as_id(d) for d in params["deployment_ids"] or []]
    try:
        client = astro_client(module)
        workspace_id = resolve_workspace_id(client, params["workspace_id"], params["workspace_name"])
        workspaces = client.list_workspaces(workspace_ids=[workspace_id] if workspace_id else None)
        if workspace_id:
            workspaces = [w for w in workspaces if w.get("id") == workspace_id]
        deployments = []
        if workspaces or not workspace_id:
            deployments = client.list_deployments(names=params["names"] or None, deployment_ids=params["deployment_ids"] or None,
                                                  workspace_ids=[workspace_id] if workspace_id else None)
        deployment_roles = list_deployment_roles(client, module.warn) if params["with_deployment_roles"] else None
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    workspace_names = dict((w.get("id"), w.get("name")) for w in workspaces)
    found = [dict(deployment_summary(d), workspace_name=workspace_names.get(d.get("workspaceId")) or d.get("workspaceName"))
             for d in deployments if passes_filters(d, params, workspace_id)]
    module.exit_json(
        changed=False,
        workspace_id=workspace_id,
        workspaces=sorted((workspace_summary(w) for w in workspaces), key=lambda w: (w["name"] or "", w["id"] or "")),
        deployments=sorted(found, key=lambda d: (d["workspace_name"] or "", d["name"] or "", d["id"] or "")),
        deployment_roles=deployment_roles,
    )


def passes_filters(deployment, params, workspace_id):
    """The API filters already; check again, so a server that ignores a filter cannot widen the result."""
    return ((not workspace_id or deployment.get("workspaceId") == workspace_id)
            and (not params["names"] or deployment.get("name") in params["names"])
            and (not params["deployment_ids"] or deployment.get("id") in params["deployment_ids"]))


if __name__ == "__main__":
    main()
