# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The astro.platform.astro inventory plugin, the onboarding playbook run the way AWX runs it
(ansible-runner with a private data directory), and the execution environment (ansible-builder)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ansible_runner
import yaml
from harness.cores import SUPPORTED_CORES
from harness.paths import REPO_ROOT

VENV_BIN = Path(sys.executable).parent


def collection_root(installed_collection):
    return installed_collection / "ansible_collections" / "astro" / "platform"


def test_inventory_lists_workspaces_and_deployments_with_constructed_groups(ansible, emulator, seed, tmp_path):
    source = tmp_path / "demo.astro.yml"
    source.write_text(yaml.safe_dump({
        "plugin": "astro.platform.astro",
        "include_deployments": True,
        "filters": {"workspace_names": ["data-platform", "analytics"]},
        "keyed_groups": [{"key": "astro_deployment_status | default('workspace') | lower", "prefix": "status"}],
        "compose": {"astro_is_production": "astro_deployment_name | default('') is search('prod')"},
        "groups": {"production": "astro_deployment_name | default('') is search('prod')"},
    }))
    emulator.control.clear_log()
    listed = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(source), "--list", "--export"], cwd=tmp_path,
                            env=ansible.env(), capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "[WARNING]" not in listed.stderr, listed.stderr
    inventory = json.loads(listed.stdout)
    hostvars = inventory["_meta"]["hostvars"]

    def plain(value):  # ansible-inventory marks strings from plugins as unsafe in its JSON
        return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value

    assert sorted(inventory["astro_workspaces"]["hosts"]) == ["analytics", "data-platform"]
    assert sorted(inventory["astro_deployments"]["hosts"]) == ["analytics.reporting-dev", "analytics.reporting-prod",
                                                               "data-platform.etl-prod", "data-platform.etl-staging"]
    assert sorted(inventory["astro_workspace_data_platform"]["hosts"]) == ["data-platform.etl-prod", "data-platform.etl-staging"]
    assert sorted(inventory["production"]["hosts"]) == ["analytics.reporting-prod", "data-platform.etl-prod"]
    assert inventory["status_hibernating"]["hosts"] == ["analytics.reporting-dev"]
    assert sorted(inventory["status_workspace"]["hosts"]) == ["analytics", "data-platform"]
    workspace = {k: plain(v) for k, v in hostvars["data-platform"].items()}
    assert workspace["astro_workspace_id"] == seed.workspace("data-platform")
    assert workspace["astro_workspace_name"] == "data-platform"
    assert workspace["astro_organization_id"] == seed.organization
    assert workspace["ansible_connection"] == "local"
    assert workspace["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    deployment = {k: plain(v) for k, v in hostvars["data-platform.etl-prod"].items()}
    assert deployment["astro_deployment_id"] == seed.deployment("etl-prod")
    assert deployment["astro_workspace_id"] == seed.workspace("data-platform")
    assert deployment["astro_deployment_status"] == "HEALTHY"
    assert deployment["astro_is_production"] is True
    assert "ml-research" not in hostvars
    assert emulator.caller_secret not in listed.stdout + listed.stderr
    assert not any("token" in name for host in hostvars.values() for name in host)
    assert emulator.control.writes() == []


def test_onboarding_through_ansible_runner_as_awx_runs_it(ansible, emulator, seed, installed_collection, tmp_path):
    """A private data directory as AWX writes it: the credential type's env injectors in env/envvars."""
    root = collection_root(installed_collection)
    private = tmp_path / "runner"
    shutil.copytree(root / "playbooks", private / "project")
    (private / "inventory").mkdir()
    shutil.copy(root / "playbooks" / "inventory" / "astro.yml", private / "inventory" / "astro.yml")
    credential_type = yaml.safe_load((root / "extensions" / "awx" / "credential_type.yml").read_text())
    credential = {"api_token": emulator.caller_secret, "organization_id": emulator.organization_id, "api_url": emulator.api_url,
                  "api_token_id": ""}  # left empty, as AWX injects a field not filled in
    injected = {name: template.replace("{{ ", "{").replace(" }}", "}").format(**credential)
                for name, template in credential_type["injectors"]["env"].items()}
    assert sorted(injected) == ["ASTRO_API_TOKEN", "ASTRO_API_TOKEN_ID", "ASTRO_API_URL", "ASTRO_ORGANIZATION_ID"]
    envvars = dict(injected, ANSIBLE_COLLECTIONS_PATH=str(installed_collection), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ASTRO_LOCK_DIR=str(tmp_path / "locks"),
                   PATH="{0}:/usr/bin:/bin".format(VENV_BIN))
    (private / "env").mkdir()
    (private / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    # The job template's extra variables (or survey) name the declarations file: the playbook has no default.
    (private / "env" / "extravars").write_text(yaml.safe_dump({"astro_onboarding_exclusive": False,
                                                               "astro_onboarding_vars_file": "vars/onboarding.yml"}))

    emulator.control.clear_log()
    run = ansible_runner.run(private_data_dir=str(private), playbook="onboard_workspaces.yml", forks=3, quiet=True, timeout=300)
    stdout = run.stdout.read()
    assert run.status == "successful" and run.rc == 0, stdout
    assert sorted(run.stats["changed"]) == ["analytics", "data-platform", "ml-research"], run.stats
    # what playbooks/vars/onboarding.yml declares, on each Workspace
    ci_deployer = emulator.control.token(seed.token("ci-deployer"))["roles"]
    expected = {("WORKSPACE", seed.workspace("data-platform"), "WORKSPACE_OPERATOR"),
                ("DEPLOYMENT", seed.deployment("etl-staging"), "DEPLOYMENT_ADMIN"),
                ("WORKSPACE", seed.workspace("analytics"), "WORKSPACE_MEMBER"),
                ("DEPLOYMENT", seed.deployment("reporting-prod"), "DAG_RUNNER"),
                ("WORKSPACE", seed.workspace("ml-research"), "WORKSPACE_AUTHOR"),
                ("DEPLOYMENT", seed.deployment("training"), "DEPLOYMENT_ADMIN")}
    assert expected <= {(r["entityType"], r["entityId"], r["role"]) for r in ci_deployer}
    viewer = emulator.control.token(seed.token("analytics-operator"))["roles"]
    assert {(r["entityId"], r["role"]) for r in viewer if r["entityType"] == "DEPLOYMENT"} == {
        (seed.deployment("reporting-prod"), "ANALYTICS_VIEWER"), (seed.deployment("reporting-dev"), "ANALYTICS_VIEWER")}
    assert emulator.caller_secret not in stdout


def test_credential_type_and_its_playbook_agree(installed_collection):
    """The shipped definition and the playbook that creates it (kept in the repository, not shipped) say the same."""
    definition = yaml.safe_load((collection_root(installed_collection) / "extensions" / "awx" / "credential_type.yml").read_text())
    assert definition["kind"] == "cloud"
    fields = {f["id"]: f for f in definition["inputs"]["fields"]}
    assert fields["api_token"]["secret"] is True and not fields["organization_id"].get("secret")
    # The token's ID is optional (a secret that is a JWT names its token) and reaches the hygiene as ASTRO_API_TOKEN_ID.
    assert "api_token_id" not in definition["inputs"]["required"] and not fields["api_token_id"].get("secret")
    assert definition["injectors"]["env"]["ASTRO_API_TOKEN_ID"] == "{{ api_token_id }}"
    assert not any(name.startswith("ANSIBLE_") for name in definition["injectors"]["env"])
    # The playbook's !unsafe tags load as plain strings with yaml.BaseLoader-like handling
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_constructor("!unsafe", lambda load, node: load.construct_scalar(node))
    playbook = REPO_ROOT / "extensions" / "awx" / "create_credential_type.yml"
    task = yaml.load(playbook.read_text(), Loader=loader)[0]["tasks"][0]["awx.awx.credential_type"]
    assert task["inputs"] == definition["inputs"] and task["injectors"] == definition["injectors"]
    assert task["kind"] == definition["kind"] and task["name"] == definition["name"]
    assert playbook.read_text().count("!unsafe \"{{") == 4


def builder_create(ee_dir, definition, *extra):
    created = subprocess.run([str(VENV_BIN / "ansible-builder"), "create", "-f", definition, "--context", "context", *extra],
                             cwd=ee_dir, capture_output=True, text=True, timeout=120, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    return ee_dir / "context"


def test_ansible_builder_creates_a_build_context_pinned_to_what_ci_tests_and_finds_the_requirements(
        installed_collection, built_collection, tmp_path):
    awx = collection_root(installed_collection) / "extensions" / "awx"
    ee_dir = tmp_path / "ee"
    ee_dir.mkdir()
    for name in ("execution-environment.yml", "requirements.yml", "execution-environment-local.yml"):
        shutil.copy(awx / name, ee_dir)
    # Without --output-filename, ansible-builder 3 names the file after its default container runtime:
    # Containerfile when podman is installed, Dockerfile otherwise (docs/awx.md says so).
    context = builder_create(ee_dir, "execution-environment.yml")
    default_name = "Containerfile" if shutil.which("podman") else "Dockerfile"
    assert sorted(p.name for p in context.iterdir()) == sorted([default_name, "_build"])
    containerfile = (context / default_name).read_text()
    assert "ansible-galaxy collection install" in containerfile
    # Pinned to what CI runs: an exact ansible-core of harness.cores on its Python, the dev venv's ansible-runner,
    # and a base image of a fixed release.
    args = dict(re.findall(r'^ARG (\w+)="(.*)"$', containerfile, re.MULTILINE))
    core, python = SUPPORTED_CORES["2.19"]
    assert args["ANSIBLE_INSTALL_REFS"] == "ansible-core=={0} ansible-runner=={1}".format(core, dev_requirement("ansible-runner"))
    assert args["PYCMD"] == "/usr/bin/python" + python
    assert re.fullmatch(r"[\w./-]+:\d+(\.\d+)+", args["EE_BASE_IMAGE"]), args["EE_BASE_IMAGE"]
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements == {"collections": [{"name": "astro.platform", "version": "1.0.0"}]}

    # The local variant: same pins, the collection from the tarball built from this tree.
    shutil.copy(built_collection, ee_dir / "astro-platform.tar.gz")
    shutil.rmtree(context)
    context = builder_create(ee_dir, "execution-environment-local.yml", "--output-filename", "Containerfile")
    local_containerfile = (context / "Containerfile").read_text()
    assert dict(re.findall(r'^ARG (\w+)="(.*)"$', local_containerfile, re.MULTILINE)) == args
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements == {"collections": [{"name": "/build/collections/astro-platform.tar.gz", "type": "file"}]}
    tarball = context / "_build" / "collections" / "astro-platform.tar.gz"
    assert tarball.read_bytes() == built_collection.read_bytes()
    assert "COPY _build /build\nWORKDIR /build" in local_containerfile
    # ansible-galaxy installs the renamed tarball (it reads name and version from the tarball's MANIFEST.json).
    installed = subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--offline", str(tarball), "-p",
                                str(tmp_path / "local")], capture_output=True, text=True, timeout=120, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "local" / "ansible_collections" / "astro" / "platform" / "MANIFEST.json").is_file()

    introspected = subprocess.run([str(VENV_BIN / "ansible-builder"), "introspect", "--sanitize", str(installed_collection)],
                                  capture_output=True, text=True, timeout=120, check=False)
    assert introspected.returncode == 0, introspected.stdout + introspected.stderr
    needs = yaml.safe_load(introspected.stdout)
    assert any(line.startswith("requests") and "astro.platform" in line for line in needs["python"]), needs
    assert any(line.startswith("ca-certificates") for line in needs["system"]), needs


def dev_requirement(name):
    """The version requirements-dev.txt pins a package to (what CI installs)."""
    for line in (REPO_ROOT / "requirements-dev.txt").read_text().splitlines():
        if line.startswith(name + "=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError("requirements-dev.txt does not pin {0}".format(name))


def list_inventory(ansible, source, tmp_path, env=None):
    """ansible-inventory --list on one source, failing on an unparsed source as AWX's inventory updates do."""
    return subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(source), "--list"], cwd=tmp_path,
                          env=dict(ansible.env(), ANSIBLE_INVENTORY_UNPARSED_FAILED="true", **(env or {})),
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_inventory_refuses_unknown_options_and_filters_that_match_nothing(ansible, emulator, tmp_path):
    """A misspelled option key, filter key or Workspace name used to be dropped silently (every Workspace, or fewer)."""
    cases = [
        ({"include_deployment": True}, "unknown option 'include_deployment' (did you mean 'include_deployments'"),
        ({"filters": {"workspace_name": ["analytics"]}},
         "unknown filter 'workspace_name' (did you mean 'workspace_names'?); valid filters: workspace_names, workspace_ids."),
        ({"filters": {"workspace_names": ["analytics", "data-platfrom"]}},
         "filters.workspace_names: no Workspace is named 'data-platfrom'; did you mean 'data-platform'?"),
        ({"filters": {"workspace_ids": ["cnosuchworkspace000000000"]}},
         "filters.workspace_ids: no Workspace has the ID 'cnosuchworkspace000000000'"),
        ({"filters": {"workspace_names": "analytics"}}, "filters.workspace_names must be a list of Workspace names"),
    ]
    for number, (options, expected) in enumerate(cases):
        source = tmp_path / "case{0}.astro.yml".format(number)
        source.write_text(yaml.safe_dump(dict(plugin="astro.platform.astro", **options)))
        listed = list_inventory(ansible, source, tmp_path)
        assert listed.returncode != 0, (options, listed.stdout)
        assert expected in " ".join(listed.stderr.split()), (options, listed.stderr)
        assert emulator.caller_secret not in listed.stdout + listed.stderr
    # The same filters, spelled right, list exactly their Workspaces.
    source = tmp_path / "right.astro.yml"
    source.write_text(yaml.safe_dump({"plugin": "astro.platform.astro", "filters": {"workspace_names": ["analytics", "data-platform"]}}))
    listed = list_inventory(ansible, source, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert sorted(json.loads(listed.stdout)["astro_workspaces"]["hosts"]) == ["analytics", "data-platform"]


def test_a_failed_inventory_source_fails_the_onboarding_job(ansible, emulator, installed_collection, tmp_path):
    """A bad token makes the astro inventory source fail: the job fails too (rc != 0), under ansible-runner as AWX runs
    it and under ansible-playbook -i, rather than a green job that did nothing ("no hosts matched")."""
    root = collection_root(installed_collection)
    private = tmp_path / "runner"
    shutil.copytree(root / "playbooks", private / "project")
    (private / "inventory").mkdir()
    shutil.copy(root / "playbooks" / "inventory" / "astro.yml", private / "inventory" / "astro.yml")
    bad_token = "not-the-token-" + "x" * 40
    envvars = dict(ASTRO_API_TOKEN=bad_token, ASTRO_ORGANIZATION_ID=emulator.organization_id, ASTRO_API_URL=emulator.api_url,
                   ANSIBLE_COLLECTIONS_PATH=str(installed_collection), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ASTRO_LOCK_DIR=str(tmp_path / "locks"),
                   PATH="{0}:/usr/bin:/bin".format(VENV_BIN))
    (private / "env").mkdir()
    (private / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    (private / "env" / "extravars").write_text(yaml.safe_dump({"astro_onboarding_vars_file": "vars/onboarding.yml"}))
    emulator.control.clear_log()
    run = ansible_runner.run(private_data_dir=str(private), playbook="onboard_workspaces.yml", quiet=True, timeout=300)
    stdout = run.stdout.read()
    assert run.status == "failed" and run.rc != 0, stdout
    assert "matches no host" in stdout, stdout
    assert bad_token not in stdout
    assert emulator.control.writes() == []

    # ansible-playbook -i the same source: rc != 0; with ANSIBLE_INVENTORY_UNPARSED_FAILED (docs/awx.md) it stops at the
    # inventory, saying why.
    for env, expected in (({}, "matches no host"), ({"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}, "401")):
        failed = ansible.run(playbook=root / "playbooks" / "onboard_workspaces.yml", inventory=private / "inventory" / "astro.yml",
                             verbosity=0, env=dict(env, ASTRO_API_TOKEN=bad_token),
                             extra_vars={"astro_onboarding_vars_file": str(root / "playbooks" / "vars" / "onboarding.yml")})
        assert failed.rc != 0 and expected in failed.output, failed.output[-3000:]
        assert bad_token not in failed.output
    assert emulator.control.writes() == []
