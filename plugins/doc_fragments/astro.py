# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # The connection options every module takes (module_utils/astro_api.py astro_argument_spec).
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - "An Astro API token, sent as C(Authorization: Bearer <token>)."
      - Changing token roles needs an Organization token with C(ORGANIZATION_OWNER), or a Workspace token
        with C(WORKSPACE_OWNER) for the Deployment roles of Workspace tokens of its own Workspace.
      - If not set, the environment variable E(ASTRO_API_TOKEN) is used. One of the two is required.
    type: str
  organization_id:
    description:
      - The ID of the Astro Organization.
      - If not set, the environment variable E(ASTRO_ORGANIZATION_ID) is used. One of the two is required.
    type: str
  api_url:
    description:
      - Base URL of the Astro API, version v1.
      - If not set, the environment variable E(ASTRO_API_URL) is used, then the default.
    type: str
    default: https://api.astronomer.io/v1
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Turning it off warns; prefer O(ca_path) for a private CA.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle file to verify the API's TLS certificate with, instead of the system's.
    type: path
  timeout:
    description:
      - Seconds to wait for each API answer.
    type: float
    default: 30
  max_retries:
    description:
      - How many times one API call is retried after HTTP 429 (honouring C(Retry-After), capped at 60 seconds),
        502, 503, 504, a dropped connection or a timeout, with exponential backoff and jitter.
      - Other errors, such as 400, 401, 403 and 404, are never retried.
    type: int
    default: 5
requirements:
  - requests
notes:
  - Set the connection options once for every module of the collection with
    C(module_defaults) and the action group C(group/astro.platform.astro).
attributes:
  action_group:
    description: Use C(group/astro.platform.astro) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - astro.platform.astro
"""

    # The options of modules that change a token's roles (module_utils/role_edit.py).
    ROLE_EDIT = r"""
options:
  lock_dir:
    description:
      - Directory of the lock files that serialize edits of one token from this controller, so that forks and
        parallel playbooks never overwrite each other's edits. Every playbook run on one controller must use
        the same directory.
      - If not set, the environment variable E(ASTRO_LOCK_DIR) is used, then a per-user directory under the
        system's temporary directory.
    type: path
notes:
  - The Astro API replaces a token's whole role list on every write, without any precondition.
    The module reads the list, changes only the one role, writes the list back, and reads it again to verify;
    if a writer elsewhere overwrote the change, it is redone on the fresh list (up to 5 attempts).
    The result's RV(attempts) says how many writes that took.
attributes:
  check_mode:
    description: Can run in check mode and predicts exactly whether a write would change the token.
    support: full
  diff_mode:
    description: Shows the token's role list before and after, one role a line.
    support: full
"""
