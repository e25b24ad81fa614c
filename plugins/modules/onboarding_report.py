#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is an action plugin only (plugins/action/onboarding_report.py): it runs on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: onboarding_report
short_description: Report on a Workspace's inventory host what the Workspace onboarding changed there
version_added: 1.0.0
description:
  - The role C(astro.platform.workspace_onboarding) runs once for all the Workspaces and sets the fact
    C(workspace_onboarding_changes_by_workspace) on every host of the play. This task, run on every host, shows the
    changes of the host's own Workspace and is C(changed) exactly when there are any, so that the play recap (and
    AWX's host summary) marks changed the Workspaces whose token roles changed, and no other host.
  - Reads the fact and the host's Workspace ID from the host's variables, without templating them, so that a host
    costs the same whatever the number of Workspaces (an argument templated from the fact would copy all of it for
    every host).
  - Makes no API request.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro.read_only
attributes:
  check_mode:
    support: full
    details: In check mode the role's facts hold the changes it would make, and this reports those.
options:
  workspace_id:
    description:
      - The ID of the Workspace to report on.
      - Default is the host's variable C(astro_workspace_id), as the inventory plugin C(astro.platform.astro) sets it;
        a host without it (V(localhost)) reports the changes of every Workspace.
    type: str
notes:
  - Runs on the controller; the task needs no connection to the host.
"""

EXAMPLES = r"""
- name: Onboard the Workspaces of all the hosts at once
  ansible.builtin.include_role:
    name: astro.platform.workspace_onboarding
  run_once: true

- name: Report the roles changed in this host's Workspace
  astro.platform.onboarding_report:
"""

RETURN = r"""
changes:
  description:
    - One line for each change in the Workspace (every Workspace's, on a host without one), as
      C(workspace_onboarding_changes_by_workspace) holds them.
  type: list
  elements: str
  returned: always
  sample:
    - "ci-deployer: +WORKSPACE analytics (clvdwt4z3000008l60ofb6347): WORKSPACE_OPERATOR"
    - "token analytics-ci (workspace): create; new secret in /secure/analytics-ci.token"
msg:
  description:
    - How many changes, in which Workspace; or that the host's Workspace is not declared, so nothing was done.
    - The Workspace is named by the host's C(astro_workspace_name) (as the inventory plugin sets it, control characters
      escaped) beside its ID, or by its ID alone when the host has no name or O(workspace_id) is given.
  type: str
  returned: always
  sample: "2 changes in Workspace analytics (clvdwt4z3000008l60ofb6347)."
workspace_id:
  description: The Workspace reported on (null on a host without one).
  type: str
  returned: always
"""
