# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run real ansible-playbook against the emulator and read back every task result."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from harness.cores import core_venv
from harness.paths import playbook_env

CALLBACK_DIR = Path(__file__).parent / "callback_plugins"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def secret_forms(secret):
    """A secret as it may be printed: as is, stripped (a token with a line break), escaped the way repr and JSON do."""
    forms = {secret, secret.strip(), repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    return sorted(form for form in forms if form)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list = field(default_factory=list)
    log: str = ""

    def leaks(self, secrets):
        """The secrets that appear anywhere in the output, the results or Ansible's log, in any of their forms."""
        everything = "\n".join((self.stdout, self.stderr, self.log, json.dumps(self.results)))
        return [secret for secret in secrets if secret and any(form in everything for form in secret_forms(secret))]

    def task(self, name, host="localhost"):
        """The result dict of the task of that name (the last one, if it ran several times)."""
        found = [r for r in self.results if r["task"] == name and r["host"] == host]
        assert found, "no result for task {0!r}; tasks run: {1}\n{2}".format(name, [r["task"] for r in self.results], self.output)
        return dict(found[-1]["result"], failed=found[-1]["status"] == "failed")

    @property
    def output(self):
        return self.stdout + self.stderr

    @property
    def changed_tasks(self):
        return [r["task"] for r in self.results if r["result"].get("changed")]


class PlaybookRunner:
    """Writes a playbook into a scratch directory and runs it with the collection and the emulator's credentials."""

    def __init__(self, workdir, collections_path, api_env, secrets=(), secret_source=None):
        """secret_source: called after each run, returns more secrets to search for (those issued during the run)."""
        self.workdir = Path(workdir)
        self.collections_path = collections_path
        self.api_env = api_env
        self.secrets = list(secrets)
        self.secret_source = secret_source
        self._ids = itertools.count(1)  # unique file names, also when two threads run playbooks at once
        self.processes = 0  # ansible-playbook processes started: each costs about 2.5 CPU-seconds before it does anything

    def env(self, extra=None):
        return playbook_env(self.collections_path, self.workdir, self.api_env, ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_DIR),
                            ANSIBLE_CALLBACKS_ENABLED="record_results", **(extra or {}))

    def write_playbook(self, tasks, hosts="localhost", play_vars=None):
        play = dict(name="integration play", hosts=hosts, gather_facts=False, tasks=tasks)
        if play_vars:
            play["vars"] = play_vars
        path = self.workdir / "playbook-{0}.yml".format(next(self._ids))
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        return path

    def run(self, tasks=None, playbook=None, check=False, diff=True, verbosity=3, extra_vars=None, inventory=None,
            forks=None, env=None, hosts="localhost", play_vars=None, allow_leaks=False, core=None):
        """Run (by default with -vvv and --diff, the most talkative settings); fail if any known secret shows up.

        core: an ansible-core series of harness.cores.SUPPORTED_CORES to run with, instead of the dev venv's.
        """
        if playbook is None:
            playbook = self.write_playbook(tasks, hosts=hosts, play_vars=play_vars)
        run_id = next(self._ids)
        results_path = self.workdir / "results-{0}.jsonl".format(run_id)
        log_path = self.workdir / "ansible-{0}.log".format(run_id)
        ansible_playbook = core_venv(core) / "ansible-playbook" if core else ANSIBLE_PLAYBOOK
        command = [str(ansible_playbook), str(playbook)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if inventory:
            command += ["-i", str(inventory)]
        if forks:
            command += ["--forks", str(forks)]
        run_env = self.env(dict(env or {}, ASTRO_TEST_RESULTS=str(results_path), ANSIBLE_LOG_PATH=str(log_path)))
        self.processes += 1
        completed = subprocess.run(command, cwd=self.workdir, env=run_env, capture_output=True, text=True, timeout=600, check=False)
        results = []
        if results_path.exists():
            results = [json.loads(line) for line in results_path.read_text().splitlines()]
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        run = PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results, log)
        if not allow_leaks:
            leaked = run.leaks(self.secrets + list(self.secret_source() if self.secret_source else ()))
            assert not leaked, "{0} secret(s) leaked into the output, results or log of {1}".format(len(leaked), playbook)
        return run


# --- converge: check mode, the change and the re-run of one task, in one ansible-playbook process ------------------

CHECK_SUFFIX = " (check mode)"
AGAIN_SUFFIX = " (again)"


@dataclass
class Step:
    """One of converge's runs of the task: its result, its part of the output, the requests it made."""

    name: str  # the task's name in the playbook
    result: dict  # as PlaybookRun.task returns it
    output: str  # the default callback's lines of this task only: its TASK banner up to the next banner
    requests: list  # the emulator's request log entries of this task, in arrival order

    @property
    def changed(self):
        return self.result.get("changed")

    @property
    def writes(self):
        return [entry for entry in self.requests if entry["is_write"]]

    @property
    def write_operations(self):
        return [entry["operationId"] for entry in self.writes]

    @property
    def counts(self):
        """{operationId: number of requests} of this step, like EmulatorControl.counts()."""
        counts = {}
        for entry in self.requests:
            counts[entry["operationId"]] = counts.get(entry["operationId"], 0) + 1
        return counts


@dataclass
class Convergence:
    """What converge ran: the whole run, and each step (`again` is None when it was not asked for)."""

    run: PlaybookRun
    checked: Step
    real: Step
    again: Step = None


def task_output(stdout, name):
    """The lines the default callback printed for the task of that name: from its banner to the next banner."""
    banner = "TASK [{0}]".format(name)
    start = stdout.find(banner)
    assert start >= 0, "no banner {0!r} in the output:\n{1}".format(banner, stdout)
    ends = [position for position in (stdout.find("\nTASK [", start + 1), stdout.find("\nPLAY RECAP", start + 1)) if position >= 0]
    return stdout[start:min(ends)] if ends else stdout[start:]


def converge(ansible, emulator, task, *, changed=True, writes=None, requests_when_unchanged=None, again=True, diff=True,
             core=None):
    """Run `task` in check mode, for real, then again, as three tasks of ONE ansible-playbook process; assert what
    holds for every idempotent module and return a Convergence for the test's own assertions.

    ansible: the `ansible` fixture (a PlaybookRunner); emulator: the `emulator` fixture; task: one task dict with a
    "name" (the module's arguments as the test would write them), run on localhost, without a loop (each step must
    have one result). The playbook runs with -vvv and --diff (the leak check of PlaybookRunner.run covers all three
    steps) and holds:

    1. "<name> (check mode)": the task with `check_mode: true` (and `diff: true`);
    2. "<name>": the task, with `diff: <diff>`;
    3. "<name> (again)", unless again=False (a rotation is never unchanged): the task once more.

    Each step's requests are told apart through the emulator's request log, read by the test callback after each
    task result (ASTRO_TEST_REQUEST_LOG_URL); the log is cleared before the run. Asserted here:

    - the playbook succeeds;
    - check mode writes nothing and predicts `changed`; the real run reports `changed`;
    - writes, when given: the operationIds of the real run's writes, in order (e.g. ["UpdateApiTokenRoles"]);
    - the re-run reports changed false and writes nothing; requests_when_unchanged, when given, is the re-run's
      request count (an int) or its counts by operationId (a dict, which also fixes the total).

    Check mode leaves the emulator as it was because it writes nothing (the emulator changes only on a write); a
    test that needs the state between steps (before the re-run, say) reads it after converge: the re-run wrote
    nothing, so it is the state the real run left.
    """
    name = task["name"]
    steps = [(name + CHECK_SUFFIX, dict(task, name=name + CHECK_SUFFIX, check_mode=True, diff=True)),
             (name, dict(task, diff=diff))]
    if again:
        steps.append((name + AGAIN_SUFFIX, dict(task, name=name + AGAIN_SUFFIX)))
    control = emulator.control
    control.clear_log()
    run = ansible.run([step_task for _, step_task in steps], core=core,
                      env={"ASTRO_TEST_REQUEST_LOG_URL": control.base_url + "/_emulator/requests"})
    assert run.rc == 0, run.output
    log = control.requests()
    done, made = 0, []
    for step_name, _ in steps:
        recorded = [r for r in run.results if r["task"] == step_name and r["host"] == "localhost"]
        assert len(recorded) == 1, "task {0!r} has {1} results".format(step_name, len(recorded))
        logged = recorded[0]["requests_logged"]
        made.append(Step(step_name, run.task(step_name), task_output(run.stdout, step_name), log[done:logged]))
        done = logged
    convergence = Convergence(run, *made)

    checked, real = convergence.checked, convergence.real
    assert checked.writes == [], "check mode wrote: {0}".format(checked.write_operations)
    assert checked.changed is changed, "check mode predicted changed={0}".format(checked.changed)
    assert real.changed is changed, "the real run reported changed={0}".format(real.changed)
    if writes is not None:
        assert real.write_operations == list(writes), real.counts
    if again:
        rerun = convergence.again
        assert rerun.changed is False, "the re-run changed: {0}".format(rerun.output)
        assert rerun.writes == [], "the re-run wrote: {0}".format(rerun.write_operations)
        if isinstance(requests_when_unchanged, dict):
            assert rerun.counts == requests_when_unchanged
        elif requests_when_unchanged is not None:
            assert len(rerun.requests) == requests_when_unchanged, rerun.counts
    return convergence


def refused(ansible, emulator, tasks, stored):
    """Run tasks that must each fail, in one ansible-playbook; assert nothing was written and stored(emulator), the
    state the tasks are about, is as it was; return {task name: failure message}."""
    before = stored(emulator)
    emulator.control.clear_log()
    run = ansible.run([dict(task, ignore_errors=True) for task in tasks])
    messages = {}
    for task in tasks:
        result = run.task(task["name"])
        assert result["failed"] is True, "{0}: did not fail: {1}".format(task["name"], result)
        messages[task["name"]] = result["msg"]
    assert emulator.control.writes() == []
    assert stored(emulator) == before
    return messages
