#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: workspace_org_token
short_description: Give an Organization API token a role in an Astro Workspace, or take it away
version_added: 1.0.0
description:
  - Does what C(astro workspace organization-token add), C(update) and C(remove) do, idempotently.
  - With O(state=present) the token holds exactly O(role) on the Workspace afterwards; with O(state=absent)
    it holds no role there. Every other role of the token (its Organization role, its roles on other
    Workspaces, Deployments and DAGs) is left exactly as it was.
  - Only tokens of scope C(ORGANIZATION) can be given a Workspace role; any other token fails before anything is written.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.role_edit
options:
  token_id:
    description:
      - ID of the Organization API token (matched without regard to case, as the Astro CLI does).
      - Exactly one of O(token_id) and O(token_name) is required.
    type: str
  token_name:
    description:
      - Name of the Organization API token. It must match exactly one Organization token;
        when several share the name, the task fails and lists their IDs.
    type: str
  workspace_id:
    description:
      - ID of the Workspace. Exactly one of O(workspace_id) and O(workspace_name) is required.
      - Matched without regard to case, as the Astro CLI does. When the token holds no role there yet, the Workspace
        is looked up first, and an ID that matches no Workspace fails before anything is written.
    type: str
  workspace_name:
    description:
      - Name of the Workspace. It must match exactly one Workspace.
    type: str
  role:
    description:
      - The role the token gets on the Workspace. Required when O(state=present).
      - With O(state=absent), optional; when given, the token's role is removed only if it is this role. A token
        that holds another role there keeps it, and the task warns.
    type: str
    choices: [WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR]
  state:
    description:
      - V(present) gives the token O(role) on the Workspace (adding it, or changing the role it had there).
      - V(absent) removes the token's role on the Workspace.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Add an Organization token to a Workspace (astro workspace organization-token add)
  astro.platform.workspace_org_token:
    token_name: ci-deployer
    workspace_id: clvdx7z3c000008kv5tdw5tc5
    role: WORKSPACE_MEMBER

- name: Add it to the Workspace by names (astro workspace token add --org-token-name N --role R)
  astro.platform.workspace_org_token:
    token_name: ci-deployer
    workspace_name: data-platform
    role: WORKSPACE_MEMBER

- name: Change its role there (astro workspace organization-token update --role WORKSPACE_AUTHOR)
  astro.platform.workspace_org_token:
    token_id: clvdxa1b2000008kv1a2b3c4d
    workspace_id: clvdx7z3c000008kv5tdw5tc5
    role: WORKSPACE_AUTHOR

- name: Remove it from the Workspace (astro workspace organization-token remove)
  astro.platform.workspace_org_token:
    token_name: ci-deployer
    workspace_id: clvdx7z3c000008kv5tdw5tc5
    state: absent

- name: Set the connection once for every module of the collection
  module_defaults:
    group/astro.platform.astro:
      api_token: "{{ vault_astro_api_token }}"
      organization_id: clorg1234500000000abcdefg
  block:
    - name: Add the token to a Workspace
      astro.platform.workspace_org_token:
        token_name: ci-deployer
        workspace_name: analytics
        role: WORKSPACE_OPERATOR
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
  description: The token's role on the Workspace before the task, or null if it had none.
  returned: success
  type: str
  sample: WORKSPACE_MEMBER
role_after:
  description: The token's role on the Workspace after the task, or null if it has none.
  returned: success
  type: str
  sample: WORKSPACE_AUTHOR
attempts:
  description: Role-list writes it took (0 when nothing was written; more than 1 when a concurrent writer had to be repaired).
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
from ansible_collections.astro.platform.plugins.module_utils.entities import ORGANIZATION, WORKSPACE, WORKSPACE_ROLES
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import resolve_token_id, resolve_workspace_id
from ansible_collections.astro.platform.plugins.module_utils.role_edit import (
    edit_warnings,
    lock_options,
    role_edit_argument_spec,
    set_token_role,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_token_scope


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            **role_edit_argument_spec(),
            token_id=dict(type="str"),
            token_name=dict(type="str"),
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            role=dict(type="str", choices=list(WORKSPACE_ROLES)),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_one_of=[("token_id", "token_name"), ("workspace_id", "workspace_name")],
        mutually_exclusive=[("token_id", "token_name"), ("workspace_id", "workspace_name")],
        required_if=[("state", "present", ("role",))],
        supports_check_mode=True,
    )
    params = module.params
    role = params["role"] if params["state"] == "present" else None
    try:
        client = astro_client(module)
        workspace_id = resolve_workspace_id(client, params["workspace_id"], params["workspace_name"])
        token_id = resolve_token_id(client, params["token_id"], params["token_name"], (ORGANIZATION,),
                                    needs="a Workspace role needs an Organization token")
        result = set_token_role(
            client, token_id, WORKSPACE, workspace_id, role, check_mode=module.check_mode, **lock_options(params),
            only_if_held={(WORKSPACE, workspace_id): params["role"]} if params["state"] == "absent" and params["role"] else None,
            precheck=lambda token: check_token_scope(token, (ORGANIZATION,), "a Workspace role"),
            known=[(WORKSPACE, workspace_id)] if params["workspace_name"] else (),  # the name look-up found it
            names={workspace_id: params["workspace_name"]},
        )
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    for warning in edit_warnings(result):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
