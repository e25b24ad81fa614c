# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # What team_info and user_info share: read-only, and narrowed to a Workspace or a Deployment
    # (module_utils/resolve.py resolve_people_scope).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode; it only reads.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
options:
  workspace_id:
    description:
      - Only those holding a role on this Workspace, as C(astro workspace team list) and C(astro workspace user list)
        list them; each result then has C(workspace_role), the CLI's role column. A Workspace ID that does not exist
        fails.
      - With O(deployment_id) or O(deployment_name) too, only the Workspace the Deployment is looked up in.
      - IDs are matched without regard to case, as the Astro CLI does.
    type: str
  workspace_name:
    description:
      - Name of the Workspace, instead of O(workspace_id). It must match exactly one Workspace.
    type: str
  deployment_id:
    description:
      - Only those holding a role on this Deployment, as C(astro deployment team list) and
        C(astro deployment user list) list them; each result then has C(deployment_role). A Deployment ID that does
        not exist fails.
    type: str
  deployment_name:
    description:
      - Name of the Deployment, instead of O(deployment_id).
    type: str
"""

    # The options of team_roles and user_roles (module_utils/role_entries.py role_entries_argument_spec and
    # edit_subject_roles): a team's or user's Organization, Workspace and Deployment roles, as token_roles takes a token's.
    SUBJECT_ROLES = r"""
options:
  organization_role:
    description:
      - The Organization role to hold. If not set, the Organization role is kept as it is.
      - Every roles write carries the Organization role, since Astro replaces the whole role set on each write; a user
        who holds none fails before anything is written, unless this is set.
    type: str
    choices: [ORGANIZATION_OWNER, ORGANIZATION_BILLING_ADMIN, ORGANIZATION_MEMBER, ORGANIZATION_OBSERVE_ADMIN, ORGANIZATION_OBSERVE_MEMBER]
  workspace_roles:
    description:
      - Roles on Workspaces, at most one per Workspace.
      - At least one of O(organization_role), O(workspace_roles) and O(deployment_roles) is required.
    type: list
    elements: dict
    suboptions:
      workspace_id:
        description:
          - ID of the Workspace (matched without regard to case). Exactly one of O(workspace_roles[].workspace_id) and
            O(workspace_roles[].workspace_name) is required.
        type: str
      workspace_name:
        description:
          - Name of the Workspace, matched exactly; none or several matches fail, listing the candidates, before
            anything is written.
          - All the Workspace names of the task are looked up with one request.
        type: str
      role:
        description:
          - The role in the Workspace. Required when O(workspace_roles[].state=present).
          - With O(workspace_roles[].state=absent), optional; when given, the role there is removed only if it is this
            role. Another role is kept, listed in RV(roles_kept), and the task warns.
          - Removing the Workspace role while a Deployment role of that Workspace stays fails before anything is
            written (a Deployment role needs a Workspace role on its Workspace).
        type: str
        choices: [WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR]
      state:
        description: V(present) gives O(workspace_roles[].role) there; V(absent) removes the role there.
        type: str
        choices: [present, absent]
        default: present
  deployment_roles:
    description:
      - Roles on Deployments, at most one per Deployment.
      - A Deployment role needs a role on the Deployment's Workspace, held already or given by O(workspace_roles) in the
        same task; otherwise the task fails before anything is written, naming both (the Terraform provider refuses
        the same; what Astro does with such a write is not public).
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
      workspace_id:
        description:
          - The Workspace the Deployment belongs to. Optional; when set, a custom role restricted to other Workspaces
            is refused before anything is written, and so is a Deployment of another Workspace that gets its first role.
        type: str
      workspace_name:
        description:
          - Name of that Workspace, instead of O(deployment_roles[].workspace_id), looked up as
            O(workspace_roles[].workspace_name) is (with the same single request).
        type: str
      role:
        description:
          - V(DEPLOYMENT_ADMIN), another default Deployment role of Astro, or the name of a custom Deployment role of
            the organization. Required when O(deployment_roles[].state=present).
          - Roles other than V(DEPLOYMENT_ADMIN) are checked with one extra API call for all entries (the organization's
            roles, default ones included).
          - With O(deployment_roles[].state=absent), optional; when given, the role there is removed only if it is this
            role. Another role is kept, listed in RV(roles_kept), and the task warns.
        type: str
      state:
        description: V(present) gives O(deployment_roles[].role) there; V(absent) removes the role there.
        type: str
        choices: [present, absent]
        default: present
  check_deployment_roles:
    description:
      - Whether to check the O(deployment_roles[].role) values against the organization's roles (one request).
      - V(false) when the caller checked them already for many tasks at once; the API still refuses an unknown role
        when it is written.
    type: bool
    default: true
  check_entities:
    description:
      - Whether to look up the Workspaces and Deployments that get a first role, to fail on one that does not exist,
        and the names the diff and RV(roles_changed) show beside the IDs (one request per kind).
      - V(false) when the caller listed them in the same run. The diff and RV(roles_changed) then show IDs without
        names; a Deployment whose Workspace neither the task nor a look-up told is still looked up (one request) when
        the Workspace-role rule needs it.
    type: bool
    default: true
notes:
  - The Astro API replaces a team's or user's whole role set (Organization, Workspace, Deployment and DAG roles) on
    every write. The module reads the set, changes only the roles listed, and writes back everything else as it was
    read, the DAG roles included (the Astro CLI's team and user commands drop them), then reads it again to verify,
    as M(astro.platform.token_roles) does for a token, with the same lock, settle wait and repair of an overwrite.
  - Changing a team's or user's roles needs an Organization API token with C(ORGANIZATION_OWNER).
"""
