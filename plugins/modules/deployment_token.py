#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: deployment_token
short_description: Give an Organization or Workspace API token a role on an Astro Deployment, or take it away
version_added: 1.0.0
description:
  - Does what C(astro deployment organization-token add), C(update) and C(remove), and
    C(astro deployment workspace-token add), C(update) and C(remove) do, idempotently.
  - With O(state=present) the token holds exactly O(role) on the Deployment afterwards; with O(state=absent)
    it holds no role there. Every other role of the token is left exactly as it was.
  - Only tokens of scope C(ORGANIZATION) or C(WORKSPACE) can be given a Deployment role, and a Workspace token
    only on Deployments of its own Workspace; anything else fails before anything is written.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.role_edit
options:
  token_id:
    description:
      - ID of the API token. Exactly one of O(token_id) and O(token_name) is required.
      - Matched without regard to case, as the Astro CLI does; so are O(deployment_id) and O(workspace_id).
    type: str
  token_name:
    description:
      - Name of the API token. It must match exactly one token of an allowed O(token_scope);
        when several share the name, the task fails and lists their IDs.
    type: str
  token_scope:
    description:
      - The scope the token must have. V(organization) is C(astro deployment organization-token),
        V(workspace) is C(astro deployment workspace-token).
      - If not set, an Organization or a Workspace token is accepted.
    type: str
    choices: [organization, workspace]
  deployment_id:
    description:
      - ID of the Deployment. Exactly one of O(deployment_id) and O(deployment_name) is required.
      - When the token holds no role there yet, the Deployment is looked up first; an ID that matches no Deployment,
        or a Deployment of another Workspace than O(workspace_id) or O(workspace_name), fails before anything is written.
    type: str
  deployment_name:
    description:
      - Name of the Deployment. It must match exactly one Deployment (of O(workspace_id) or O(workspace_name) if set).
    type: str
  workspace_id:
    description:
      - The Workspace the Deployment belongs to. Optional; when set, a Workspace token must belong to it,
        and a Deployment named by O(deployment_name) is looked up in it.
    type: str
  workspace_name:
    description:
      - Name of the Workspace the Deployment belongs to, instead of O(workspace_id).
    type: str
  role:
    description:
      - The role the token gets on the Deployment, V(DEPLOYMENT_ADMIN), another default Deployment role of Astro, or
        the name of a custom Deployment role of the organization. Required when O(state=present).
      - A role other than V(DEPLOYMENT_ADMIN) is checked with one extra API call (the organization's roles, default
        ones included). When the API token may not list roles (403), the task warns and the API checks the role
        when it is written.
      - With O(state=absent), optional; when given, the token's role is removed only if it is this role. A token
        that holds another role there keeps it, and the task warns.
    type: str
  state:
    description:
      - V(present) gives the token O(role) on the Deployment; V(absent) removes its role there.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Add an Organization token to a Deployment (astro deployment organization-token add)
  astro.platform.deployment_token:
    token_scope: organization
    token_name: ci-deployer
    deployment_id: clvduhrvd000008l842ohcpvb
    role: DEPLOYMENT_ADMIN

- name: Give it a custom role instead (astro deployment organization-token update --role R)
  astro.platform.deployment_token:
    token_scope: organization
    token_name: ci-deployer
    deployment_id: clvduhrvd000008l842ohcpvb
    role: DAG_OPERATOR

- name: Remove it from the Deployment (astro deployment organization-token remove)
  astro.platform.deployment_token:
    token_scope: organization
    token_name: ci-deployer
    deployment_id: clvduhrvd000008l842ohcpvb
    state: absent

- name: Add a Workspace token to a Deployment of its Workspace (astro deployment workspace-token add)
  astro.platform.deployment_token:
    token_scope: workspace
    token_name: analytics-ci
    workspace_name: analytics
    deployment_name: analytics-prod
    role: DEPLOYMENT_ADMIN

- name: Change that role (astro deployment workspace-token update)
  astro.platform.deployment_token:
    token_scope: workspace
    token_id: clwstok00000008l8abcdefgh
    workspace_id: clvdwt4z3000008l60ofb6347
    deployment_id: clvduhrvd000008l842ohcpvb
    role: DAG_OPERATOR

- name: Remove the Workspace token from the Deployment (astro deployment workspace-token remove)
  astro.platform.deployment_token:
    token_scope: workspace
    token_name: analytics-ci
    workspace_id: clvdwt4z3000008l60ofb6347
    deployment_id: clvduhrvd000008l842ohcpvb
    state: absent
"""

RETURN = r"""
token:
  description: The token after the task (in check mode, as it would be). Never holds the secret.
  returned: success
  type: dict
  contains:
    id:
      description: "Token ID."
      type: str
      returned: success
    name:
      description: "Token name."
      type: str
      returned: success
    description:
      description: "Token description."
      type: str
      returned: success
    scope:
      description: "C(ORGANIZATION) or C(WORKSPACE): only Organization and Workspace tokens get roles on other entities."
      type: str
      returned: success
    kind:
      description: "C(STANDARD) or C(DIRECT_ACCESS)."
      type: str
      returned: success
    roles:
      description: "All the token's roles, as the API lists them (in check mode, as they would be)."
      type: list
      elements: dict
      returned: success
role_before:
  description: The token's role on the Deployment before the task, or null if it had none.
  returned: success
  type: str
  sample: DEPLOYMENT_ADMIN
role_after:
  description: The token's role on the Deployment after the task, or null if it has none.
  returned: success
  type: str
  sample: DAG_OPERATOR
attempts:
  description: Role-list writes it took (0 when nothing was written).
  returned: success
  type: int
  sample: 1
roles_rewritten:
  description:
    - Roles this task had written that another writer (another job, sharing no O(lock_dir)) removed before the
      verifying read; they were written again, and the task warns. See O(settle_seconds).
  returned: success
  type: list
  elements: dict
  sample: [{entity_type: WORKSPACE, entity_id: clvdwt4z3000008l60ofb6347, role: WORKSPACE_MEMBER}]
answers_lost:
  description:
    - Role-list write attempts that got no answer (or a gateway's 502, 503 or 504). The task waited until they
      could no longer land before the verifying read decided, and warns.
  returned: success
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, TOKEN_SCOPES
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    check_deployment_roles,
    resolve_deployment,
    resolve_token_id,
    resolve_workspace_id,
)
from ansible_collections.astro.platform.plugins.module_utils.role_edit import (
    edit_warnings,
    lock_options,
    role_edit_argument_spec,
    check_home_workspace_named,
    set_token_role,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_token_scope

# What a token name of another scope is told it needs.
SCOPE_NEEDS = {"organization": "token_scope organization needs an Organization token",
               "workspace": "token_scope workspace needs a Workspace token of the Deployment's Workspace", None: None}


def check_token(client, token, scopes, workspace_id, names):
    check_token_scope(token, scopes, "a Deployment role")
    check_home_workspace_named(client, token, [workspace_id], names)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            **role_edit_argument_spec(),
            token_id=dict(type="str"),
            token_name=dict(type="str"),
            token_scope=dict(type="str", choices=["organization", "workspace"]),
            deployment_id=dict(type="str"),
            deployment_name=dict(type="str"),
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            role=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_one_of=[("token_id", "token_name"), ("deployment_id", "deployment_name")],
        mutually_exclusive=[("token_id", "token_name"), ("deployment_id", "deployment_name"), ("workspace_id", "workspace_name")],
        required_if=[("state", "present", ("role",))],
        supports_check_mode=True,
    )
    params = module.params
    scopes = TOKEN_SCOPES[params["token_scope"]]
    role = params["role"] if params["state"] == "present" else None
    try:
        client = astro_client(module)
        workspace_id = resolve_workspace_id(client, params["workspace_id"], params["workspace_name"])
        deployment_id, deployment_workspace_id = resolve_deployment(
            client, params["deployment_id"], params["deployment_name"], workspace_id, params["workspace_name"])
        workspace_id = workspace_id or deployment_workspace_id
        check_deployment_roles(client, [(role, workspace_id)], module.warn)
        token_id = resolve_token_id(client, params["token_id"], params["token_name"], scopes, workspace_id,
                                    needs=SCOPE_NEEDS[params["token_scope"]])
        names = {workspace_id: params["workspace_name"], deployment_id: params["deployment_name"]}
        result = set_token_role(
            client, token_id, DEPLOYMENT, deployment_id, role, check_mode=module.check_mode, **lock_options(params),
            only_if_held={(DEPLOYMENT, deployment_id): params["role"]} if params["state"] == "absent" and params["role"] else None,
            precheck=lambda token: check_token(client, token, scopes, workspace_id, names),
            known=[(DEPLOYMENT, deployment_id)] if params["deployment_name"] else (),  # the name look-up found it
            workspace_of={deployment_id: workspace_id}, names=names,
        )
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    for warning in edit_warnings(result):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
