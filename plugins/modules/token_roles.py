#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: token_roles
short_description: Set or remove several Workspace and Deployment roles of one Astro API token in one verified write
version_added: 1.0.0
description:
  - Gives one token its roles on several Workspaces and Deployments, and takes others away, in one read, one write
    and one verifying read, where M(astro.platform.workspace_org_token) and M(astro.platform.deployment_token)
    would take three requests for each role.
  - Every role of the token that is not listed is left exactly as it was.
  - Workspace roles can only be given to Organization tokens. Deployment roles can be given to Organization tokens,
    and to Workspace tokens on Deployments of their own Workspace. Anything else fails before anything is written.
  - Entities are given by ID, matched without regard to case as the Astro CLI does, or by name. Names cost one list
    request for all the Workspace names of the task and one for all its Deployment names, whatever the number of
    entries; a task that gives only IDs makes neither.
  - The Workspaces and Deployments on which the token gets its first role are looked up before the write (one
    request for the Workspaces, one for the Deployments); an ID that matches none fails, naming it, before anything
    is written.
  - The diff, RV(roles_changed) and the messages show each Workspace's and Deployment's name beside its ID. When
    anything changes (or a removal is kept), the look-ups above also ask for those names, and a kind not looked up
    yet costs one request (Deployments first, which also tell their Workspace's name); a run that changes nothing
    makes no look-up.
    The role C(astro.platform.workspace_onboarding) uses this module to edit each token once for all its Workspaces.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.role_edit
options:
  token_id:
    description:
      - ID of the API token (matched without regard to case). Exactly one of O(token_id) and O(token_name) is required.
    type: str
  token_name:
    description:
      - Name of the API token. It must match exactly one token of an allowed O(token_scope);
        when several share the name, the task fails and lists their IDs.
      - A Workspace token is looked up among the tokens of the Workspace that O(deployment_roles[].workspace_id)
        names, when every entry names the same one; otherwise among all tokens.
    type: str
  token_scope:
    description:
      - The scope the token must have.
      - If not set, an Organization token when O(workspace_roles) is set, otherwise an Organization or a Workspace token.
    type: str
    choices: [organization, workspace]
  workspace_roles:
    description:
      - Roles of the token on Workspaces. Only an Organization token can hold them.
      - At least one of O(workspace_roles) and O(deployment_roles) is required.
    type: list
    elements: dict
    suboptions:
      workspace_id:
        description:
          - ID of the Workspace. Exactly one of O(workspace_roles[].workspace_id) and O(workspace_roles[].workspace_name)
            is required.
        type: str
      workspace_name:
        description:
          - Name of the Workspace, matched exactly; none or several matches fail, listing the candidates, before
            anything is written.
          - All the Workspace names of the task are looked up with one request.
        type: str
        version_added: 1.0.0
      role:
        description:
          - The token's role in the Workspace. Required when O(workspace_roles[].state=present).
          - With O(workspace_roles[].state=absent), optional; when given, the token's role there is removed only if
            it is this role. Another role is kept, listed in RV(roles_kept), and the task warns.
        type: str
        choices: [WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR]
      state:
        description: V(present) gives the token O(workspace_roles[].role) there; V(absent) removes its role there.
        type: str
        choices: [present, absent]
        default: present
  deployment_roles:
    description:
      - Roles of the token on Deployments.
    type: list
    elements: dict
    suboptions:
      deployment_id:
        description:
          - ID of the Deployment. Exactly one of O(deployment_roles[].deployment_id) and
            O(deployment_roles[].deployment_name) is required.
        type: str
      deployment_name:
        description:
          - Name of the Deployment, matched exactly, within the Workspace of O(deployment_roles[].workspace_id) or
            O(deployment_roles[].workspace_name) when one is given, otherwise among all the organization's Deployments.
            None or several matches fail, listing the candidates, before anything is written.
          - All the Deployment names of the task are looked up with one request.
        type: str
        version_added: 1.0.0
      workspace_id:
        description:
          - The Workspace the Deployment belongs to. Optional; when set, a Workspace token must belong to it,
            and a custom role restricted to other Workspaces is refused before anything is written. When the token
            gets its first role on the Deployment, a Deployment of another Workspace is refused too.
        type: str
      workspace_name:
        description:
          - Name of that Workspace, instead of O(deployment_roles[].workspace_id), looked up as
            O(workspace_roles[].workspace_name) is (with the same single request).
        type: str
        version_added: 1.0.0
      role:
        description:
          - V(DEPLOYMENT_ADMIN), another default Deployment role of Astro, or the name of a custom Deployment role of
            the organization. Required when O(deployment_roles[].state=present).
          - Roles other than V(DEPLOYMENT_ADMIN) are checked with one extra API call for all entries (the organization's
            roles, default ones included). When the API token may not list roles (403), the task warns and the API
            checks them when they are written.
          - With O(deployment_roles[].state=absent), optional; when given, the token's role there is removed only if
            it is this role. Another role is kept, listed in RV(roles_kept), and the task warns.
        type: str
      state:
        description: V(present) gives the token O(deployment_roles[].role) there; V(absent) removes its role there.
        type: str
        choices: [present, absent]
        default: present
  check_deployment_roles:
    description:
      - Whether to check the O(deployment_roles[].role) values against the organization's roles (one request).
      - V(false) when the caller checked them already for many tasks at once, as the role
        C(astro.platform.workspace_onboarding) does with M(astro.platform.deployment_info); the API still refuses
        an unknown role when it is written.
    type: bool
    default: true
    version_added: 1.0.0
  check_entities:
    description:
      - Whether to look up the Workspaces and Deployments the token gets its first role on, to fail on one that does not
        exist, and the names the diff and RV(roles_changed) show beside the IDs (one request per kind; the whole list
        above 100 IDs).
      - V(false) when the caller listed them in the same run, as the role C(astro.platform.workspace_onboarding) does
        with M(astro.platform.deployment_info) for all its tokens at once. The task then makes no look-up, and the diff
        and RV(roles_changed) show the IDs without names; only a role kept by a removal (RV(roles_kept)) is
        looked up, for the warning that names it.
    type: bool
    default: true
    version_added: 1.0.0
"""

EXAMPLES = r"""
- name: Give the CI token its roles in two Workspaces and on their Deployments, in one write
  astro.platform.token_roles:
    token_name: ci-deployer
    workspace_roles:
      - workspace_id: clvdwt4z3000008l60ofb6347
        role: WORKSPACE_OPERATOR
      - workspace_id: clvdwu2w8000108l6bx5b3nca
        role: WORKSPACE_MEMBER
    deployment_roles:
      - deployment_id: clvduhrvd000008l842ohcpvb
        role: DEPLOYMENT_ADMIN
      - deployment_id: clvduj5c7000108l8ht6d8dqs
        role: DAG_OPERATOR

- name: The same by names (one look-up for the Workspaces, one for the Deployments)
  astro.platform.token_roles:
    token_name: ci-deployer
    workspace_roles:
      - workspace_name: analytics
        role: WORKSPACE_OPERATOR
    deployment_roles:
      - deployment_name: reporting-prod
        workspace_name: analytics
        role: DEPLOYMENT_ADMIN

- name: Move a token from one Workspace to another
  astro.platform.token_roles:
    token_id: clorgtok0000008l8abcdefgh
    workspace_roles:
      - workspace_id: clvdwt4z3000008l60ofb6347
        state: absent
      - workspace_id: clvdwu2w8000108l6bx5b3nca
        role: WORKSPACE_AUTHOR

- name: Give a Workspace token a role on two Deployments of its Workspace
  astro.platform.token_roles:
    token_scope: workspace
    token_name: analytics-ci
    deployment_roles:
      - deployment_id: clvduhrvd000008l842ohcpvb
        workspace_id: clvdwt4z3000008l60ofb6347
        role: DEPLOYMENT_ADMIN
      - deployment_id: clvduj5c7000108l8ht6d8dqs
        workspace_id: clvdwt4z3000008l60ofb6347
        role: DEPLOYMENT_ADMIN
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
roles_changed:
  description: The listed roles that the task changed (in check mode, would change); empty when nothing changed.
  returned: success
  type: list
  elements: dict
  contains:
    entity_type:
      description: "C(WORKSPACE) or C(DEPLOYMENT)."
      type: str
      returned: success
    entity_id:
      description: "ID of the Workspace or Deployment."
      type: str
      returned: success
    entity_name:
      description: "Name of the Workspace or Deployment (null if the API did not tell it, or with O(check_entities=false))."
      type: str
      returned: success
    role_before:
      description: "The token's role there before the task, or null if it had none."
      type: str
      returned: success
    role_after:
      description: "The token's role there after the task, or null if it has none."
      type: str
      returned: success
    workspace_id:
      description:
        - "The Workspace, or the Deployment's Workspace as O(deployment_roles[].workspace_id) gave it (null if not given)."
      type: str
      returned: success
    workspace_name:
      description: "Name of the Workspace of RV(roles_changed[].workspace_id) (null if that is null, or with O(check_entities=false))."
      type: str
      returned: success
    token_id:
      description: "ID of the token."
      type: str
      returned: success
    token_name:
      description: "Name of the token."
      type: str
      returned: success
  sample:
    - {entity_type: WORKSPACE, entity_id: clvdwt4z3000008l60ofb6347, entity_name: analytics, role_before: null,
       role_after: WORKSPACE_OPERATOR, workspace_id: clvdwt4z3000008l60ofb6347, workspace_name: analytics,
       token_id: clorgtok0000008l8abcdefgh, token_name: ci-deployer}
roles_kept:
  description:
    - The removals listed with a role that were not made, because the token holds another role there.
  returned: success
  type: list
  elements: dict
  contains:
    entity_type:
      description: "C(WORKSPACE) or C(DEPLOYMENT)."
      type: str
      returned: success
    entity_id:
      description: "ID of the Workspace or Deployment."
      type: str
      returned: success
    entity_name:
      description: "Name of the Workspace or Deployment (null if the API did not tell it, or with O(check_entities=false))."
      type: str
      returned: success
    role_held:
      description: "The role the token holds there, and keeps."
      type: str
      returned: success
    role_declared:
      description: "The role the removal was listed with."
      type: str
      returned: success
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
from ansible_collections.astro.platform.plugins.module_utils.entities import ORGANIZATION, TOKEN_SCOPES
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError, AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    check_deployment_roles,
    id_option,
    refuse_blank,
    resolve_token_id,
)
from ansible_collections.astro.platform.plugins.module_utils.role_edit import (
    edit_warnings,
    lock_options,
    role_edit_argument_spec,
    check_home_workspace_named,
    set_token_roles,
)
from ansible_collections.astro.platform.plugins.module_utils.role_entries import (  # noqa: F401  (edits_of: unit tests)
    check_entries,
    describe_changes,
    edits_of,
    ids_for_names,
    removals_declared_with_role,
    role_entries_argument_spec,
    workspace_of_entries,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_token_scope


def token_scopes(token_scope, workspace_roles):
    if not workspace_roles:
        return TOKEN_SCOPES[token_scope]
    if token_scope == "workspace":
        raise AstroInputError("token_scope is workspace, but only Organization tokens can hold the workspace_roles listed.")
    return (ORGANIZATION,)


def check_token(client, token, scopes, workspace_entries, deployment_entries):
    check_token_scope(token, scopes, "a Workspace role" if workspace_entries else "a Deployment role")
    check_home_workspace_named(client, token, [e["workspace_id"] for e in deployment_entries])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            **role_edit_argument_spec(),
            token_id=dict(type="str"),
            token_name=dict(type="str"),
            token_scope=dict(type="str", choices=["organization", "workspace"]),
            check_deployment_roles=dict(type="bool", default=True),
            check_entities=dict(type="bool", default=True),
            **role_entries_argument_spec()
        ),
        required_one_of=[("token_id", "token_name"), ("workspace_roles", "deployment_roles")],
        mutually_exclusive=[("token_id", "token_name")],
        supports_check_mode=True,
    )
    params = module.params
    workspace_entries, deployment_entries = params["workspace_roles"] or [], params["deployment_roles"] or []
    try:
        # What needs no request is checked before the client is even built.
        params["token_id"] = id_option(params["token_id"], "token_id")
        refuse_blank(params["token_name"], "token_name")
        check_entries(workspace_entries, deployment_entries)
        scopes = token_scopes(params["token_scope"], workspace_entries)
        client = astro_client(module)
        ids_for_names(client, workspace_entries, deployment_entries)
        edits = edits_of(workspace_entries, deployment_entries)
        if params["check_deployment_roles"]:
            check_deployment_roles(client, [(e["role"], e["workspace_id"]) for e in deployment_entries if e["state"] == "present"],
                                   module.warn)
        workspaces = {e["workspace_id"] for e in deployment_entries}
        token_id = resolve_token_id(client, params["token_id"], params["token_name"], scopes,
                                    workspaces.pop() if len(workspaces) == 1 else None,
                                    needs="a Workspace role needs an Organization token" if workspace_entries else None)
        result = set_token_roles(
            client, token_id, edits, check_mode=module.check_mode, **lock_options(params),
            only_if_held=removals_declared_with_role(workspace_entries, deployment_entries),
            precheck=lambda token: check_token(client, token, scopes, workspace_entries, deployment_entries),
            workspace_of=workspace_of_entries(deployment_entries),
            look_up_entities=params["check_entities"],
        )
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    describe_changes(result["roles_changed"], dict(token_id=result["token"]["id"], token_name=result["token"]["name"]),
                     deployment_entries)
    if not module._diff:
        result.pop("diff")  # two whole role lists: only worth their transfer when they are shown
    for warning in edit_warnings(result):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
