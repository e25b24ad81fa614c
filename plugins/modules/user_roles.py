#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: user_roles
short_description: Set or remove the Workspace and Deployment roles of one Astro user in one verified write
version_added: 1.0.0
description:
  - Does what C(astro workspace user add|update|remove) and C(astro deployment user add|update|remove) do, for
    several Workspaces and Deployments at once, declaratively; one read, one write of the user's whole role set and
    one verifying read when anything changes, one read when nothing does.
  - Every role of the user that is not listed is kept exactly as it was, the Organization role and the DAG roles
    included.
  - A user is named by e-mail, as in the Astro CLI. A user who is not in the Organization fails before anything is
    written, naming the close e-mails.
  - Inviting people is out of scope, here and in every module of this collection. Invite them in Astro
    (C(astro organization user invite)), then give them roles with this module.
  - The roles are the user's own; roles a user holds through a team are edited with M(astro.platform.team_roles).
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.role_edit
  - astro.platform.people.subject_roles
options:
  user_id:
    description:
      - ID of the user (matched without regard to case). Exactly one of O(user_id) and O(email) is required.
      - An ID that matches no user of the Organization fails with the API's 404, before anything is written.
    type: str
  email:
    description:
      - E-mail of the user, matched exactly as the Astro CLI does, among the Organization's users (one list request,
        since the API has no e-mail filter). One that matches none fails, naming the close ones.
    type: str
"""

EXAMPLES = r"""
- name: astro workspace user add grace@acme.example --workspace-id W --role WORKSPACE_MEMBER
  astro.platform.user_roles:
    email: grace@acme.example
    workspace_roles:
      - workspace_name: analytics
        role: WORKSPACE_MEMBER

- name: astro deployment user add --deployment-id D --role DEPLOYMENT_ADMIN katherine@acme.example
  astro.platform.user_roles:
    email: katherine@acme.example
    workspace_roles:
      - workspace_name: data-platform
        role: WORKSPACE_ACCESSOR
    deployment_roles:
      - deployment_name: etl-prod
        workspace_name: data-platform
        role: DEPLOYMENT_ADMIN

- name: astro workspace user remove alan@acme.example (after astro deployment user remove of its Deployment roles)
  astro.platform.user_roles:
    email: alan@acme.example
    deployment_roles:
      - deployment_name: etl-staging
        state: absent
    workspace_roles:
      - workspace_name: data-platform
        state: absent
"""

RETURN = r"""
user:
  description:
    - The user after the task (in check mode, as it would be), as M(astro.platform.user_info) returns it.
  returned: success
  type: dict
  contains:
    id:
      description: "User ID."
      type: str
      returned: success
    email:
      description: "The user's e-mail."
      type: str
      returned: success
    full_name:
      description: "The user's full name."
      type: str
      returned: success
    organization_role:
      description: "The user's Organization role."
      type: str
      returned: success
    workspace_roles:
      description: "Every Workspace role of the user, each with C(workspace_id) and C(role)."
      type: list
      elements: dict
      returned: success
    deployment_roles:
      description: "Every Deployment role of the user, each with C(deployment_id) and C(role)."
      type: list
      elements: dict
      returned: success
    dag_roles:
      description: "Every DAG role of the user (kept as they were), each with C(deployment_id), C(dag_id) or C(dag_tag), and C(role)."
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
      description: "C(ORGANIZATION), C(WORKSPACE) or C(DEPLOYMENT)."
      type: str
      returned: success
    entity_id:
      description: "ID of the Organization, Workspace or Deployment."
      type: str
      returned: success
    entity_name:
      description: "Name of the Workspace or Deployment (null for the Organization, if the API did not tell it, or with O(check_entities=false))."
      type: str
      returned: success
    role_before:
      description: "The user's role there before the task, or null if it had none."
      type: str
      returned: success
    role_after:
      description: "The user's role there after the task, or null if it has none."
      type: str
      returned: success
    workspace_id:
      description: "The Workspace, or the Deployment's Workspace as O(deployment_roles[].workspace_id) gave it (null if not given)."
      type: str
      returned: success
    workspace_name:
      description: "Name of the Workspace of RV(roles_changed[].workspace_id) (null if that is null, or with O(check_entities=false))."
      type: str
      returned: success
    user_id:
      description: "ID of the user."
      type: str
      returned: success
    email:
      description: "E-mail of the user."
      type: str
      returned: success
roles_kept:
  description: The removals listed with a role that were not made, because the user holds another role there.
  returned: success
  type: list
  elements: dict
attempts:
  description: Role-set writes it took (0 when nothing was written).
  returned: success
  type: int
  sample: 1
roles_rewritten:
  description: Roles this task had written that another writer removed before the verifying read; written again.
  returned: success
  type: list
  elements: dict
answers_lost:
  description: Role-set write attempts that got no answer (or a gateway's 502, 503 or 504).
  returned: success
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec
from ansible_collections.astro.platform.plugins.module_utils.resolve import resolve_user
from ansible_collections.astro.platform.plugins.module_utils.role_edit import USER
from ansible_collections.astro.platform.plugins.module_utils.role_entries import (
    SUBJECT_ROLES_REQUIRED,
    run_subject_roles_module,
    subject_roles_argument_spec,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            user_id=dict(type="str"),
            email=dict(type="str"),
            **subject_roles_argument_spec()
        ),
        required_one_of=[("user_id", "email"), SUBJECT_ROLES_REQUIRED],
        mutually_exclusive=[("user_id", "email")],
        supports_check_mode=True,
    )
    run_subject_roles_module(module, USER, "user_id", "email", lambda client, name: resolve_user(client, None, name)["id"])


if __name__ == "__main__":
    main()
