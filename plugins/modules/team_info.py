#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: team_info
short_description: List the teams of an Astro Organization and the roles they hold on Workspaces and Deployments
version_added: 1.0.0
description:
  - Returns what C(astro organization team list), C(astro workspace team list) and C(astro deployment team list)
    print, and each team's whole role set (Organization role, Workspace, Deployment and DAG roles).
  - Creating teams and changing their members is out of scope (do it in Astro or with its identity provider).
  - Never changes anything.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.people
  - astro.platform.astro.read_only
options:
  team_id:
    description:
      - Only this team. A team ID that does not exist fails.
      - IDs are matched without regard to case, as the Astro CLI does.
    type: str
  team_name:
    description:
      - Only the team of this name, instead of O(team_id). It must match exactly one team; a name that matches none
        fails, naming the closest.
    type: str
  names:
    description:
      - Only teams with one of these names.
    type: list
    elements: str
  with_members:
    description:
      - Also list each team's members in RV(teams[].members), as C(astro organization team user list) does.
        It costs one more request per team returned.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Teams of a Workspace and their role there (astro workspace team list --workspace-id W)
  astro.platform.team_info:
    workspace_name: data-platform
  register: data_platform_teams

- name: One line per team, as the CLI prints ID, ROLE, NAME
  ansible.builtin.debug:
    msg: "{{ data_platform_teams.teams | map(attribute='id') | zip(data_platform_teams.teams | map(attribute='workspace_role'),
             data_platform_teams.teams | map(attribute='name')) }}"

- name: Teams of a Deployment (astro deployment team list --deployment-id D)
  astro.platform.team_info:
    deployment_name: etl-prod
    workspace_name: data-platform

- name: One team by name, with all its roles and its members
  astro.platform.team_info:
    team_name: data-engineers
    with_members: true
"""

RETURN = r"""
teams:
  description: The matching teams, sorted by name then ID.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: "Team ID."
      type: str
      returned: always
    name:
      description: "Team name."
      type: str
      returned: always
    description:
      description: "Team description."
      type: str
      returned: always
    organization_role:
      description: "The team's Organization role (the CLI's C(ORG ROLE))."
      type: str
      returned: always
    idp_managed:
      description: "Whether the team's members come from the identity provider (the CLI's C(IDP MANAGED))."
      type: bool
      returned: always
    created_at:
      description: "When the team was created (the CLI's C(CREATE DATE))."
      type: str
      returned: always
    workspace_role:
      description: "With O(workspace_id) or O(workspace_name): the team's role on that Workspace (the CLI's C(ROLE)),
        or V(null) when it holds none there."
      type: str
      returned: when a Workspace was given
    deployment_role:
      description: "With O(deployment_id) or O(deployment_name): the team's role on that Deployment (the CLI's C(ROLE))."
      type: str
      returned: when a Deployment was given
    workspace_roles:
      description: "Every Workspace role of the team, each with C(workspace_id) and C(role)."
      type: list
      elements: dict
      returned: always
    deployment_roles:
      description: "Every Deployment role of the team, each with C(deployment_id) and C(role)."
      type: list
      elements: dict
      returned: always
    dag_roles:
      description: "Every DAG role of the team, each with C(deployment_id), C(dag_id) or C(dag_tag), and C(role)."
      type: list
      elements: dict
      returned: always
    members:
      description: "With O(with_members), the team's members, each with C(id), C(email) and C(full_name)."
      type: list
      elements: dict
      returned: when O(with_members) is true
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec, astro_client
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    PEOPLE_SCOPE_EXCLUSIVE,
    people_scope_options,
    resolve_people_scope,
    resolve_team,
)
from ansible_collections.astro.platform.plugins.module_utils.subject_view import holds_role_in, team_details


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            team_id=dict(type="str"),
            team_name=dict(type="str"),
            names=dict(type="list", elements="str"),
            with_members=dict(type="bool", default=False),
            **people_scope_options()
        ),
        mutually_exclusive=[("team_id", "team_name")] + PEOPLE_SCOPE_EXCLUSIVE,
        supports_check_mode=True,
    )
    params = module.params
    try:
        client = astro_client(module)
        scope = resolve_people_scope(client, params)
        if params["team_id"] is not None or params["team_name"] is not None:  # a blank one fails in resolve_team
            teams = [resolve_team(client, params["team_id"], params["team_name"])]
        else:
            teams = client.list_teams(names=params["names"] or None, **scope.filters)
        found = [team_details(t, scope.workspace_id, scope.deployment_id) for t in teams]
        found = [t for t in found if holds_role_in(t, **scope.filters) and (not params["names"] or t["name"] in params["names"])]
        for team in found if params["with_members"] else []:
            team["members"] = [dict(id=m.get("userId"), email=m.get("username"), full_name=m.get("fullName"))
                               for m in client.list_team_members(team["id"])]
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    module.exit_json(changed=False, teams=sorted(found, key=lambda t: (t["name"] or "", t["id"] or "")))


if __name__ == "__main__":
    main()
