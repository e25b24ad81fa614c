#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: user_info
short_description: List the users of an Astro Organization and the roles they hold on Workspaces and Deployments
version_added: 1.0.0
description:
  - Returns what C(astro organization user list), C(astro workspace user list) and C(astro deployment user list)
    print, and each user's whole role set (Organization role, Workspace, Deployment and DAG roles).
  - A user is named by e-mail, as in the Astro CLI. A user who is not in the Organization fails, naming the
    close e-mails.
  - Inviting people is out of scope, here and in every module of this collection. Invite them in Astro
    (C(astro organization user invite)), then name them.
  - The roles are the user's own; roles a user holds through a team are listed by M(astro.platform.team_info).
  - Never changes anything.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.people
  - astro.platform.astro.read_only
options:
  user_id:
    description:
      - Only this user. A user ID that does not exist in the Organization fails.
      - IDs are matched without regard to case, as the Astro CLI does.
    type: str
  email:
    description:
      - Only the user with this e-mail, instead of O(user_id). E-mails are matched exactly, as the Astro CLI does;
        one that matches no user of the Organization fails, naming the close ones.
    type: str
"""

EXAMPLES = r"""
- name: Users of a Workspace and their role there (astro workspace user list --workspace-id W)
  astro.platform.user_info:
    workspace_name: analytics
  register: analytics_users

- name: Workspace owners who are individual users, not teams
  ansible.builtin.debug:
    msg: "{{ analytics_users.users | selectattr('workspace_role', 'equalto', 'WORKSPACE_OWNER') | map(attribute='email') }}"

- name: One user by e-mail, with all their roles
  astro.platform.user_info:
    email: grace@acme.example
  register: grace
"""

RETURN = r"""
users:
  description: The matching users, sorted by e-mail then ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: "User ID."
      type: str
      returned: always
    full_name:
      description: "The user's full name (the CLI's C(FULLNAME))."
      type: str
      returned: always
    email:
      description: "The user's e-mail, the API's C(username) (the CLI's C(EMAIL))."
      type: str
      returned: always
    status:
      description: "C(ACTIVE), C(BANNED), C(INACTIVE) or C(PENDING)."
      type: str
      returned: always
    created_at:
      description: "When the user was created (the CLI's C(CREATE DATE))."
      type: str
      returned: always
    organization_role:
      description: "The user's Organization role (the CLI's C(ORGANIZATION ROLE))."
      type: str
      returned: always
    workspace_role:
      description: "With O(workspace_id) or O(workspace_name): the user's role on that Workspace (the CLI's
        C(WORKSPACE ROLE)), or V(null) when they hold none there."
      type: str
      returned: when a Workspace was given
    deployment_role:
      description: "With O(deployment_id) or O(deployment_name): the user's role on that Deployment (the CLI's
        C(DEPLOYMENT ROLE))."
      type: str
      returned: when a Deployment was given
    workspace_roles:
      description: "Every Workspace role of the user, each with C(workspace_id) and C(role)."
      type: list
      elements: dict
      returned: always
    deployment_roles:
      description: "Every Deployment role of the user, each with C(deployment_id) and C(role)."
      type: list
      elements: dict
      returned: always
    dag_roles:
      description: "Every DAG role of the user, each with C(deployment_id), C(dag_id) or C(dag_tag), and C(role)."
      type: list
      elements: dict
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    PEOPLE_SCOPE_EXCLUSIVE,
    people_scope_options,
    resolve_people_scope,
    resolve_user,
)
from ansible_collections.astro.platform.plugins.module_utils.subject_view import holds_role_in, user_details


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            user_id=dict(type="str"),
            email=dict(type="str"),
            **people_scope_options()
        ),
        mutually_exclusive=[("user_id", "email")] + PEOPLE_SCOPE_EXCLUSIVE,
        supports_check_mode=True,
    )
    params = module.params
    try:
        client = astro_client(module)
        scope = resolve_people_scope(client, params)
        if params["user_id"] is not None or params["email"] is not None:  # a blank one fails in resolve_user
            users = [resolve_user(client, params["user_id"], params["email"])]
        else:
            users = client.list_users(**scope.filters)
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    found = [user_details(u, scope.workspace_id, scope.deployment_id) for u in users]
    found = [u for u in found if holds_role_in(u, **scope.filters)]
    module.exit_json(changed=False, users=sorted(found, key=lambda u: (u["email"] or "", u["id"] or "")))


if __name__ == "__main__":
    main()
