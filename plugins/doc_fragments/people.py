# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # What team_info and user_info share: read-only, and narrowed to a Workspace or a Deployment
    # (module_utils/resolve.py resolve_people_scope).
    DOCUMENTATION = r"""
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
