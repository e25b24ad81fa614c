#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is an action plugin only (plugins/action/onboarding.py): it runs on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: onboarding
short_description: Bring the token, team and user roles of declared Workspaces to their declaration, each written once
version_added: 1.0.0
description:
  - The task of the role C(astro.platform.workspace_onboarding), which documents the declarations.
  - Checks every declaration before any request (an unknown key fails naming the closest valid one), lists the
    Workspaces, Deployments and tokens once (M(astro.platform.deployment_info), M(astro.platform.token_info)), and the
    teams and users with their roles when declarations need them (M(astro.platform.team_info),
    M(astro.platform.user_info)), and plans one edit per token, team and user; a Workspace, Deployment, token, team,
    user e-mail or role that does not exist fails then, before any write, naming the close ones.
  - Then runs M(astro.platform.api_token) for the declared tokens to create or update, M(astro.platform.token_roles)
    for each token's edit, and M(astro.platform.team_roles) / M(astro.platform.user_roles) for each team's and user's
    edit, with their check mode, handing them their arguments as data. A failed edit fails the task, saying which
    tokens, teams and users were already changed and which were not.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro
attributes:
  check_mode:
    description: Plans every write and makes none; the modules it runs run in check mode too.
    support: full
    details: The edits of tokens that the run would create are returned in RV(new_token_roles), not made.
  diff_mode:
    description: Shows each change it makes or, in check mode, would make.
    support: full
    details: One line per change, with the names of the Workspaces and Deployments beside their IDs.
notes:
  - The task acts on the API, not on its host. Run for several hosts of a play without C(run_once), it fails before
    any request, saying to use C(run_once) or a play on one host.
  - Before the first write, every C(secret_file) a new secret may go to is checked, as check mode checks it.
options:
  workspaces:
    description:
      - The declarations, one per Workspace, as the role's
        O(astro.platform.workspace_onboarding#role:main:workspace_onboarding_workspaces) documents them.
    type: list
    elements: dict
    required: true
  defaults:
    description:
      - Keys merged into every declaration, as the role's
        O(astro.platform.workspace_onboarding#role:main:workspace_onboarding_defaults) documents them.
    type: dict
    default: {}
  exclusive:
    description: The C(exclusive) of the declarations that do not set it (or set it to null).
    type: bool
    default: false
  state:
    description: The C(state) of the declarations that do not set it.
    type: str
    choices: [present, absent]
    default: present
  limit:
    description:
      - IDs of the Workspaces to act on (a value that is no Workspace's ID stands for the Workspaces of that exact name).
        The other declarations are checked, but nothing of theirs is changed. Empty or null acts on every declaration.
    type: list
    elements: str
  lock_dir:
    description: The directory of the lock files of the token edits, as for M(astro.platform.token_roles).
    type: path
  lock_timeout:
    description: Seconds to wait for the lock of a token that another edit holds, as for M(astro.platform.token_roles).
    type: float
  settle_seconds:
    description:
      - How long each role write is let settle before its verifying read, as for M(astro.platform.token_roles)
        (default there, or E(ASTRO_SETTLE_SECONDS)). Handed to every token edit and declared token of the run.
    type: float
"""

EXAMPLES = r"""
- name: Onboard the declared Workspaces
  astro.platform.onboarding:
    workspaces: "{{ astro_workspaces }}"
  register: onboarded
"""

RETURN = r"""
results:
  description: The result of M(astro.platform.token_roles) for each token edit, in order.
  type: list
  elements: dict
  returned: always
people_results:
  description:
    - The result of M(astro.platform.team_roles) or M(astro.platform.user_roles) for each team's and user's edit, in order,
      with the C(module) and the C(subject) ("team NAME (ID)", "user E-MAIL (ID)").
  type: list
  elements: dict
  returned: always
token_results:
  description: The result of M(astro.platform.api_token) for each declared token written, with the C(arguments) it was given.
  type: list
  elements: dict
  returned: always
new_token_roles:
  description: In check mode, the M(astro.platform.token_roles) arguments of the tokens the run would create.
  type: list
  elements: dict
  returned: always
undeclared:
  description: Per exclusive Workspace with something to remove, its C(workspace), the roles removed as lines, and the C(action).
  type: list
  elements: dict
  returned: always
changes_by_workspace:
  description:
    - Workspace ID (lower case) to one line per change there, tokens first, then teams and users; every Workspace acted
      on has a key.
  type: dict
  returned: always
"""
