#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: api_token
short_description: Create, update, rotate and delete Astro API tokens of an Organization, a Workspace or a Deployment
version_added: 1.0.0
description:
  - Does what C(astro organization token create), C(update), C(rotate) and C(delete), C(astro workspace token ...)
    and C(astro deployment token ...) do, declaratively and idempotently.
  - A token is found by O(token_id), or else by O(name) among the tokens of its O(scope) and its Workspace or
    Deployment. When several tokens match, the task fails and lists their IDs.
  - With O(state=present), a missing token is created; a found one gets the O(description) and the own O(role)
    asked for. Its own role is changed through the same verified, locked write as M(astro.platform.token_roles),
    so its other Workspace and Deployment roles are kept.
  - Expiry is set at creation only; the Astro API cannot change it. A found token whose expiry differs from
    O(expiry_days) fails the task, saying what to do; it is never ignored nor re-created silently. A task that
    leaves O(expiry_days) out and names the token by O(token_id), or rotates it (O(rotate), O(rotate_after_days)),
    keeps the token's expiry as it is.
  - "B(The secret is shown once.) Astro returns a token's secret only when the token is created or rotated.
    The module hands it over in one of two ways, and no other - written to O(secret_file), or returned as
    RV(secret) when the task has C(no_log: true). A task that would create or rotate a token with neither fails
    before anything is created or rotated. The secret never appears in messages, warnings, diffs or logs."
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.role_edit
options:
  name:
    description:
      - Name of the token. Names are not unique in Astro; with O(token_id), the token gets this name.
      - Required unless O(token_id) is set; with O(token_id) and no O(name), the token keeps its name (so a playbook
        that loops over tokens it found need not pass their names back, which ansible-core 2.16 would re-type, a
        name such as C([1,2]) coming back as C([1, 2])).
    type: str
  scope:
    description:
      - The token's scope, fixed at creation. V(organization) is C(astro organization token),
        V(workspace) is C(astro workspace token), V(deployment) is C(astro deployment token).
    type: str
    choices: [organization, workspace, deployment]
    default: organization
  workspace_id:
    description:
      - With O(scope=workspace), the token's Workspace; one of O(workspace_id) and O(workspace_name) is required
        unless O(token_id) is set.
      - With O(scope=deployment), the Workspace to look O(deployment_name) up in.
    type: str
  workspace_name:
    description:
      - Name of the Workspace, instead of O(workspace_id).
    type: str
  deployment_id:
    description:
      - With O(scope=deployment), the token's Deployment; one of O(deployment_id) and O(deployment_name) is
        required unless O(token_id) is set.
    type: str
  deployment_name:
    description:
      - Name of the Deployment, instead of O(deployment_id).
    type: str
  role:
    description:
      - The token's own role on its Organization, Workspace or Deployment. Required to create a token; when not
        set, a found token keeps its role.
      - "Organization: V(ORGANIZATION_OWNER), V(ORGANIZATION_BILLING_ADMIN), V(ORGANIZATION_MEMBER),
        V(ORGANIZATION_OBSERVE_ADMIN), V(ORGANIZATION_OBSERVE_MEMBER)."
      - "Workspace: V(WORKSPACE_OWNER), V(WORKSPACE_OPERATOR), V(WORKSPACE_AUTHOR), V(WORKSPACE_MEMBER), V(WORKSPACE_ACCESSOR)."
      - "Deployment: V(DEPLOYMENT_ADMIN) or the name of a custom Deployment role of the organization (checked with
        one extra API call when it is set)."
    type: str
  description:
    description:
      - Description of the token. When not set, a found token keeps its description.
    type: str
  expiry_days:
    description:
      - Days from creation until the token expires, 1 to 3650. When not set, a new token never expires.
      - Compared with a found token too; a difference fails the task (see the description above). When not set in a
        task with O(token_id), O(rotate) or O(rotate_after_days), a found token keeps its expiry, whatever it is.
    type: int
  state:
    description:
      - V(present) creates or updates the token; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  token_id:
    description:
      - ID of the token, to address exactly one token. With O(state=present) the token must exist.
    type: str
  rotate:
    description:
      - Rotate the token now - a new secret, and the old one stops working at once. Every run with V(true) rotates.
    type: bool
    default: false
  rotate_after_days:
    description:
      - Rotate the token only when its secret is more than this many days old - since its last rotation
        (C(lastRotatedAt)), or since its creation (C(createdAt)) when it was never rotated. The age is measured
        by the API's clock, as the C(Date) header of its answers gives it (the clock of the host that runs the module
        when an answer has no such header, or one that is not an HTTP date), so that it matches the API's timestamps.
    type: int
  secret_file:
    description:
      - File to write a new secret to, on the host that runs the module, with mode C(0600) and atomically
        (a temporary file in the same directory, then renamed). The file holds the secret and nothing else.
      - Written only when the task creates or rotates the token; the secret is then not returned.
      - "Checked before the API is asked for a secret: its directory and every directory above it must be owned by
        this user or root and not writable by other users (a sticky parent such as C(/tmp) excepted), no symbolic
        link on the way may belong to another user, and a file already at the path must be a regular file of this
        user. Should the final rename fail, the secret stays in the temporary file, and the error names it."
      - A relative path is taken against the working directory of C(ansible-playbook) when the module runs on the
        controller (a local connection), and against the module's working directory on a remote host; a warning
        says which path that is.
    type: path
  lost_secret:
    description:
      - What to do with a token whose secret nobody has because the answer to its create was lost (no answer, or a
        gateway's 502, 503 or 504). Before a create is sent, the module records what it sends in O(lock_dir) (no
        secret); the record is removed once the secret is handed over. After such a create, the token is looked up
        by name at once, and by any later run that finds it; it is never created twice.
      - V(rotate) rotates it, so that its new secret is handed over like any new secret (to O(secret_file), or as
        RV(secret)), and warns.
      - V(fail) fails instead, naming the token and how to recover, and changes nothing.
    type: str
    choices: [rotate, fail]
    default: rotate
notes:
  - "Costs: a task that changes nothing makes only the list requests (one page per 1000 tokens), or one read with
    O(token_id); names of Workspaces and Deployments add one list each. A create, an update of name or description,
    a rotation and a delete are one write each; a role change is a read, a write and a verifying read. Creating a
    token also reads its Workspace or Deployment, to fail clearly when it does not exist."
  - The secret goes to O(secret_file), or into the result under C(no_log), because Ansible masks nothing else
    reliably; registering the result of a C(no_log) task and printing it would show the secret.
attributes:
  check_mode:
    description: Predicts exactly whether the token would be created, updated, rotated or deleted; writes nothing.
    support: full
  diff_mode:
    description: Shows the token's name, scope, description, own role, expiry and whether its secret changes - never the secret.
    support: full
seealso:
  - module: astro.platform.token_roles
  - module: astro.platform.token_info
"""

EXAMPLES = r"""
- name: Create an Organization token, secret to a file (astro organization token create)
  astro.platform.api_token:
    name: ci-deployer
    description: CI pipeline that deploys ETL code
    role: ORGANIZATION_MEMBER
    expiry_days: 90
    secret_file: /etc/astro/ci-deployer.token

- name: Create a Workspace token, secret returned to a no_log task (astro workspace token create)
  astro.platform.api_token:
    name: analytics-ci
    scope: workspace
    workspace_name: analytics
    role: WORKSPACE_OPERATOR
  no_log: true
  register: analytics_ci

- name: Create a Deployment token (astro deployment token create)
  astro.platform.api_token:
    name: etl-prod-deployer
    scope: deployment
    deployment_id: clvduhrvd000008l842ohcpvb
    role: DEPLOYMENT_ADMIN
    secret_file: /etc/astro/etl-prod-deployer.token

- name: Update an Organization token's description and role (astro organization token update)
  astro.platform.api_token:
    name: ci-deployer
    description: CI pipeline, read-only now
    role: ORGANIZATION_MEMBER
    expiry_days: 90

- name: Rename a token, addressed by ID (astro organization token update ID --new-name)
  astro.platform.api_token:
    token_id: clorgtok0000008l8abcdefgh
    name: ci-deployer-v2

- name: Update a Workspace token's role (astro workspace token update)
  astro.platform.api_token:
    name: analytics-ci
    scope: workspace
    workspace_name: analytics
    role: WORKSPACE_AUTHOR

- name: Update a Deployment token's role to a custom role (astro deployment token update)
  astro.platform.api_token:
    name: etl-prod-deployer
    scope: deployment
    deployment_id: clvduhrvd000008l842ohcpvb
    role: DAG_RUNNER

- name: Rotate an Organization token now; it keeps its expiry (astro organization token rotate)
  astro.platform.api_token:
    name: ci-deployer
    rotate: true
    secret_file: /etc/astro/ci-deployer.token

- name: Rotate a token by ID when its secret is older than 90 days; no name, and it keeps its expiry
  astro.platform.api_token:
    token_id: clorgtok0000008l8abcdefgh
    rotate_after_days: 90
    secret_file: /etc/astro/clorgtok0000008l8abcdefgh.token

- name: Rotate an Organization token when its secret is older than 90 days (astro organization token rotate)
  astro.platform.api_token:
    name: ci-deployer
    rotate_after_days: 90
    secret_file: /etc/astro/ci-deployer.token

- name: Rotate a Workspace token now (astro workspace token rotate --workspace-id)
  astro.platform.api_token:
    name: analytics-ci
    scope: workspace
    workspace_id: clvdwt4z3000008l60ofb6347
    rotate: true
    secret_file: /etc/astro/analytics-ci.token

- name: Rotate a Workspace token when its secret is older than 90 days (astro workspace token rotate)
  astro.platform.api_token:
    name: analytics-ci
    scope: workspace
    workspace_name: analytics
    rotate_after_days: 90
    secret_file: /etc/astro/analytics-ci.token

- name: Rotate a Deployment token now (astro deployment token rotate)
  astro.platform.api_token:
    name: etl-prod-deployer
    scope: deployment
    deployment_name: etl-prod
    rotate: true
    secret_file: /etc/astro/etl-prod-deployer.token

- name: Rotate a Deployment token when its secret is older than 30 days, new secret to a no_log task (astro deployment token rotate)
  astro.platform.api_token:
    name: etl-prod-deployer
    scope: deployment
    deployment_id: clvduhrvd000008l842ohcpvb
    rotate_after_days: 30
  no_log: true
  register: etl_prod_deployer

- name: Delete an Organization token (astro organization token delete)
  astro.platform.api_token:
    name: ci-deployer
    state: absent

- name: Delete a Workspace token (astro workspace token delete)
  astro.platform.api_token:
    name: analytics-ci
    scope: workspace
    workspace_id: clvdwt4z3000008l60ofb6347
    state: absent

- name: Delete a Deployment token by ID (astro deployment token delete ID)
  astro.platform.api_token:
    name: etl-prod-deployer
    scope: deployment
    token_id: cldeptok000008l8abcdefghi
    state: absent
"""

RETURN = r"""
token:
  description:
    - The token after the task (in check mode, as it would be; C(id) is null for a token not yet created).
      Null after a delete. Never holds the secret.
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
      description: "C(ORGANIZATION), C(WORKSPACE) or C(DEPLOYMENT)."
      type: str
      returned: success
    role:
      description: "The token's own role on its Organization, Workspace or Deployment."
      type: str
      returned: success
    roles:
      description: "All the token's roles."
      type: list
      elements: dict
      returned: success
    expiry_days:
      description: "Days from creation to expiry, or null when it never expires."
      type: int
      returned: success
    expiry:
      description: "When the token expires (C(endAt)), or null."
      type: str
      returned: success
    created_at:
      description: "When the token was created."
      type: str
      returned: success
    last_rotated_at:
      description: "When the token was last rotated, or null."
      type: str
      returned: success
    short_token:
      description: "The short, non-secret form Astro shows to tell tokens apart."
      type: str
      returned: success
actions:
  description: What the task did (in check mode, would do), in order - V(create), V(update), V(role), V(rotate), V(delete).
  returned: success
  type: list
  elements: str
  sample: [update, rotate]
attempts:
  description: Writes the change of the token's own role took (0 when its role was not changed).
  returned: success
  type: int
  sample: 1
secret_file:
  description: The file the new secret was written to.
  returned: when a secret was made and O(secret_file) is set
  type: str
secret_recovered:
  description:
    - True when the token's create answer had been lost (in this run or an earlier one), so that nobody had its secret,
      and the task rotated it to hand a secret over (see O(lost_secret)).
  returned: when that happened
  type: bool
secret:
  description:
    - The new secret. Only when the task made one (create or rotate), O(secret_file) is not set and the task has
      C(no_log) set.
  returned: when a secret was made, without O(secret_file), under C(no_log)
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.entities import SCOPE_OPTIONS
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError, AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.role_edit import role_edit_argument_spec
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import (
    check_options,
    create,
    delete,
    find_token,
    resolve_target,
    update,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            **role_edit_argument_spec(),
            name=dict(type="str"),
            scope=dict(type="str", choices=list(SCOPE_OPTIONS), default="organization"),
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            deployment_id=dict(type="str"),
            deployment_name=dict(type="str"),
            role=dict(type="str"),
            description=dict(type="str"),
            expiry_days=dict(type="int"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            token_id=dict(type="str"),
            rotate=dict(type="bool", default=False),
            rotate_after_days=dict(type="int"),
            secret_file=dict(type="path"),
            lost_secret=dict(type="str", choices=["rotate", "fail"], default="rotate"),
        ),
        mutually_exclusive=[("workspace_id", "workspace_name"), ("deployment_id", "deployment_name")],
        required_one_of=[("name", "token_id")],
        supports_check_mode=True,
    )
    params = module.params
    result = dict(changed=False, attempts=0)
    try:
        scope = check_options(params)
        client = astro_client(module)
        target = resolve_target(client, params, scope)
        token = find_token(client, params, target)
        if params["state"] == "absent":
            delete(module, client, token, result, target, params)
        elif token is None and params["token_id"]:
            raise AstroInputError("No token has ID {0}; leave token_id out to create a token{1}.".format(
                shown(params["token_id"]), " named " + shown(params["name"]) if params["name"] else " (with a name)"))
        elif token is None:
            create(module, client, params, target, result)
        else:
            update(module, client, params, target, token, result)
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
