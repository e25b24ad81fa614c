#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: team_roles
short_description: Set or remove the Workspace and Deployment roles of one Astro team in one verified write
version_added: 1.0.0
description:
  - Does what C(astro workspace team add|update|remove) and C(astro deployment team add|update|remove) do, for
    several Workspaces and Deployments at once, declaratively; one read, one write of the team's whole role set and
    one verifying read when anything changes, one read when nothing does.
  - Every role of the team that is not listed is kept exactly as it was, its Organization role and its DAG roles
    included.
  - Workspaces and Deployments are given by ID, matched without regard to case as the Astro CLI does, or by name, as
    in M(astro.platform.token_roles).
  - Creating teams and changing their members is out of scope (do it in Astro or with its identity provider).
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
  - astro.platform.astro.role_edit
  - astro.platform.people.subject_roles
options:
  team_id:
    description:
      - ID of the team (matched without regard to case). Exactly one of O(team_id) and O(team_name) is required.
      - An ID that matches no team fails with the API's 404, before anything is written.
    type: str
  team_name:
    description:
      - Name of the team, matched exactly. It must match exactly one team; none fails naming the closest names,
        several fail listing their IDs (one more request, on that failure only).
    type: str
"""

EXAMPLES = r"""
- name: astro workspace team add --workspace-id W --role WORKSPACE_MEMBER (update is the same task with another role)
  astro.platform.team_roles:
    team_name: analysts
    workspace_roles:
      - workspace_name: analytics
        role: WORKSPACE_MEMBER

- name: astro deployment team add --deployment-id D --role DEPLOYMENT_ADMIN, with its Workspace role in the same write
  astro.platform.team_roles:
    team_name: data-engineers
    workspace_roles:
      - workspace_name: data-platform
        role: WORKSPACE_OPERATOR
    deployment_roles:
      - deployment_name: etl-prod
        workspace_name: data-platform
        role: DEPLOYMENT_ADMIN

- name: astro deployment team remove and astro workspace team remove, in one write
  astro.platform.team_roles:
    team_id: c6nde53rl0xctpuhgwsgynznx
    deployment_roles:
      - deployment_name: etl-prod
        state: absent
    workspace_roles:
      - workspace_name: ml-research
        state: absent
"""

RETURN = r"""
team:
  description:
    - The team after the task (in check mode, as it would be), as M(astro.platform.team_info) returns it.
  returned: success
  type: dict
  contains:
    id:
      description: "Team ID."
      type: str
      returned: success
    name:
      description: "Team name."
      type: str
      returned: success
    organization_role:
      description: "The team's Organization role."
      type: str
      returned: success
    workspace_roles:
      description: "Every Workspace role of the team, each with C(workspace_id) and C(role)."
      type: list
      elements: dict
      returned: success
    deployment_roles:
      description: "Every Deployment role of the team, each with C(deployment_id) and C(role)."
      type: list
      elements: dict
      returned: success
    dag_roles:
      description: "Every DAG role of the team (kept as they were), each with C(deployment_id), C(dag_id) or C(dag_tag), and C(role)."
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
      description: "The team's role there before the task, or null if it had none."
      type: str
      returned: success
    role_after:
      description: "The team's role there after the task, or null if it has none."
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
    team_id:
      description: "ID of the team."
      type: str
      returned: success
    team_name:
      description: "Name of the team."
      type: str
      returned: success
roles_kept:
  description: The removals listed with a role that were not made, because the team holds another role there.
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
from ansible_collections.astro.platform.plugins.module_utils.resolve import resolve_team
from ansible_collections.astro.platform.plugins.module_utils.role_edit import TEAM
from ansible_collections.astro.platform.plugins.module_utils.role_entries import (
    SUBJECT_ROLES_REQUIRED,
    run_subject_roles_module,
    subject_roles_argument_spec,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            astro_argument_spec(),
            team_id=dict(type="str"),
            team_name=dict(type="str"),
            **subject_roles_argument_spec()
        ),
        required_one_of=[("team_id", "team_name"), SUBJECT_ROLES_REQUIRED],
        mutually_exclusive=[("team_id", "team_name")],
        supports_check_mode=True,
    )
    run_subject_roles_module(module, TEAM, "team_id", "team_name", lambda client, name: resolve_team(client, None, name)["id"])


if __name__ == "__main__":
    main()
