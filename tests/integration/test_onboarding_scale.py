# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/onboard_workspaces.yml over one inventory host per Workspace does per host a constant amount of work.

Counted, not timed, at 50 and 200 hosts: the task results per task (one task per host, every other one once), the
token edits (one per token), the API requests, and how often the declaration file is read (once, not per host).
The emulator enforces Astro's documented per-token rate limits with no Retry-After (its default), and 20 forks run
the hosts: every declared role must be held at the end.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest
import yaml
from astro_emulator import Emulator
from playbook_runner import PlaybookRunner

BENCH_SEED = Path(__file__).resolve().parents[2] / "benchmarks" / "seed.py"
REPORT_TASK = "Report the roles changed in this host's Workspace"
EDIT_TASK = "Check the declarations, look up and plan, then create the declared tokens and write each token's roles once"
SIZES = (50, 200)
FORKS = 20


def _seedgen():
    spec = importlib.util.spec_from_file_location("astro_bench_seed", BENCH_SEED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seedgen = _seedgen()


@pytest.fixture
def big_org():
    data = seedgen.generate(tokens=300, workspaces=max(SIZES), deployments_per_workspace=4, custom_roles=3)
    emulator = Emulator(seed=data, validate_contract=True)
    emulator.start()
    yield emulator, data
    violations = emulator.control.violations()
    emulator.stop()
    assert not violations, violations


def onboard(runner, emulator, data, size, folder):
    """One first run over `size` Workspace hosts; what it did, counted."""
    folder.mkdir()
    vars_file = folder / "declarations.yml"
    vars_file.write_text(yaml.safe_dump({"astro_workspaces": seedgen.onboarding_declaration(data, size)}))
    hosts = {w["name"]: {"astro_workspace_id": w["id"], "astro_workspace_name": w["name"]} for w in data["workspaces"][:size]}
    inventory = folder / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"astro_workspaces": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}))
    emulator.control.reset()
    emulator.control.clear_log()
    playbook = runner.collections_path / "ansible_collections" / "astro" / "platform" / "playbooks" / "onboard_workspaces.yml"
    run = runner.run(playbook=playbook, inventory=inventory, forks=FORKS, diff=False,
                     extra_vars={"astro_onboarding_vars_file": str(vars_file)})
    assert run.rc == 0, run.output[-3000:]
    per_task = Counter(r["task"].split(" : ")[-1] for r in run.results)
    edits = next(r["result"]["results"] for r in run.results if r["task"].endswith(EDIT_TASK))
    log = emulator.control.requests()
    held = {t["name"]: {(r["entityType"], r["entityId"], r["role"]) for r in t["roles"]} for t in emulator.control.state()["tokens"]}
    missing = {name: sorted(wanted - held.get(name, set()))[:3] for name, wanted in seedgen.declared_roles(data, size).items()
               if wanted - held.get(name, set())}
    return dict(per_task=per_task, edits=len(edits), requests=len([e for e in log if e["status"] != 429]),
                refused=len(log) - len([e for e in log if e["status"] != 429]), missing=missing,
                declaration_reads=run.output.count(str(vars_file)), changed_hosts=run.stdout.count("changed=1 "))


@pytest.mark.slow
def test_per_host_work_does_not_grow_with_the_number_of_hosts(installed_collection, big_org, tmp_path):
    emulator, data = big_org
    api_env = dict(ASTRO_API_URL=emulator.api_url, ASTRO_ORGANIZATION_ID=emulator.organization_id, ASTRO_API_TOKEN=emulator.caller_secret)
    runner = PlaybookRunner(tmp_path, installed_collection, api_env, [emulator.caller_secret])
    small, large = (onboard(runner, emulator, data, size, tmp_path / str(size)) for size in SIZES)
    assert emulator.control.modes()["rate_limits"] and emulator.control.modes()["retry_after"] is None
    for size, counted in zip(SIZES, (small, large)):
        assert counted["per_task"][REPORT_TASK] == size, counted["per_task"]
        assert counted["changed_hosts"] == size
        assert counted["missing"] == {}, "declared roles not held at {0} hosts: {1}".format(size, counted["missing"])
    # Every other task runs once (or once per token) whatever the number of hosts.
    assert {task: n for task, n in large["per_task"].items() if task != REPORT_TASK} == \
        {task: n for task, n in small["per_task"].items() if task != REPORT_TASK}
    assert large["edits"] == small["edits"] == len(seedgen.ONBOARD_ORG_TOKENS + seedgen.ONBOARD_DEPLOYMENT_TOKENS)
    # Requests the server carried out; a 429 refused (and waited out) is not work.
    assert large["requests"] == small["requests"], (small, large)
    # The declaration is read a fixed number of times, not once per host and task.
    assert large["declaration_reads"] == small["declaration_reads"], (small["declaration_reads"], large["declaration_reads"])
