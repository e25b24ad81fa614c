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
    O(expiry_days) fails the task, saying what to do; it is never ignored nor re-created silently.
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
    type: str
    required: true
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
      - Days from creation until the token expires, 1 to 3650. When not set, the token never expires.
      - Compared with a found token too; a difference fails the task (see the description above).
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
        with the clock of the host that runs the module.
    type: int
  secret_file:
    description:
      - File to write a new secret to, on the host that runs the module, with mode C(0600) and atomically
        (a temporary file in the same directory, then renamed). The file holds the secret and nothing else.
      - Written only when the task creates or rotates the token; the secret is then not returned.
    type: path
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

- name: Rotate an Organization token now (astro organization token rotate)
  astro.platform.api_token:
    name: ci-deployer
    expiry_days: 90
    rotate: true
    secret_file: /etc/astro/ci-deployer.token

- name: Rotate an Organization token when its secret is older than 90 days (astro organization token rotate)
  astro.platform.api_token:
    name: ci-deployer
    expiry_days: 90
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
secret:
  description:
    - The new secret. Only when the task made one (create or rotate), O(secret_file) is not set and the task has
      C(no_log) set.
  returned: when a secret was made, without O(secret_file), under C(no_log)
  type: str
"""

import contextlib
import datetime

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroError, AstroInputError, AstroTransportError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    check_deployment_roles,
    given,
    given_id,
    resolve_deployment,
    resolve_workspace_id,
)
from ansible_collections.astro.platform.plugins.module_utils.role_edit import lock_options, role_edit_argument_spec, set_token_roles
from ansible_collections.astro.platform.plugins.module_utils.role_list import (
    DEPLOYMENT,
    DEPLOYMENT_ADMIN,
    ORGANIZATION,
    WORKSPACE,
    check_own_role_name,
    with_role,
)
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import (
    SecretFile,
    check_expiry_days,
    check_expiry_unchanged,
    check_rotate_after_days,
    check_token_is,
    matching_tokens,
    only_token,
    own_entity_id,
    own_role,
    render_token,
    secret_older_than,
    secret_set_at,
)
from ansible_collections.astro.platform.plugins.module_utils.token_view import token_details

SCOPES = {"organization": ORGANIZATION, "workspace": WORKSPACE, "deployment": DEPLOYMENT}
NO_SECRET_DESTINATION = (
    "This task would {0}, which makes a new secret that Astro shows only this once. Choose where it goes: set "
    "secret_file to a path on the host that runs the module (written with mode 0600), or set no_log: true on the "
    "task to get it as the result's `secret`. Nothing was created or rotated.")


class Target:
    """The scope entity of the task: the Organization, or a Workspace or Deployment (ID; whether it is known to exist)."""

    def __init__(self, scope, entity_id, verified=False, workspace_id=None):
        self.scope, self.entity_id, self.verified, self.workspace_id = scope, entity_id, verified, workspace_id


def check_options(params):
    """Bad input that needs no API call, before any."""
    scope = SCOPES[params["scope"]]
    given(params["name"], "name")
    for option in ("workspace_name", "deployment_name", "secret_file"):
        given(params[option], option)
    for option in ("token_id", "workspace_id", "deployment_id"):
        params[option] = given_id(params[option], option)  # lower-cased, as the Astro CLI takes IDs
    workspace_given = params["workspace_id"] or params["workspace_name"]
    deployment_given = params["deployment_id"] or params["deployment_name"]
    if scope == ORGANIZATION and (workspace_given or deployment_given):
        raise AstroInputError("An Organization token (scope: organization) belongs to no Workspace or Deployment; "
                              "leave out workspace_* and deployment_*, or set scope to workspace or deployment.")
    if scope == WORKSPACE and deployment_given:
        raise AstroInputError("A Workspace token (scope: workspace) belongs to no Deployment; leave out deployment_*, "
                              "or set scope: deployment.")
    if scope == DEPLOYMENT and params["deployment_id"] and workspace_given:
        raise AstroInputError("With scope: deployment, workspace_id or workspace_name only narrows a deployment_name "
                              "look-up; leave it out with deployment_id.")
    if not params["token_id"] and scope != ORGANIZATION and not (workspace_given if scope == WORKSPACE else deployment_given):
        what = "workspace_id or workspace_name" if scope == WORKSPACE else "deployment_id or deployment_name"
        raise AstroInputError("A {0} token is found and created in its {1}: set {2} (or token_id).".format(
            scope.capitalize(), scope.capitalize(), what))
    if params["role"] is not None:
        check_own_role_name(scope, params["role"])
    check_expiry_days(params["expiry_days"])
    check_rotate_after_days(params["rotate_after_days"])
    if params["rotate"] and params["rotate_after_days"]:
        raise AstroInputError("rotate: true rotates on every run and rotate_after_days only when the secret is older; set one of them.")
    if params["state"] == "absent" and (params["rotate"] or params["rotate_after_days"] or params["secret_file"]):
        raise AstroInputError("state: absent deletes the token; leave out rotate, rotate_after_days and secret_file.")
    return scope


def resolve_target(client, params, scope):
    if scope == ORGANIZATION:
        return Target(scope, client.organization_id, verified=True)
    workspace_id = resolve_workspace_id(client, params["workspace_id"], params["workspace_name"])
    if scope == WORKSPACE:
        return Target(scope, workspace_id, verified=bool(params["workspace_name"]), workspace_id=workspace_id)
    deployment_id, deployment_workspace = resolve_deployment(client, params["deployment_id"], params["deployment_name"], workspace_id)
    return Target(scope, deployment_id, verified=bool(params["deployment_name"]), workspace_id=deployment_workspace)


def find_token(client, params, target):
    """The token of the task, or None. By ID: one read (404 is None); by name: the list pages of its scope."""
    if params["token_id"]:
        try:
            token = client.get_token(params["token_id"])
        except AstroAPIError as exc:
            if exc.status == 404:
                return None
            raise
        check_token_is(token, target.scope, target.entity_id)
        return token
    if target.scope == ORGANIZATION:
        tokens = client.list_tokens(organization_only=True)
    elif target.scope == WORKSPACE:
        tokens = client.list_tokens(workspace_id=target.entity_id)
    else:
        tokens = client.list_tokens(deployment_id=target.entity_id)
    return only_token(matching_tokens(tokens, params["name"], target.scope, target.entity_id), params["name"], target.scope, target.entity_id)


def verify_target(client, target):
    """Fail clearly when the Workspace or Deployment given by ID does not exist; learn a Deployment's Workspace."""
    if target.verified and (target.scope != DEPLOYMENT or target.workspace_id):
        return
    what = "Workspace" if target.scope == WORKSPACE else "Deployment"
    try:
        entity = client.get_workspace(target.entity_id) if target.scope == WORKSPACE else client.get_deployment(target.entity_id)
    except AstroAPIError as exc:
        if exc.status == 404:
            raise AstroInputError("{0} {1} does not exist in organization {2}.".format(what, target.entity_id, client.organization_id))
        raise
    target.verified = True
    if target.scope == DEPLOYMENT:
        target.workspace_id = entity.get("workspaceId")


def check_role_usable(client, target, role, warn):
    """A Deployment role other than DEPLOYMENT_ADMIN must exist and be allowed in the Deployment's Workspace."""
    if target.scope != DEPLOYMENT or role == DEPLOYMENT_ADMIN:
        return
    verify_target(client, target)
    check_deployment_roles(client, [(role, target.workspace_id)], warn)


def secret_destination(module, action):
    """Where a new secret goes: a prepared SecretFile, or None for the result of a no_log task; else fail."""
    if module.params["secret_file"]:
        secret_file = SecretFile(module.params["secret_file"])
        secret_file.check()
        return secret_file
    if module.no_log:
        return None
    raise AstroInputError(NO_SECRET_DESTINATION.format(action))


def predicted_token(params, target):
    """The token a create would make, as far as the task can tell before the API answers."""
    return dict(id=None, name=params["name"], description=params["description"] or "", scope=target.scope,
                roles=[dict(entityType=target.scope, entityId=target.entity_id, role=params["role"])],
                expiryPeriodInDays=params["expiry_days"])


def plan_update(params, token, now):
    """(fields of UpdateApiToken to set, own role to set or None, whether to rotate) for a found token."""
    update = {}
    if params["name"] != token.get("name"):
        update["name"] = params["name"]
    if params["description"] is not None and params["description"] != (token.get("description") or ""):
        update["description"] = params["description"]
    role = params["role"] if params["role"] is not None and params["role"] != own_role(token) else None
    rotate = bool(params["rotate"] or (params["rotate_after_days"] and secret_older_than(token, params["rotate_after_days"], now)))
    return update, role, rotate


def hand_over(module, result, answer, secret_file):
    """The one place a new secret leaves the module: to the file, or to the result of a no_log task."""
    secret = answer.pop("token")
    if secret_file is None:
        result["secret"] = secret  # module.no_log: Ansible censors this task's whole result in every output
        return
    # Masked wherever it could still appear in this module's output, as Ansible masks no_log options.
    module.no_log_values.add(secret)
    try:
        secret_file.commit(secret)
    except OSError as exc:
        raise AstroError("Token {0} has a new secret, but writing it to {1} failed ({2}); the secret is lost. "
                         "Fix the file's place and re-run with rotate: true to give the token another one.".format(
                             answer.get("id"), secret_file.path, exc.strerror))
    result["secret_file"] = secret_file.path


def secret_note(token):
    """What the diff says of the current secret: when it was made, never its value."""
    made = secret_set_at(token)
    return "made {0}".format(made.strftime("%Y-%m-%dT%H:%M:%SZ")) if made else "made at an unknown time"


@contextlib.contextmanager
def prepared(secret_file):
    """The secret file's temporary file exists before the first write, and is gone afterwards unless committed."""
    if secret_file is None:
        yield
        return
    secret_file.prepare()
    try:
        yield
    finally:
        secret_file.discard()


def public(token):
    """The token as the result shows it: never the secret."""
    if token is None:
        return None
    details = token_details(token)
    details["role"] = own_role(token)
    return details


def create(module, client, params, target, result):
    if params["role"] is None:
        raise AstroInputError("No {0} token named {1} exists{2}; set role to create it.".format(
            target.scope, repr(params["name"]), "" if target.scope == ORGANIZATION else " in {0} {1}".format(target.scope.capitalize(), target.entity_id)))
    verify_target(client, target)
    check_role_usable(client, target, params["role"], module.warn)
    secret_file = secret_destination(module, "create the token")
    result.update(changed=True, actions=["create"], token=public(predicted_token(params, target)))
    result["diff"] = dict(before="", after=render_token(predicted_token(params, target), "new (created by this task)"))
    if module.check_mode:
        return
    with prepared(secret_file):
        try:
            created = client.create_token(params["name"], target.scope, params["role"],
                                          entity_id=None if target.scope == ORGANIZATION else target.entity_id,
                                          description=params["description"], expiry_days=params["expiry_days"])
        except AstroTransportError as exc:
            raise AstroError("{0}. The token may have been created with its answer lost; if a token named {1} now exists, "
                             "its secret is unknown: re-run with rotate: true to give it a new one.".format(exc, repr(params["name"])))
        hand_over(module, result, created, secret_file)
    result["token"] = public(created)


def update(module, client, params, target, token, result):
    check_expiry_unchanged(token, params["expiry_days"])
    fields, role, rotate = plan_update(params, token, datetime.datetime.now(datetime.timezone.utc))
    if role is not None:
        check_role_usable(client, target, role, module.warn)
    secret_file = secret_destination(module, "rotate the token") if rotate else None
    after = dict(token, **fields)
    if role is not None:
        after["roles"] = with_role(token.get("roles"), token["scope"], own_entity_id(token), role)
    actions = (["update"] if fields else []) + (["role"] if role is not None else []) + (["rotate"] if rotate else [])
    result.update(changed=bool(actions), actions=actions, token=public(after))
    result["diff"] = dict(before=render_token(token, secret_note(token)),
                          after=render_token(after, "new (rotated by this task)" if rotate else secret_note(token)))
    if module.check_mode or not actions:
        return
    with prepared(secret_file):
        if fields:
            after = client.update_token(token["id"], after["name"], after.get("description") or "")
        if role is not None:
            edit = set_token_roles(client, token["id"], [(token["scope"], own_entity_id(token), role)], **lock_options(params),
                                   precheck=lambda fresh: check_token_is(fresh, target.scope, own_entity_id(token)))
            after = dict(after, roles=edit["token"]["roles"])
            result["attempts"] = edit["attempts"]
        if rotate:
            after = client.rotate_token(token["id"])
            hand_over(module, result, after, secret_file)
    result["token"] = public(after)


def delete(module, client, token, result):
    if token is None:
        result.update(changed=False, actions=[], token=None, diff=dict(before="", after=""))
        return
    result.update(changed=True, actions=["delete"], token=None, diff=dict(before=render_token(token, secret_note(token)), after=""))
    if not module.check_mode:
        try:
            client.delete_token(token["id"])
        except AstroAPIError as exc:
            if exc.status != 404:  # gone already: a retry after a lost answer, or another writer
                raise


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            **role_edit_argument_spec(),
            name=dict(type="str", required=True),
            scope=dict(type="str", choices=list(SCOPES), default="organization"),
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
        ),
        mutually_exclusive=[("workspace_id", "workspace_name"), ("deployment_id", "deployment_name")],
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
            delete(module, client, token, result)
        elif token is None and params["token_id"]:
            raise AstroInputError("No token has ID {0}; leave token_id out to create a token named {1}.".format(
                repr(params["token_id"]), repr(params["name"])))
        elif token is None:
            create(module, client, params, target, result)
        else:
            update(module, client, params, target, token, result)
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
