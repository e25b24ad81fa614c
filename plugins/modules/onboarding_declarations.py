#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is an action plugin only (plugins/action/onboarding_declarations.py): it runs on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: onboarding_declarations
short_description: Read a file of Workspace onboarding declarations, as data
version_added: 1.0.0
description:
  - Reads the Workspace declarations of the role C(astro.platform.workspace_onboarding) from a YAML or JSON file whose
    key C(astro_workspaces) lists them, as C(playbooks/vars/onboarding.yml) does, and returns them in RV(workspaces).
  - The declarations are data, and no string of the file is ever templated, so a name such as
    "{{ lookup('pipe', 'id') }}" stays that name. Use M(ansible.builtin.include_vars) for a file that must be templated.
  - Parses the file once, without the per-string copies and tags of M(ansible.builtin.include_vars), which cost about
    2.5 s for 1 000 declarations. A vault-encrypted file is decrypted.
  - Makes no API request.
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - astro.platform.astro.read_only
attributes:
  check_mode:
    support: full
    details: Only reads a file on the controller.
options:
  path:
    description:
      - The declarations file; a relative path is looked up in the playbook's C(vars/) directory, then in the
        playbook's directory.
    type: path
    required: true
notes:
  - Runs on the controller; the task needs no connection to the host.
"""

EXAMPLES = r"""
- name: Read the declarations
  astro.platform.onboarding_declarations:
    path: vars/onboarding.yml
  register: declarations
  run_once: true

- name: Onboard them
  ansible.builtin.include_role:
    name: astro.platform.workspace_onboarding
  vars:
    workspace_onboarding_workspaces: "{{ declarations.workspaces }}"
  run_once: true
"""

RETURN = r"""
workspaces:
  description: The Workspace declarations, the list under the file's key C(astro_workspaces), unchanged.
  type: list
  elements: dict
  returned: success
  sample:
    - workspace: analytics
      org_tokens:
        - token: ci-deployer
          role: WORKSPACE_OPERATOR
defaults:
  description:
    - The file's key C(astro_workspace_defaults), unchanged (an empty mapping when it has none), for the role's
      O(astro.platform.workspace_onboarding#role:main:workspace_onboarding_defaults).
  type: dict
  returned: success
  sample:
    exclusive: true
    org_tokens:
      - token: ci-deployer
        role: WORKSPACE_OPERATOR
msg:
  description: How many declarations were read, from which file.
  type: str
  returned: success
  sample: "12 Workspace declarations read from vars/onboarding.yml."
"""
