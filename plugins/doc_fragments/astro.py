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
      - Changing token roles needs an Organization token with C(ORGANIZATION_OWNER), or a Workspace token with
        C(WORKSPACE_OWNER) or C(WORKSPACE_OPERATOR) for the Deployment roles of the Workspace tokens of its own
        Workspace (C(WORKSPACE_OWNER) also for its Deployment tokens), as Astronomer's permissions reference says.
        Changing a team's or user's roles needs an Organization token with C(ORGANIZATION_OWNER).
      - If not set, the environment variable E(ASTRO_API_TOKEN) is used. One of the two is required.
      - It must be visible ASCII characters only. A token with a trailing line break (a token file saved with
        Windows line endings, a YAML C(|) block) or any whitespace fails before any request, with a message that
        does not show the token.
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
      - A C(http://) URL sends the API token in clear text and the module warns, except for this machine
        (C(localhost), C(127.0.0.0/8), C(::1)), such as a local test API.
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
      - A 429 without C(Retry-After) waits at least one second (Astro's rate limits count a one-second window),
        doubling with each retry, and holds off every process of this controller that uses the same API token.
      - Other errors, such as 400, 401, 403 and 404, are never retried.
    type: int
    default: 5
requirements:
  - requests
notes:
  - Astro limits each API token to 25 GET, 10 POST and 5 DELETE requests a second. Every process of this controller
    that uses the same token (the forks of a play, the items of a looped task, playbooks running at once) shares
    one request budget and waits for its turn, so that together they stay under those limits. The budget is a
    small file in the lock directory (E(ASTRO_LOCK_DIR), else the private per-user runtime directory), named by a
    hash of the API URL and the token; it never holds the token.
  - When the API refuses pages of 1000 tokens or roles, pages of 100 are asked from then on, by every process of the
    controller; at C(-v) a warning says so.
  - An option or environment variable set to the empty string counts as not set (AWX injects an empty string for
    a credential field left empty), so its environment variable or default applies.
  - Set the connection options once for every module of the collection with
    C(module_defaults) and the action group C(group/astro.platform.astro).
attributes:
  action_group:
    description: Use C(group/astro.platform.astro) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - astro.platform.astro
"""

    # The options of modules that change the roles of a token, a team or a user (module_utils/role_edit.py).
    ROLE_EDIT = r"""
options:
  lock_dir:
    description:
      - Directory of the lock files that serialize edits of one token, team or user from this controller, so that forks and
        parallel playbooks never overwrite each other's edits. Every playbook run on one controller must use
        the same directory.
      - If not set, the environment variable E(ASTRO_LOCK_DIR) is used; then C(astro.platform-locks) in the
        per-user runtime directory E(XDG_RUNTIME_DIR) when it is set and private to the user; then
        C(astro.platform-locks) in the user's cache directory (E(XDG_CACHE_HOME), or C(~/.cache)) when the home
        directory is the user's and closed to others; then C(astro.platform-locks-<uid>) in the system's temporary
        directory, where another user could create it first (the task then fails, saying what to do).
      - The directory is created with mode 0700. An existing one must be a real directory (not a symbolic link),
        owned by the user running the task, with no group or other permissions; otherwise the task fails before
        anything is written, naming the directory and the fix (C(chmod 700), or another O(lock_dir)), since another
        user who controls it could break the lock or block every edit.
      - Lock files that are symbolic links, FIFOs or not owned by the user are refused.
    type: path
  lock_timeout:
    description:
      - Seconds to wait for the lock of a token (team, user) that another edit holds; then the task fails, naming the lock file.
      - If not set, the environment variable E(ASTRO_LOCK_TIMEOUT) is used, then 300.
    type: float
  settle_seconds:
    description:
      - How much longer than this task's own write another writer's role write may take to land, and how long after
        this task gave up on a write of its own (no answer within O(timeout)) that write may still land.
      - The verifying read after each role write waits that long beyond the time the write and a read took, so that
        a stale list written by another job (an AWX job in another container, which shares no O(lock_dir)) has
        landed by then; a role of this task it removed is written again, and the task warns. After a write without
        answer, the token's lock is held until then, so no later edit from this controller can be erased by it.
      - V(0) turns the wait off; safe only when no other job edits the same tokens at the same time (one controller,
        a O(lock_dir) every job shares, or AWX jobs that never run at once; see C(docs/awx.md)).
      - If not set, the environment variable E(ASTRO_SETTLE_SECONDS) is used, then 1.
    type: float
notes:
  - The Astro API replaces a token's whole role list (a team's or user's whole role set) on every write, without any
    precondition. The module reads the list, changes only the roles asked for, writes the list back, and reads it again to verify;
    if a writer elsewhere overwrote the change, it is redone on the fresh list (up to 5 attempts).
    The result's RV(attempts) says how many writes that took; C(roles_rewritten) lists the roles another writer
    removed after they were written (written again), and C(answers_lost) counts write attempts without answer.
  - A failure after a write that may have landed (no answer, a gateway's 502, 503 or 504) says
    "may have been applied; run again to see", and the failed result has C(possibly_applied=true).
attributes:
  check_mode:
    description: Can run in check mode and predicts exactly whether a write would change the token, team or user.
    support: full
  diff_mode:
    description: Shows the role list of the token, team or user before and after, one role a line, names beside IDs.
    support: full
"""
