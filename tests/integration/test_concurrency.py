# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""No lost role edits when many edits of one token run at once.

The API replaces the whole role list on each write with no precondition. These tests
run real ansible-playbook with forks, and two or four playbooks at once with separate lock
directories (AWX jobs in separate containers), against the emulator with latency or a random
delay per write that widens the read-to-write window. The control tests run the same setups
unguarded (the naive read-modify-write a user would write with ansible.builtin.uri, and the
modules with settle_seconds 0) and show that they do lose roles, so the setup can catch a loss.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[2] / "benchmarks" / filename)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


lost_updates = _load("astro_bench_lost_updates", "lost_updates.py")
TOKEN_NAME = lost_updates.TOKEN_NAME
seed_with_workspaces, write_inventory, module_edit = (lost_updates.seed_with_workspaces, lost_updates.write_inventory,
                                                      lost_updates.module_edit)


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
    return lost_updates.workspace_roles(emulator.control, token_id)


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


# -- jobs that share no lock dir, every write delayed at random 0.2-3 s (issue 22) -------------------------------------

class Jobs:
    """`count` jobs at once, each with its inventory of WORKSPACES_PER_JOB Workspace hosts and, by setup, its lock dir."""

    def __init__(self, ansible, emulator, seed, many_workspaces, tmp_path, count):
        self.ansible, self.emulator, self.many_workspaces, self.tmp_path = ansible, emulator, many_workspaces, tmp_path
        self.token = seed.token(TOKEN_NAME)
        self.workspaces = lost_updates.job_workspaces(many_workspaces.ids, count)
        self.inventories = [write_inventory(tmp_path / "job-{0}-hosts.yml".format(i), w) for i, w in enumerate(self.workspaces)]
        self.playbook = ansible.write_playbook(module_edit(self.token), hosts="workspaces")

    def trial(self, setup):
        options = lost_updates.SETUPS[setup]

        def run_job(index):
            lock = self.tmp_path / ("locks-shared" if options["shared_lock"] else "locks-job-{0}".format(index))
            run = self.ansible.run(playbook=self.playbook, inventory=self.inventories[index], forks=lost_updates.WORKSPACES_PER_JOB,
                                   verbosity=0, env=dict(options["env"], ASTRO_LOCK_DIR=str(lock)))
            return run.rc, run.stdout

        self.emulator.control.reset(seed=self.many_workspaces.seed)
        return lost_updates.race_trial(self.emulator.control, self.token, self.workspaces, run_job)


@pytest.mark.xdist_group("concurrency")
@pytest.mark.parametrize("count, trials", [(2, 3), (4, 1)])
def test_jobs_with_separate_lock_dirs_and_random_write_delays_lose_no_role_with_the_settle_check(
        ansible, emulator, seed, many_workspaces, tmp_path, count, trials):
    jobs = Jobs(ansible, emulator, seed, many_workspaces, tmp_path, count)
    done = [jobs.trial(lost_updates.SETTLE_ON) for _trial in range(trials)]
    for number, trial in enumerate(done, 1):
        assert not trial["failed"], "trial {0}: job(s) {1} failed:\n{2}".format(number, trial["failed"], trial["output"])
        assert not trial["lost"], "trial {0} lost the roles of {1}:\n{2}".format(number, trial["lost"], trial["timeline"])
    assert sum(t["collisions"] for t in done) > 0, "no stale write landed: the setup cannot show that none is lost"


@pytest.mark.xdist_group("concurrency")
def test_control_the_same_jobs_without_the_guard_lose_roles(ansible, emulator, seed, many_workspaces, tmp_path):
    """The setup of the test above with settle_seconds 0 loses roles: it can catch a loss. Trials until the first loss."""
    jobs = Jobs(ansible, emulator, seed, many_workspaces, tmp_path, 4)
    done = []
    while len(done) < 6 and not any(t["lost"] for t in done):
        done.append(jobs.trial(lost_updates.GUARD_OFF))
    assert any(t["lost"] for t in done), "{0} unguarded trials lost nothing: the setup cannot show a lost update".format(len(done))


# -- a team's role set, edited by two jobs that share no lock dir (issue 27) ------------------------------------------

TEAM_WRITE_DELAY_MS = (2500, 2500)


def team_landed_writes(requests, team_id):
    """The team's roles writes, in the order they landed, as the Workspace IDs each one wrote."""
    writes = sorted((e for e in requests if e["operationId"] == "UpdateTeamRoles" and e.get("status") == 200 and e.get("landed")
                     and team_id in e["path"]), key=lambda e: e["landed"])
    return [{r["workspaceId"] for r in e["body"]["workspaceRoles"]} for e in writes]


@pytest.mark.xdist_group("concurrency")
def test_two_jobs_editing_one_teams_roles_on_different_workspaces_lose_nothing(ansible, emulator, seed, tmp_path):
    """Two jobs (separate lock dirs, as AWX jobs in separate containers) give one team a role each in another Workspace,
    at once; every write lands 2.5 s late, so both read the set before either write lands and the later one lands a
    set without the other's role. The settle check must see that and write it again. One trial."""
    team = seed.team("platform-admins")
    workspaces = [seed.workspace("data-platform"), seed.workspace("analytics")]
    emulator.control.set_faults(write_delay_ms=list(TEAM_WRITE_DELAY_MS), write_delay_operations=["UpdateTeamRoles"])
    runs = [None, None]

    def job(index):
        task = {"name": "team role", "astro.platform.team_roles": {
            "team_id": team, "workspace_roles": [{"workspace_id": workspaces[index], "role": "WORKSPACE_MEMBER"}]}}
        runs[index] = ansible.run([task], verbosity=0, env={"ASTRO_LOCK_DIR": str(tmp_path / "locks-job-{0}".format(index)),
                                                            "ASTRO_SETTLE_SECONDS": "3"})

    threads = [threading.Thread(target=job, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(run.rc == 0 for run in runs), [run.output[-2000:] for run in runs]
    stored = next(t for t in emulator.control.state()["teams"] if t["id"] == team)
    assert {r["workspaceId"] for r in stored["workspaceRoles"]} == set(workspaces), "a job's role was lost"
    assert stored["organizationRole"] == "ORGANIZATION_OWNER"
    landed = team_landed_writes(emulator.control.requests(), team)
    assert any(len(written) == 1 for written in landed[1:]), "no stale set landed: the setup cannot show that none is lost"
