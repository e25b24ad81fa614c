#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lost role edits between jobs that share no lock directory (issue 22), as AWX jobs in separate containers are.

A trial starts several ansible-playbook runs at once against one emulator, each with its own lock directory, each
adding the same token to its own Workspaces; every role write waits a random 0.2-3 s before it lands, so the jobs'
read-modify-writes overlap and land in any order. A trial counts the roles a job reported set (its host ok) that
the token lacks at the end (lost), and the writes that landed with a list missing a Workspace role the write
landed just before had (collisions: a stale list overwriting another job's role, caught or not).

Used by `benchmarks/run.py` (30 trials per setup; tests/integration/test_concurrency.py makes the collision happen
every time instead, and takes its log helpers from here). On its own: `benchmarks/lost_updates.py --trials 30` prints
the table.
"""

from __future__ import annotations

import copy
import re
import sys
import threading
from pathlib import Path

import yaml

TOKEN_NAME = "never-used-reader"
WRITE_DELAY_MS = (200, 3000)
# The settle wait that covers those delays: the longest write (3 s) plus a margin for the time between a job's read
# and its write, which a loaded controller stretches (docs/awx.md).
SETTLE_SECONDS_FOR_DELAYS = 5.0
# Each job, as an AWX job slice would, edits the token for its own Workspace hosts, in forks.
WORKSPACES_PER_JOB = 2
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)

# What each measured setup sets in every job's environment; `lock` says whether the jobs share one lock directory.
SETUPS = {
    "no guard (settle_seconds 0, a lock dir per job)": dict(env={"ASTRO_SETTLE_SECONDS": "0"}, shared_lock=False),
    "settle check (settle_seconds {0:g}, a lock dir per job)".format(SETTLE_SECONDS_FOR_DELAYS):
        dict(env={"ASTRO_SETTLE_SECONDS": str(SETTLE_SECONDS_FOR_DELAYS)}, shared_lock=False),
    "shared lock dir (settle_seconds 0, one lock dir for all jobs)": dict(env={"ASTRO_SETTLE_SECONDS": "0"}, shared_lock=True),
}
GUARD_OFF, SETTLE_ON, SHARED_LOCK = list(SETUPS)


def seed_with_workspaces(base_seed, count):
    """The seed plus `count` Workspaces bulk-000..., and their IDs."""
    seed = copy.deepcopy(base_seed)
    extra = [{"id": "cbulkws{0:018d}".format(i), "name": "bulk-{0:03d}".format(i)} for i in range(count)]
    seed["workspaces"] += extra
    return seed, [w["id"] for w in extra]


def write_inventory(path, workspace_ids):
    """An inventory of one local host per Workspace (ws-000, ...), its ID in astro_workspace_id."""
    hosts = {host_name(i): {"astro_workspace_id": ws} for i, ws in enumerate(workspace_ids)}
    Path(path).write_text(yaml.safe_dump({"workspaces": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}))
    return path


def host_name(index):
    return "ws-{0:03d}".format(index)


def module_edit(token_id):
    """The task each host runs: the token gets WORKSPACE_MEMBER on the host's Workspace."""
    return [{"name": "add the token to this host's Workspace", "astro.platform.workspace_org_token": {
        "token_id": token_id, "workspace_id": "{{ astro_workspace_id }}", "role": "WORKSPACE_MEMBER"}}]


def succeeded_hosts(stdout):
    """The hosts whose play recap says ok and not failed: the ones whose role the job reported set."""
    return {host for host, ok, _changed, unreachable, failed in RECAP.findall(stdout)
            if int(ok) and not int(unreachable) and not int(failed)}


def workspace_roles(control, token_id):
    return {r["entityId"] for r in control.token(token_id)["roles"] if r["entityType"] == "WORKSPACE"}


def collisions(requests, token_id):
    """Role writes of the token that landed with a list lacking a Workspace role of the write landed just before."""
    writes = sorted((e for e in requests if e["operationId"] == "UpdateApiTokenRoles" and e.get("status") == 200
                     and e.get("landed") and token_id in e["path"]), key=lambda e: e["landed"])
    count, previous = 0, set()
    for entry in writes:
        held = {r["entityId"] for r in entry["body"]["roles"] if r["entityType"] == "WORKSPACE"}
        count += bool(previous - held)
        previous = held
    return count


def job_workspaces(workspace_ids, jobs):
    """Each job's own Workspaces: WORKSPACES_PER_JOB of them, no two jobs the same."""
    return [workspace_ids[i * WORKSPACES_PER_JOB:(i + 1) * WORKSPACES_PER_JOB] for i in range(jobs)]


def race_trial(control, token_id, workspaces_of_jobs, run_job, write_delay_ms=WRITE_DELAY_MS):
    """One trial on an emulator reset by the caller: the jobs at once, every role write delayed at random.

    run_job(index) runs job `index` (its inventory and lock directory are the caller's) and returns (rc, stdout).
    Returns lost (Workspace IDs reported set, missing at the end), collisions and the failed jobs' indexes.
    """
    control.set_faults(write_delay_ms=list(write_delay_ms), write_delay_operations=["UpdateApiTokenRoles"])
    outcomes = [None] * len(workspaces_of_jobs)

    def job(index):
        outcomes[index] = run_job(index)

    threads = [threading.Thread(target=job, args=(index,)) for index in range(len(workspaces_of_jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reported = set()
    for (rc, stdout), workspaces in zip(outcomes, workspaces_of_jobs):
        hosts = succeeded_hosts(stdout)
        reported |= {ws for i, ws in enumerate(workspaces) if host_name(i) in hosts}
    held = workspace_roles(control, token_id)
    requests = control.requests()
    control.clear_faults()
    return dict(lost=sorted(reported - held), collisions=collisions(requests, token_id),
                failed=[index for index, (rc, _stdout) in enumerate(outcomes) if rc != 0],
                output=[stdout for _rc, stdout in outcomes], timeline=timeline(requests, token_id))


def timeline(requests, token_id):
    """The token's requests as lines (arrival seq, landing number, request, Workspaces written), for a failure message."""
    lines = []
    start = min((e["received_at"] for e in requests), default=0)
    for entry in requests:
        if token_id not in entry["path"]:
            continue
        written = sorted(r["entityId"][-3:] for r in (entry.get("body") or {}).get("roles", []) if r["entityType"] == "WORKSPACE")
        landed = "landed #{0} at {1:.2f}".format(entry["landed"], entry["landed_at"] - start) if entry.get("landed") else ""
        lines.append("#{0} at {1:.2f} {2} {3} {4} {5}".format(entry["seq"], entry["received_at"] - start, entry["method"],
                                                             entry.get("status"), landed, written if entry["is_write"] else ""))
    return "\n".join(lines)


def summary(trials):
    """Trials, trials that lost a role, roles lost, collisions, failed jobs: one row of the benchmark."""
    return dict(trials=len(trials), lost_trials=sum(1 for t in trials if t["lost"]), roles_lost=sum(len(t["lost"]) for t in trials),
                collisions=sum(t["collisions"] for t in trials), failed_jobs=sum(len(t["failed"]) for t in trials))


# -- on its own, and for benchmarks/run.py ------------------------------------------------------------------


def measure(emulator, base_seed, run_playbook, workdir, trials=30, job_counts=(2, 4), setups=tuple(SETUPS), progress=print):
    """Rows of summary() per (jobs, setup). run_playbook(playbook, inventory, env) returns (rc, stdout)."""
    workdir = Path(workdir)
    seed, ids = seed_with_workspaces(base_seed, WORKSPACES_PER_JOB * max(job_counts))
    token_id = next(t["id"] for t in seed["tokens"] if t["name"] == TOKEN_NAME)
    playbook = workdir / "lost-updates.yml"
    playbook.write_text(yaml.safe_dump([{"name": "edit one token", "hosts": "workspaces", "gather_facts": False,
                                         "tasks": module_edit(token_id)}], sort_keys=False))
    rows = []
    for jobs in job_counts:
        workspaces = job_workspaces(ids, jobs)
        inventories = [write_inventory(workdir / "jobs-{0}-hosts-{1}.yml".format(jobs, i), w) for i, w in enumerate(workspaces)]
        for setup in setups:
            options = SETUPS[setup]

            def run_job(index, options=options, inventories=inventories):
                lock = workdir / ("locks-shared" if options["shared_lock"] else "locks-job-{0}".format(index))
                return run_playbook(playbook, inventories[index], dict(options["env"], ASTRO_LOCK_DIR=str(lock)))

            done = []
            for _trial in range(trials):
                emulator.control.reset(seed=seed)
                done.append(race_trial(emulator.control, token_id, workspaces, run_job))
            rows.append(dict(jobs=jobs, setup=setup, **summary(done)))
            progress("   {0} jobs, {1}: {2}".format(jobs, setup, rows[-1]), flush=True)
    return rows


def markdown(rows):
    lines = ["| jobs at once | setup | trials | trials that lost a role | roles lost | collisions | failed jobs |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append("| {jobs} | {setup} | {trials} | {lost_trials} | {roles_lost} | {collisions} | {failed_jobs} |".format(**r))
    return lines


def playbook_runner(bench):
    """run_playbook for measure(), on a benchmarks/run.py Bench: each job one ansible-playbook, its forks its hosts."""
    import subprocess  # noqa: PLC0415

    def run_playbook(playbook, inventory, env):
        done = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", str(inventory),
                               "--forks", str(WORKSPACES_PER_JOB)], cwd=bench.workdir, env=bench.env(env), capture_output=True,
                              text=True, timeout=900, check=False)
        return done.returncode, done.stdout

    return run_playbook


def demo_seed():
    from astro_emulator.state import DEMO_SEED, load_seed  # noqa: PLC0415
    return load_seed(DEMO_SEED)


def main(argv=None):
    """Only this measurement: `benchmarks/lost_updates.py [--trials 30] [--jobs 2,4] [--setups 0,1,2]`."""
    import argparse  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import run as bench_run  # noqa: PLC0415 - the benchmark's install, environment and emulator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--jobs", default="2,4")
    parser.add_argument("--setups", default=",".join(str(i) for i in range(len(SETUPS))),
                        help="indexes of SETUPS, comma-separated: " + "; ".join("{0}: {1}".format(i, s) for i, s in enumerate(SETUPS)))
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="astro-lost-updates-"))
    emulator = bench_run.Emulator(seed=None)
    emulator.start()
    try:
        bench = bench_run.Bench(emulator, bench_run.install(workdir), workdir)
        rows = measure(emulator, demo_seed(), playbook_runner(bench), workdir, trials=args.trials,
                       job_counts=[int(j) for j in args.jobs.split(",")],
                       setups=[list(SETUPS)[int(i)] for i in args.setups.split(",")])
    finally:
        emulator.stop()
    print("\n".join(markdown(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
