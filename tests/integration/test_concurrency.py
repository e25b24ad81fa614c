# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""No lost role edits when two edits of one token race, with the race made to happen rather than hoped for.

The API replaces the whole role list on each write with no precondition. Every test here runs the same
playbook: two inventory hosts, in two forks of one ansible-playbook, each giving the same token a role on its own
Workspace; and the same fault: the emulator holds the first role write until the other one has landed, then applies
it LATE_MS later. So both edits read the list without the other's role, and the held write lands a stale list over
the other's: a collision in every run, not in some of many random trials. What differs is only the guard:

- guard off (a lock directory per host, settle_seconds 0): the verifying read of the edit overwritten comes before
  the stale write lands, so a role is lost. The control: it shows the setup does lose roles without the guard.
- the verifying read settled (a lock directory per host, as AWX jobs in separate containers have, settle_seconds
  beyond LATE_MS): the overwritten edit sees the overwrite and writes again. The collision is asserted (in the
  emulator's log and in the task's attempts), and that nothing is lost.
- the shared lock (settle_seconds 0): the second edit cannot read before the held write is answered, so its write
  keeps the first role. Asserted from the log: no collision, and nothing is lost.

Many forks and many Workspaces at once are `test_rate_limits.py`'s and the onboarding scale tests'; random write
delays over many trials are the benchmark's (`benchmarks/lost_updates.py`, docs/awx.md).
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
seed_with_workspaces, write_inventory = lost_updates.seed_with_workspaces, lost_updates.write_inventory

EDIT = "add the token to this host's Workspace"
# How long after the other write the held one lands: far beyond the unsettled verifying read (a read, a write and
# at most 0.1 s of jitter after the write's answer), far within SETTLE_SECONDS.
LATE_MS = 1000
SETTLE_SECONDS = 3.0
# Only breaks the deadlock of the shared lock (the held edit holds it, so no other write can land); never reached
# otherwise.
HOLD_SECONDS = 8


def workspace_roles(emulator, token_id):
    return lost_updates.workspace_roles(emulator.control, token_id)


def race(ansible, emulator, seed, demo_seed, tmp_path, shared_lock, settle_seconds):
    """The one setup of every test: two hosts, two forks, the first write held until the other landed; returns
    (the run, the Workspaces, the token's requests in the log)."""
    token = seed.token(TOKEN_NAME)
    data, workspaces = seed_with_workspaces(demo_seed, 2)
    emulator.control.reset(seed=data)
    emulator.control.set_faults(hold_next={"operations": ["UpdateApiTokenRoles"], "after_writes": 1, "late_ms": LATE_MS,
                                           "seconds": HOLD_SECONDS})
    lock_dir = tmp_path / ("locks-shared" if shared_lock else "locks-{{ inventory_hostname }}")
    edit = {"name": EDIT, "astro.platform.workspace_org_token": {
        "token_id": token, "workspace_id": "{{ astro_workspace_id }}", "role": "WORKSPACE_MEMBER",
        "lock_dir": str(lock_dir), "settle_seconds": settle_seconds}}
    run = ansible.run([edit], hosts="workspaces", inventory=write_inventory(tmp_path / "hosts.yml", workspaces), forks=2)
    assert run.rc == 0, run.output[-3000:]
    requests = [entry for entry in emulator.control.requests() if token in entry["path"]]
    return run, workspaces, requests


def role_writes(requests):
    """The token's role writes in the order they landed."""
    return sorted((e for e in requests if e["operationId"] == "UpdateApiTokenRoles" and e.get("landed")), key=lambda e: e["landed"])


def attempts(run):
    return sorted(run.task(EDIT, host=host)["attempts"] for host in (lost_updates.host_name(0), lost_updates.host_name(1)))


@pytest.mark.xdist_group("concurrency")
def test_control_without_the_guard_the_race_loses_a_role(ansible, emulator, seed, demo_seed, tmp_path):
    run, workspaces, requests = race(ansible, emulator, seed, demo_seed, tmp_path, shared_lock=False, settle_seconds=0)
    timeline = lost_updates.timeline(requests, seed.token(TOKEN_NAME))
    assert lost_updates.collisions(requests, seed.token(TOKEN_NAME)) == 1, timeline
    assert attempts(run) == [1, 1], "an edit saw the overwrite without the settle wait:\n" + timeline
    assert len(set(workspaces) - workspace_roles(emulator, seed.token(TOKEN_NAME))) == 1, (
        "both roles are held: the setup cannot show a lost update\n" + timeline)


@pytest.mark.xdist_group("concurrency")
def test_with_separate_locks_the_settled_verifying_read_catches_the_collision_and_loses_nothing(
        ansible, emulator, seed, demo_seed, tmp_path):
    run, workspaces, requests = race(ansible, emulator, seed, demo_seed, tmp_path, shared_lock=False, settle_seconds=SETTLE_SECONDS)
    token = seed.token(TOKEN_NAME)
    timeline = lost_updates.timeline(requests, token)
    assert lost_updates.collisions(requests, token) == 1, "the stale write did not land over the other:\n" + timeline
    assert workspace_roles(emulator, token) == set(workspaces), "a role was lost:\n" + timeline
    assert attempts(run) == [1, 2], "the overwritten edit did not write again:\n" + timeline
    rewritten = [run.task(EDIT, host=host)["roles_rewritten"] for host in (lost_updates.host_name(0), lost_updates.host_name(1))]
    assert sorted(len(r) for r in rewritten) == [0, 1]


@pytest.mark.xdist_group("concurrency")
def test_with_one_shared_lock_the_second_edit_reads_after_the_held_write_and_loses_nothing(
        ansible, emulator, seed, demo_seed, tmp_path):
    run, workspaces, requests = race(ansible, emulator, seed, demo_seed, tmp_path, shared_lock=True, settle_seconds=0)
    token = seed.token(TOKEN_NAME)
    timeline = lost_updates.timeline(requests, token)
    assert workspace_roles(emulator, token) == set(workspaces), "a role was lost:\n" + timeline
    first, second = role_writes(requests)
    assert first["seq"] < second["seq"], "the held write was not the first to arrive:\n" + timeline
    held_by_second = {r["entityId"] for r in second["body"]["roles"] if r["entityType"] == "WORKSPACE"}
    assert set(workspaces) <= held_by_second, "the second edit wrote a list read before the first landed:\n" + timeline
    assert lost_updates.collisions(requests, token) == 0 and attempts(run) == [1, 1], timeline


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
