"""The user who installs the tarball from Galaxy and never clones the repository.

From an empty directory, with the built tarball installed into an empty collections path and no ASTRO_* variable:
each shipped playbook run with no variables fails, naming what it needs, and leaves the directory empty; then the
README's "Try it without an Astro account" runs as written (the emulator's pip package from a copy of
tools/astro_emulator instead of the repository on GitHub); then every plugin's and role's documentation, as
ansible-doc reads it, has no code span cut short. Ansible processes: one ansible-playbook per shipped playbook, one
for the trial, one ansible-doc for every plugin and role.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.collection import describe, galaxy_metadata, run_tool
from harness.docs import cut_code_spans
from harness.paths import FQCN, REPO_ROOT, playbook_env, venv_bin

README = REPO_ROOT / "README.md"
EMULATOR_PACKAGE = "astro-platform-emulator @ git+https://github.com/astro-platform/astro.platform@{0}#subdirectory=tools/astro_emulator"
# What each shipped playbook, run with no variables and no ASTRO_*, must say (it needs something the user must name).
NEEDS = {
    "demo": "is not a local emulator",
    "onboard_workspaces": "Set astro_onboarding_vars_file to your declarations file",
    "token_audit": "No Astro API token: set the api_token option or the ASTRO_API_TOKEN environment variable.",
    "token_hygiene": "No Astro API token: set the api_token option or the ASTRO_API_TOKEN environment variable.",
}


def trial_commands() -> list[str]:
    """The shell lines of the README's section "Try it without an Astro account", comments dropped."""
    section = README.read_text(encoding="utf-8").split("## Try it without an Astro account\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def start_emulator(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start the emulator as the README says, and read the three export lines it prints."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    exports = {}
    for line in proc.stdout:
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
        if len(exports) == 3:
            return proc, exports
    proc.wait()
    pytest.fail("the emulator exited with {0} before printing its three export lines".format(proc.returncode))


@pytest.mark.slow
@pytest.mark.xdist_group("packaging")
def test_a_galaxy_user_from_an_empty_directory(installed_collection, tmp_path):
    workdir = tmp_path / "empty"
    workdir.mkdir()
    env = playbook_env(installed_collection, tmp_path, {}, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                       ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="false")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # ansible-playbook
    env["PWD"] = str(workdir)  # as a shell started there sets it (the reports' default place)

    # 1. Each shipped playbook, with no variables: a clear failure, and nothing written here.
    shipped = sorted(path.stem for path in (installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks").glob("*.yml"))
    assert shipped == sorted(NEEDS), "a shipped playbook has no expectation here: {0}".format(shipped)
    for name in shipped:
        result = run_tool([venv_bin("ansible-playbook"), "{0}.{1}".format(FQCN, name)], cwd=workdir, env=env, timeout=300)
        assert result.returncode != 0, describe(result)
        assert NEEDS[name] in result.stdout.replace("\\n", " ").replace("\n", " "), describe(result)
        assert "TASK [Read the declarations]" not in result.stdout, "the demo's declarations were read:\n" + describe(result)
        assert list(workdir.iterdir()) == [], "{0} wrote {1}".format(name, sorted(p.name for p in workdir.iterdir()))

    # 2. The offline trial, line by line as the README has it.
    commands = trial_commands()
    version = galaxy_metadata()["version"]
    assert commands[0] == 'python3 -m pip install "{0}"'.format(EMULATOR_PACKAGE.format(version)), commands[0]
    assert commands[1] == "astro-emulator", commands
    source = tmp_path / "astro_emulator"  # a copy: pip writes its build files into the source directory
    shutil.copytree(REPO_ROOT / "tools" / "astro_emulator", source, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site"
    requirement = EMULATOR_PACKAGE.split(" @ ")[0] + " @ " + source.as_uri()
    pip = run_tool([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), requirement], cwd=workdir, timeout=300)
    assert pip.returncode == 0, describe(pip)
    emulator_env = dict(env, PYTHONPATH=str(target))
    proc, exports = start_emulator([str(target / "bin" / commands[1])], emulator_env)
    try:
        assert sorted(exports) == ["ASTRO_API_TOKEN", "ASTRO_API_URL", "ASTRO_ORGANIZATION_ID"], exports
        trial = run_tool(["bash", "-euc", "\n".join(commands[2:])], cwd=workdir, env=dict(env, **exports), timeout=600)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert trial.returncode == 0, describe(trial)
    assert re.search(r"^analytics\s+: ok=\d+\s+changed=[1-9]", trial.stdout, re.MULTILINE), describe(trial)
    assert (workdir / "astro-reports" / "token_audit.md").is_file()
    assert exports["ASTRO_API_TOKEN"] not in trial.stdout

    # 3. Every plugin's and role's documentation, in one ansible-doc: no code span cut short by a ")" inside it.
    dump = run_tool([venv_bin("ansible-doc"), "--metadata-dump", "--no-fail-on-errors", FQCN], cwd=workdir, env=env)
    assert dump.returncode == 0, describe(dump)
    plugins = json.loads(dump.stdout[dump.stdout.index("{"):])["all"]
    documented = {kind: sorted(docs) for kind, docs in plugins.items() if kind != "keyword" and docs}
    assert set(documented) == {"module", "inventory", "filter", "role"}, documented
    cut = ["{0} {1}: {2}".format(kind, name, span) for kind, docs in plugins.items() if kind != "keyword"
           for name, doc in docs.items() for span in cut_code_spans(doc)]
    assert cut == [], "code spans cut short by a ')' inside them (ansible-doc, Galaxy and the docs site end them there):\n  " + "\n  ".join(cut)


def test_the_cut_span_check_finds_one():
    doc = {"doc": {"description": ["a name such as C({{ lookup('pipe', 'id') }}) stays", "V(a\\)b) and C(x) are fine"]}}
    assert cut_code_spans(doc) == ["C({{ lookup('pipe', 'id')"]
