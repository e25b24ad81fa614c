"""Every ansible-core the collection claims (harness.cores.SUPPORTED_CORES) is tested at run time: the demo playbooks on
that core against the emulator, with an onboarding re-run that must change nothing, on a seed with names that run a
command if templated (harness.hostile_data): no marker may appear, and the audit shows them as text.

ansible-test sanity runs on the oldest and the newest claimed core (their rule sets bracket the others': the oldest
still compiles for the oldest Pythons, the newest has the newest pylint and validate-modules). The cores between
them are the same code under older or newer rules; their sanity runs in the per-core job of
.github/workflows/ and with SANITY_CORES=all (make test-cores), not twice in every `make test`.

Each core's venv is made once under .cache/cores (harness.cores.core_venv). The sanity runs of the cores on one
Python share an xdist group: ansible-test builds one venv per sanity test, Python version and requirement set under
~/.ansible/test/venv, and two runs of cores that pin the same requirements must not build the same venv at once.
The two groups (Python 3.11: 2.16 to 2.19; Python 3.12: 2.20 and 2.21) run on different workers. The demos are
independent (each starts its own emulator on a free port) and are spread over the workers.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from harness import run_ansible_test
from harness.collection import fail_with_output
from harness.cores import NEWEST_CORE, OLDEST_CORE, SUPPORTED_CORES, core_venv
from harness.hostile_data import attack, hostile_seed, made_markers
from harness.paths import REPO_ROOT, tool_env

TIMEOUT = 900
CORES = sorted(SUPPORTED_CORES, key=lambda series: tuple(int(part) for part in series.split(".")))
SANITY_CORES = [pytest.param(core, marks=pytest.mark.xdist_group("ansible-test-sanity-python" + SUPPORTED_CORES[core][1]))
                for core in CORES
                if os.environ.get("SANITY_CORES") == "all" or core in (OLDEST_CORE, NEWEST_CORE)]


def installed_core(bin_dir):
    """The ansible-core version and Python version of a core venv, as the venv itself reports them."""
    probe = subprocess.run([str(bin_dir / "python"), "-c", "import sys, ansible.release as r; "
                            "print(r.__version__, '{0}.{1}'.format(*sys.version_info[:2]))"],
                           capture_output=True, text=True, check=True)
    return tuple(probe.stdout.split())


@pytest.mark.slow
@pytest.mark.parametrize("core", SANITY_CORES)
def test_sanity_on_core(core, tmp_path_factory):
    assert installed_core(core_venv(core)) == SUPPORTED_CORES[core]
    # The oldest and the newest core on every file of a checkout, as CI runs them (tests/sanity/ignore-*.txt skips
    # the development files' pylint and pep8); the others on the shippable content only.
    result = run_ansible_test.run("sanity", tree_root=tmp_path_factory.mktemp("sanity-" + core), capture=True,
                                  timeout=TIMEOUT, core=core, checkout=core in (OLDEST_CORE, NEWEST_CORE))
    if result.returncode != 0:
        fail_with_output(result, "ansible-test sanity (ansible-core {0})".format(SUPPORTED_CORES[core][0]))
    # The run really was that core's ansible-test on that Python, and it skipped nothing for lack of a Python.
    assert "Running sanity test" in result.stdout, result.stdout
    assert "--python {0}".format(SUPPORTED_CORES[core][1]) in " ".join(result.args)


@pytest.mark.slow
@pytest.mark.parametrize("core", CORES)
def test_demo_on_core(core, installed_collection, demo_seed, tmp_path):
    """The demo and its onboarding re-run (which must change nothing), on the demo seed plus names that run a command
    if anything templates them: every module, the onboarding and the token audit take them as data on every core."""
    bin_dir = core_venv(core)
    assert installed_core(bin_dir) == SUPPORTED_CORES[core]
    markers = tmp_path / "markers"
    markers.mkdir()
    seed = tmp_path / "hostile-seed.yaml"
    seed.write_text(yaml.safe_dump(hostile_seed(demo_seed, markers)))
    result = subprocess.run(
        # The session's installed tarball, as every integration test uses it: installing it again per core tests nothing more.
        [sys.executable, "-m", "harness", "demo", "--core", core, "--installed", "--collections-path", str(installed_collection),
         "--seed", str(seed), "--output-dir", str(tmp_path)],
        cwd=REPO_ROOT, env=tool_env(PYTHONPATH=str(REPO_ROOT / "tools"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
                                    ASTRO_LOCK_DIR=str(tmp_path / "locks")),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT, check=False,
    )
    if result.returncode != 0:
        fail_with_output(result, "the demo on ansible-core {0}".format(SUPPORTED_CORES[core][0]))
    assert "==> {0} ".format(bin_dir / "ansible-playbook") in result.stdout, "the demo did not run that core's ansible-playbook"
    assert "re-run: 0 changes" in result.stdout, result.stdout
    assert made_markers(markers) == [], result.stdout
    assert attack(markers, "token-name") in (tmp_path / "demo-reports" / "token_audit.md").read_text(), "the audit lost the hostile token"
