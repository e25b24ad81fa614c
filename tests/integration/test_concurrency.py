# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""No lost role edits when many edits of one token run at once.

The API replaces the whole role list on each write with no precondition. These tests
run real ansible-playbook with forks, and two playbooks at once with separate lock
directories (two controllers), against the emulator with latency that widens the
read-to-write window. The control test runs the naive read-modify-write a user would
write with ansible.builtin.uri in the same setup and shows that it does lose roles,
so the setup can catch a loss.
"""

from __future__ import annotations

import copy
import threading

import pytest
import yaml

TOKEN_NAME = "never-used-reader"


def seed_with_workspaces(demo_seed, count):
    seed = copy.deepcopy(demo_seed)
    extra = [{"id": "cbulkws{0:018d}".format(i), "name": "bulk-{0:03d}".format(i)} for i in range(count)]
    seed["workspaces"] += extra
    return seed, [w["id"] for w in extra]


def write_inventory(path, workspace_ids):
    hosts = {"ws-{0:03d}".format(i): {"astro_workspace_id": ws} for i, ws in enumerate(workspace_ids)}
    path.write_text(yaml.safe_dump({"workspaces": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}))
    return path


def module_edit(token_id):
    return [{"name": "add the token to this host's Workspace", "astro.platform.workspace_org_token": {
        "token_id": token_id, "workspace_id": "{{ astro_workspace_id }}", "role": "WORKSPACE_MEMBER"}}]


def naive_uri_edit(token_id):
    """Read, edit, write back: what a playbook without the collection does."""
    url = "{{ lookup('env', 'ASTRO_API_URL') }}/organizations/{{ lookup('env', 'ASTRO_ORGANIZATION_ID') }}/tokens/" + token_id
    headers = {"Authorization": "Bearer {{ lookup('env', 'ASTRO_API_TOKEN') }}"}
    return [
        {"name": "read the token", "ansible.builtin.uri": {"url": url, "headers": headers}, "register": "token", "no_log": True},
        {"name": "write the roles back with ours", "no_log": True, "ansible.builtin.uri": {
            "url": url + "/roles", "method": "POST", "headers": headers, "body_format": "json",
            "body": {"roles": "{{ token.json.roles + [{'entityType': 'WORKSPACE', 'entityId': astro_workspace_id, 'role': 'WORKSPACE_MEMBER'}] }}"}}},
    ]


def workspace_roles(emulator, token_id):
    return {r["entityId"] for r in emulator.control.token(token_id)["roles"] if r["entityType"] == "WORKSPACE"}


class ManyWorkspaces:
    """The demo organization plus 60 Workspaces; `fresh()` resets the emulator to it, with latency faults."""

    def __init__(self, emulator, demo_seed):
        self.emulator = emulator
        self.seed, self.ids = seed_with_workspaces(demo_seed, 60)

    def fresh(self, latency_ms, operations):
        self.emulator.control.reset(seed=self.seed)
        self.emulator.control.set_faults(latency_ms=latency_ms, latency_operations=operations)


@pytest.fixture
def many_workspaces(emulator, demo_seed):
    return ManyWorkspaces(emulator, demo_seed)


@pytest.mark.xdist_group("concurrency")
def test_sixty_forks_editing_one_token_lose_nothing(ansible, emulator, seed, many_workspaces, tmp_path):
    token = seed.token(TOKEN_NAME)
    inventory = write_inventory(tmp_path / "hosts.yml", many_workspaces.ids)
    playbook = ansible.write_playbook(module_edit(token), hosts="workspaces")
    for trial in range(1, 6):
        many_workspaces.fresh(latency_ms=30, operations=["UpdateApiTokenRoles"])
        own_roles = emulator.control.token(token)["roles"]
        run = ansible.run(playbook=playbook, inventory=inventory, forks=30, verbosity=0)  # -vvv of 60 hosts costs only time
        assert run.rc == 0, run.output[-3000:]
        assert workspace_roles(emulator, token) == set(many_workspaces.ids), "trial {0} lost roles".format(trial)
        assert [r for r in emulator.control.token(token)["roles"] if r["entityType"] != "WORKSPACE"] == own_roles


@pytest.mark.xdist_group("concurrency")
def test_two_controllers_with_separate_locks_lose_nothing(ansible, emulator, seed, many_workspaces, tmp_path):
    token = seed.token(TOKEN_NAME)
    halves = [many_workspaces.ids[0:3], many_workspaces.ids[3:6]]
    inventories = [write_inventory(tmp_path / "hosts-{0}.yml".format(i), half) for i, half in enumerate(halves)]
    playbook = ansible.write_playbook(module_edit(token), hosts="workspaces")
    for trial in range(1, 11):
        # Slow reads and writes make the two controllers' read-modify-writes overlap.
        many_workspaces.fresh(latency_ms=60, operations=["GetApiToken", "UpdateApiTokenRoles"])
        runs = [None, None]

        def controller(index):
            runs[index] = ansible.run(playbook=playbook, inventory=inventories[index], forks=3,
                                      env={"ASTRO_LOCK_DIR": str(tmp_path / "locks-controller-{0}".format(index))})

        threads = [threading.Thread(target=controller, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failures = [r["result"].get("msg") for run in runs for r in run.results if r["status"] == "failed"]
        assert all(run.rc == 0 for run in runs), "trial {0}: {1}".format(trial, failures or [run.output[-2000:] for run in runs])
        assert workspace_roles(emulator, token) == set(halves[0] + halves[1]), "trial {0} lost roles".format(trial)


@pytest.mark.xdist_group("concurrency")
def test_control_the_naive_read_modify_write_loses_roles_in_the_same_setup(ansible, emulator, seed, many_workspaces, tmp_path):
    token = seed.token(TOKEN_NAME)
    workspaces = many_workspaces.ids[:20]
    inventory = write_inventory(tmp_path / "hosts.yml", workspaces)
    many_workspaces.fresh(latency_ms=30, operations=["UpdateApiTokenRoles"])
    # ansible.builtin.uri neither paces itself nor retries a 429: the rate limits would only hide the lost update.
    emulator.control.set_modes(rate_limits=False)
    run = ansible.run(naive_uri_edit(token), hosts="workspaces", inventory=inventory, forks=20, verbosity=0)
    assert run.rc == 0, run.output[-3000:]
    lost = set(workspaces) - workspace_roles(emulator, token)
    assert lost, "the unprotected edit lost nothing: the setup cannot show a lost update"
