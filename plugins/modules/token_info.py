#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: token_info
short_description: List Astro API tokens and the roles they hold on Workspaces and Deployments
version_added: 1.0.0
description:
  - The read side of M(astro.platform.workspace_org_token) and M(astro.platform.deployment_token).
  - It returns what C(astro workspace organization-token list), C(astro deployment organization-token list) and
    C(astro deployment workspace-token list) print, and more.
  - Never returns a token's secret value. Never changes anything.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.read_only
options:
  workspace_id:
    description:
      - Only tokens holding a role on this Workspace; each result then has RV(tokens[].workspace_role).
      - With O(deployment_id) or O(deployment_name) too, only the Workspace the Deployment is looked up in,
        as C(--workspace-id) is for C(astro deployment organization-token list).
    type: str
  workspace_name:
    description:
      - Name of the Workspace, instead of O(workspace_id).
    type: str
  deployment_id:
    description:
      - Only tokens holding a role on this Deployment; each result then has RV(tokens[].deployment_role).
    type: str
  deployment_name:
    description:
      - Name of the Deployment, instead of O(deployment_id).
    type: str
  scope:
    description:
      - Only tokens of this scope.
    type: str
    choices: [organization, workspace, deployment]
  token_id:
    description:
      - Only this token. A token ID that does not exist fails.
      - This ID, O(workspace_id) and O(deployment_id) are matched without regard to case, as the Astro CLI does.
    type: str
  names:
    description:
      - Only tokens with one of these names.
    type: list
    elements: str
  include_deployment_roles:
    description:
      - Who can touch a Workspace. With O(workspace_id) or O(workspace_name), V(true) returns every token holding a
        role in the Workspace B(or) on any of its Deployments, or on a DAG or DAG tag of one of them, and lists those
        roles in RV(tokens[].roles_in_workspace), with the names of the Workspace and Deployments.
      - Without it, a Workspace selects only the tokens holding a role on the Workspace itself, as
        C(astro workspace organization-token list) does; a token that holds only a Deployment or DAG role there is
        left out.
      - "Cost: three list requests however many tokens and Deployments there are (one page each per 1000 items):
        the Workspace (by ID or name, which also checks that an ID exists), its Deployments, and the tokens."
      - Needs O(workspace_id) or O(workspace_name); cannot be combined with O(deployment_id) or O(deployment_name).
    type: bool
    default: false
    version_added: 1.0.0
"""

EXAMPLES = r"""
- name: Organization tokens of a Workspace (astro workspace organization-token list --workspace-id W)
  astro.platform.token_info:
    workspace_id: clvdx7z3c000008kv5tdw5tc5
    scope: organization
  register: workspace_org_tokens

- name: Organization tokens of a Deployment (astro deployment organization-token list --deployment-id D)
  astro.platform.token_info:
    deployment_id: clvduhrvd000008l842ohcpvb
    scope: organization

- name: Workspace tokens of a Deployment (astro deployment workspace-token list --deployment-id D)
  astro.platform.token_info:
    deployment_id: clvduhrvd000008l842ohcpvb
    scope: workspace

- name: One token by name, with all its roles
  astro.platform.token_info:
    names: [ci-deployer]
  register: ci_deployer

- name: Who can touch the analytics Workspace, its Deployments or their DAGs (three list requests)
  astro.platform.token_info:
    workspace_name: analytics
    include_deployment_roles: true
  register: analytics_access

- name: One line per token and role, such as "ci-deployer DEPLOYMENT etl-prod DEPLOYMENT_ADMIN"
  ansible.builtin.debug:
    msg: >-
      {% for token in analytics_access.tokens %}{% for role in token.roles_in_workspace %}
      {{ token.name }} {{ role.entity_type }} {{ role.entity_name }} {{ role.role }};
      {% endfor %}{% endfor %}

- name: Show each Organization token's role in the Workspace
  ansible.builtin.debug:
    msg: "{{ workspace_org_tokens.tokens | map(attribute='name') | zip(workspace_org_tokens.tokens | map(attribute='workspace_role')) }}"
"""

RETURN = r"""
caller_token_id:
  description:
    - The ID of the token the task ran as (O(api_token)), read from the claims of its secret (an Astro API token is a
      JWT naming its own token); null when the secret carries no such claim. The secret itself is never returned.
  returned: success
  type: str
  sample: clorgtok0000008l8abcdefgh
tokens:
  description: The matching tokens, sorted by name then ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: "Token ID."
      type: str
      returned: always
    name:
      description: "Token name."
      type: str
      returned: always
    description:
      description: "Token description."
      type: str
      returned: always
    scope:
      description: "The token's own scope, C(ORGANIZATION), C(WORKSPACE) or C(DEPLOYMENT)."
      type: str
      returned: always
    kind:
      description: "C(STANDARD) or C(DIRECT_ACCESS)."
      type: str
      returned: always
    workspace_role:
      description: "The token's role on the Workspace of O(workspace_id) or O(workspace_name); null if it has none."
      type: str
      returned: when a Workspace was given
    deployment_role:
      description: "The token's role on the Deployment of O(deployment_id) or O(deployment_name); null if it has none."
      type: str
      returned: when a Deployment was given
    roles_in_workspace:
      description:
        - "With O(include_deployment_roles): the token's roles in the Workspace, on its Deployments and on their DAGs and DAG tags."
      type: list
      elements: dict
      returned: when O(include_deployment_roles) is true
      contains:
        entity_type:
          description: "C(WORKSPACE), C(DEPLOYMENT), C(DAG) or C(DAG_TAG)."
          type: str
          returned: always
        entity_id:
          description: "ID of the Workspace or Deployment; the DAG ID or the tag for DAG and DAG tag roles."
          type: str
          returned: always
        entity_name:
          description: "Name of the Workspace or Deployment; the DAG ID or the tag for DAG and DAG tag roles."
          type: str
          returned: always
        role:
          description: "The role."
          type: str
          returned: always
        deployment_id:
          description: "The Deployment of a Deployment, DAG or DAG tag role; null for the Workspace role."
          type: str
          returned: always
        deployment_name:
          description: "Its name; null for the Workspace role."
          type: str
          returned: always
      sample:
        - {entity_type: DAG, entity_id: daily_sales_etl, entity_name: daily_sales_etl, role: DAG_VIEWER,
           deployment_id: clvduhrvd000008l842ohcpvb, deployment_name: etl-prod}
    roles:
      description: "All the token's roles, each with C(entityType), C(entityId), C(role), and C(deploymentId) for DAG roles."
      type: list
      elements: dict
      returned: always
    short_token:
      description: "The non-secret short form of the token that the Astro UI shows."
      type: str
      returned: always
    created_at:
      description: "Creation time (UTC)."
      type: str
      returned: always
    created_by:
      description: "Full name of the user who created the token, or the name of the token that created it."
      type: str
      returned: always
    updated_at:
      description: "Last update time (UTC)."
      type: str
      returned: always
    expiry:
      description: "When the token expires (UTC), or null if it never does."
      type: str
      returned: always
    expiry_days:
      description: "Days from creation to expiry, as set at creation, or null if it never expires."
      type: int
      returned: always
    last_used_at:
      description: "When the token was last used (UTC), or null if never."
      type: str
      returned: always
    last_rotated_at:
      description: "When the token's secret was last rotated (UTC), or null if never."
      type: str
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    as_id,
    resolve_deployment,
    resolve_workspace,
    resolve_workspace_id,
)
from ansible_collections.astro.platform.plugins.module_utils.token_view import roles_within, token_details


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            deployment_id=dict(type="str"),
            deployment_name=dict(type="str"),
            scope=dict(type="str", choices=["organization", "workspace", "deployment"]),
            token_id=dict(type="str"),
            names=dict(type="list", elements="str"),
            include_deployment_roles=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("workspace_id", "workspace_name"), ("deployment_id", "deployment_name")],
        supports_check_mode=True,
    )
    params = module.params
    if params["include_deployment_roles"]:
        return who_can_touch(module)  # exits
    try:
        client = astro_client(module)
        workspace_id = resolve_workspace_id(client, params["workspace_id"], params["workspace_name"])
        deployment_id = resolve_deployment(client, params["deployment_id"], params["deployment_name"], workspace_id)[0]
        if params["token_id"]:
            tokens = [client.get_token(as_id(params["token_id"]))]
        else:
            # As in the CLI, with a Deployment the Workspace is only where the Deployment is looked up.
            tokens = client.list_tokens(workspace_id=None if deployment_id else workspace_id, deployment_id=deployment_id,
                                        organization_only=True if params["scope"] == "organization" else None)
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    found = [token_details(t, workspace_id, deployment_id) for t in tokens]
    found = [t for t in found if passes_filters(t, params, workspace_id, deployment_id)]
    module.exit_json(changed=False, tokens=sorted(found, key=lambda t: (t["name"] or "", t["id"] or "")),
                     caller_token_id=client.caller_token_id)


def who_can_touch(module):
    """include_deployment_roles: every token with a role in the Workspace, on its Deployments or their DAGs."""
    params = module.params
    if not (params["workspace_id"] or params["workspace_name"]) or params["deployment_id"] or params["deployment_name"]:
        module.fail_json(msg="include_deployment_roles answers for one Workspace: give workspace_id or workspace_name, "
                             "and no deployment_id or deployment_name.")
    try:
        client = astro_client(module)
        workspace = resolve_workspace(client, params["workspace_id"], params["workspace_name"])
        workspace_id = as_id(workspace["id"])
        deployments = [d for d in client.list_deployments(workspace_ids=[workspace_id]) if as_id(d.get("workspaceId")) == workspace_id]
        if params["token_id"]:
            tokens = [client.get_token(as_id(params["token_id"]))]
        else:
            tokens = client.list_tokens(organization_only=True if params["scope"] == "organization" else None)
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    found = []
    for token in tokens:
        details = token_details(token, workspace_id)
        details["roles_in_workspace"] = roles_within(token, workspace, deployments)
        if details["roles_in_workspace"] and passes_filters(details, dict(params, workspace_id=None), None, None):
            found.append(details)
    module.exit_json(changed=False, tokens=sorted(found, key=lambda t: (t["name"] or "", t["id"] or "")),
                     caller_token_id=client.caller_token_id)


def passes_filters(token, params, workspace_id, deployment_id):
    return ((not params["scope"] or token["scope"] == params["scope"].upper())
            and (not params["names"] or token["name"] in params["names"])
            and (deployment_id or not workspace_id or token["workspace_role"] is not None)
            and (not deployment_id or token["deployment_role"] is not None))


if __name__ == "__main__":
    main()
