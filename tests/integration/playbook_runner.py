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
