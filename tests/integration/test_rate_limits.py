# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Against a server that enforces exactly Astro's documented per-token limits (GET 25/s, POST 10/s, DELETE 5/s) and
sends no Retry-After — the emulator's default — a per-host play with many forks ends with every role held and every
read answered: the forks share one request budget, and a 429 is waited out for a whole window.

Counted, not timed: whatever the machine's speed, no task may fail and no role may be missing.
"""

from __future__ import annotations

import pytest
from test_concurrency import TOKEN_NAME, seed_with_workspaces, workspace_roles, write_inventory

HOSTS, FORKS = 60, 30


# Extra tokens, listed in pages of 100 (the server takes no more): every host's listing is EXTRA_TOKENS // 100 + 1 GETs
# in a row, so that 30 forks together ask far more than 25 a second of a server on this machine.
EXTRA_TOKENS = 400


def per_host_tasks(token_id):
    """Per host: a read of every token (GETs in bursts of FORKS), then one edit of the shared token."""
    return [
        {"name": "list this Workspace's tokens", "astro.platform.token_info": {}},
        {"name": "add the token to this host's Workspace", "astro.platform.workspace_org_token": {
            "token_id": token_id, "workspace_id": "{{ astro_workspace_id }}", "role": "WORKSPACE_MEMBER"}},
    ]


@pytest.mark.xdist_group("concurrency")
def test_a_per_host_play_of_60_hosts_and_30_forks_holds_every_role_under_the_documented_limits(
        ansible, emulator, seed, demo_seed, tmp_path):
    data, workspace_ids = seed_with_workspaces(demo_seed, HOSTS)
    data["tokens"] += [{"id": "cbulktok{0:017d}".format(i), "name": "bulk-{0:03d}".format(i), "scope": "ORGANIZATION",
                        "roles": [{"entityType": "ORGANIZATION", "entityId": data["organization"]["id"], "role": "ORGANIZATION_MEMBER"}]}
                       for i in range(EXTRA_TOKENS)]
    emulator.control.reset(seed=data)
    emulator.control.set_modes(largest_page=100)
    modes = emulator.control.modes()
    assert modes["rate_limits"] and modes["retry_after"] is None, "the server must be the strict one"
    token = seed.token(TOKEN_NAME)
    own_roles = emulator.control.token(token)["roles"]
    inventory = write_inventory(tmp_path / "hosts.yml", workspace_ids)
    run = ansible.run(per_host_tasks(token), hosts="workspaces", inventory=inventory, forks=FORKS, verbosity=0)
    failures = [(r["host"], r["task"], r["result"].get("msg")) for r in run.results if r["status"] == "failed"]
    assert run.rc == 0 and not failures, failures or run.output[-3000:]
    assert len([r for r in run.results if r["task"] == "list this Workspace's tokens"]) == HOSTS
    assert workspace_roles(emulator, token) == set(workspace_ids), "a role was lost"
    assert [r for r in emulator.control.token(token)["roles"] if r["entityType"] != "WORKSPACE"] == own_roles
    log = emulator.control.requests()
    refused = [entry for entry in log if entry["status"] == 429]
    print("RATE-LIMITS {0} requests, {1} answered 429".format(len(log), len(refused)))
    # Pacing keeps the refusals to the few a busy controller's late requests cause; each was answered by a wait.
    assert len(refused) <= len(log) // 10, "{0} of {1} requests refused: the client does not pace itself".format(len(refused), len(log))
