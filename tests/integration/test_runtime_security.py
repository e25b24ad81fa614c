# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Attacks on a run, reproduced with real ansible-playbook and ansible-inventory against the emulator, failing safely:
a token with a line break never shows; a lock directory or lock file another user controls is refused, a held
lock times out; removals remove only what was declared; empty options are unset."""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

VENV_BIN = Path(sys.executable).parent
LINE_BREAKS = ["\r\n", "\n"]


def token_info_task(**options):
    return {"name": "list", "ignore_errors": True, "astro.platform.token_info": options}


def edit_task(seed, **options):
    return {"name": "edit", "ignore_errors": True, "astro.platform.workspace_org_token": dict(
        token_id=seed.token("never-used-reader"), workspace_id=seed.workspace("analytics"), role="WORKSPACE_MEMBER", **options)}


def list_inventory(ansible, source, env, verbosity=0):
    """ansible-inventory --list, with Ansible's log; (completed process, log text)."""
    log = source.parent / "inventory-{0}.log".format(verbosity)
    command = [str(VENV_BIN / "ansible-inventory"), "-i", str(source), "--list"] + (["-" + "v" * verbosity] if verbosity else [])
    listed = subprocess.run(command, cwd=source.parent, env=ansible.env(dict(env, ANSIBLE_LOG_PATH=str(log))),
                            capture_output=True, text=True, timeout=120, check=False)
    return listed, log.read_text() if log.exists() else ""


# The API token with a trailing line break (a CRLF token file, a YAML '|' block, a pasted AWX input).

@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=["crlf", "lf"])
@pytest.mark.parametrize("verbosity", [0, 3])
def test_a_token_with_a_line_break_in_the_environment_never_shows(ansible, emulator, seed, api_env, line_break, verbosity):
    bad_token = api_env["ASTRO_API_TOKEN"] + line_break
    ansible.secrets.append(bad_token)
    emulator.control.clear_log()
    run = ansible.run([edit_task(seed)], env={"ASTRO_API_TOKEN": bad_token}, verbosity=verbosity)  # the leak check runs here
    failed = run.task("edit")
    assert failed["failed"] and "ends with a line break; strip it" in failed["msg"], failed
    assert emulator.control.requests() == [], "the token was sent"


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=["crlf", "lf"])
def test_a_token_with_a_line_break_as_a_module_option_never_shows(ansible, emulator, seed, api_env, line_break):
    bad_token = api_env["ASTRO_API_TOKEN"] + line_break
    ansible.secrets.append(bad_token)
    run = ansible.run([edit_task(seed, api_token=bad_token)], env={"ASTRO_API_TOKEN": ""})
    assert "ends with a line break; strip it" in run.task("edit")["msg"]


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=["crlf", "lf"])
@pytest.mark.parametrize("verbosity", [0, 3])
def test_a_token_with_a_line_break_never_shows_in_the_inventory_plugin(ansible, emulator, api_env, tmp_path, line_break, verbosity):
    source = tmp_path / "workspaces.astro.yml"
    source.write_text("plugin: astro.platform.astro\n")
    listed, log = list_inventory(ansible, source, {"ASTRO_API_TOKEN": api_env["ASTRO_API_TOKEN"] + line_break}, verbosity)
    everything = listed.stdout + listed.stderr + log
    assert "ends with a line break; strip it" in everything, everything
    secret = api_env["ASTRO_API_TOKEN"]
    assert secret not in everything and secret[:12] not in everything


# The lock directory and lock files: refused when another user could tamper with them.

def lock_file(api_env, token_id, lock_dir):
    """Where the modules lock a token: one file per (API URL, organization, token)."""
    key = "\n".join((api_env["ASTRO_API_URL"].rstrip("/"), api_env["ASTRO_ORGANIZATION_ID"], token_id)).encode("utf-8")
    return lock_dir / (hashlib.sha256(key).hexdigest()[:40] + ".lock")


def edit_with_lock_dir(ansible, emulator, seed, lock_dir, **env):
    emulator.control.clear_log()
    run = ansible.run([edit_task(seed)], env=dict(env, ASTRO_LOCK_DIR=str(lock_dir)), verbosity=0)
    assert [r for r in emulator.control.requests() if r["is_write"]] == [], "a refused lock still wrote"
    return run.task("edit")


def test_a_lock_directory_that_others_may_write_to_is_refused_naming_the_fix(ansible, emulator, seed, tmp_path):
    lock_dir = tmp_path / "shared-locks"
    lock_dir.mkdir()
    lock_dir.chmod(0o777)
    result = edit_with_lock_dir(ansible, emulator, seed, lock_dir)
    assert result["failed"] and "has mode 0777" in result["msg"] and "chmod 700 {0}".format(lock_dir) in result["msg"], result


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_lock_directory_of_another_user_is_refused(ansible, emulator, seed, tmp_path):
    lock_dir = tmp_path / "their-locks"
    lock_dir.mkdir(mode=0o700)
    os.chown(lock_dir, pwd.getpwnam("nobody").pw_uid, -1)
    result = edit_with_lock_dir(ansible, emulator, seed, lock_dir)
    assert result["failed"] and "not by this user" in result["msg"] and "set lock_dir (or ASTRO_LOCK_DIR)" in result["msg"], result


@pytest.mark.parametrize("planted", ["symlink", "fifo"])
def test_a_symlink_or_fifo_lock_file_is_refused(ansible, emulator, seed, api_env, tmp_path, planted):
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    path = lock_file(api_env, seed.token("never-used-reader"), lock_dir)
    if planted == "symlink":
        path.symlink_to(tmp_path / "created-through-the-link")
    else:
        os.mkfifo(path, 0o600)
    result = edit_with_lock_dir(ansible, emulator, seed, lock_dir)
    assert result["failed"] and str(path) in result["msg"], result
    assert not (tmp_path / "created-through-the-link").exists()


def test_a_held_lock_times_out_with_a_clear_error(ansible, emulator, seed, api_env, tmp_path):
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    path = lock_file(api_env, seed.token("never-used-reader"), lock_dir)
    with open(path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a stuck process would
        result = edit_with_lock_dir(ansible, emulator, seed, lock_dir, ASTRO_LOCK_TIMEOUT="0.5")
    assert result["failed"] and "Timed out after 0.5 s waiting for the lock file {0}".format(path) in result["msg"], result
    assert "lock_timeout (or ASTRO_LOCK_TIMEOUT)" in result["msg"]


# Removals remove only what was declared; exclusive compares token IDs.

def onboard(ansible, workspaces, **run_options):
    return ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                         "vars": {"workspace_onboarding_workspaces": workspaces}}], **run_options)


def roles_of(emulator, token_id):
    return [(r["entityType"], r["entityId"], r["role"]) for r in emulator.control.token(token_id)["roles"]]


def test_onboarding_absent_keeps_a_role_that_differs_from_the_declared_one(ansible, emulator, seed):
    """ci-deployer holds WORKSPACE_AUTHOR in data-platform, which the declaration does not give it."""
    ci, data_platform, etl_prod = seed.token("ci-deployer"), seed.workspace("data-platform"), seed.deployment("etl-prod")
    assert ("WORKSPACE", data_platform, "WORKSPACE_AUTHOR") in roles_of(emulator, ci)
    run = onboard(ansible, [{"workspace": "data-platform", "state": "absent",
                             "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"}],
                             "deployment_tokens": [{"token": "ci-deployer", "token_scope": "organization", "role": "DEPLOYMENT_ADMIN",
                                                    "deployments": ["etl-prod"]}]}])
    assert run.rc == 0, run.output
    after = roles_of(emulator, ci)
    assert ("WORKSPACE", data_platform, "WORKSPACE_AUTHOR") in after
    assert ("DEPLOYMENT", etl_prod, "DEPLOYMENT_ADMIN") not in after  # the declared one is removed
    assert "holds WORKSPACE_AUTHOR on WORKSPACE data-platform ({0}), not the declared WORKSPACE_OPERATOR".format(data_platform) in run.output
    # The role's --diff lines (and the fact it records) name the one role removed, and not the one kept.
    assert "ci-deployer: -DEPLOYMENT etl-prod ({0}) in data-platform: DEPLOYMENT_ADMIN".format(etl_prod) in run.stdout
    assert "-WORKSPACE data-platform ({0})".format(data_platform) not in run.stdout
    assert "roles of token ci-deployer" not in run.stdout, "the edit's own diff, by ID only, is not shown beside the named lines"


def test_exclusive_removes_a_same_named_undeclared_token(ansible, emulator, seed, demo_seed):
    """A Workspace token also named ci-deployer holds a role on etl-prod; only the Organization token ci-deployer is declared."""
    data_platform, etl_prod = seed.workspace("data-platform"), seed.deployment("etl-prod")
    twin_seed = copy.deepcopy(demo_seed)
    twin = dict(copy.deepcopy(next(t for t in demo_seed["tokens"] if t["name"] == "data-platform-ci")),
                id="ctwintoken000000000000000", name="ci-deployer")
    twin["roles"] = [{"entityType": "WORKSPACE", "entityId": data_platform, "role": "WORKSPACE_MEMBER"},
                     {"entityType": "DEPLOYMENT", "entityId": etl_prod, "role": "DEPLOYMENT_ADMIN"}]
    twin.pop("secret", None)
    twin_seed["tokens"].append(twin)
    emulator.control.reset(seed=twin_seed)
    run = onboard(ansible, [{"workspace": "data-platform", "exclusive": True,
                             "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_AUTHOR"}],
                             "deployment_tokens": [{"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl-prod"]}]}])
    assert run.rc == 0, run.output
    assert ("DEPLOYMENT", etl_prod, "DEPLOYMENT_ADMIN") not in roles_of(emulator, twin["id"])
    assert ("WORKSPACE", data_platform, "WORKSPACE_MEMBER") in roles_of(emulator, twin["id"])  # its own role stays
    declared = roles_of(emulator, seed.token("ci-deployer"))
    assert ("DEPLOYMENT", etl_prod, "DEPLOYMENT_ADMIN") in declared and ("WORKSPACE", data_platform, "WORKSPACE_AUTHOR") in declared


# Empty is unset: AWX injects '' for a credential field left empty.

def test_an_empty_api_url_in_the_environment_means_the_default_url_for_a_module(ansible, emulator, seed):
    run = ansible.run([token_info_task(max_retries=0, timeout=3)], env={"ASTRO_API_URL": ""}, verbosity=0)
    failed = run.task("list")
    # A request to the default URL was made (and failed: no network here), not a complaint about the empty value.
    assert failed["failed"] and "failed after 1 attempt(s)" in failed["msg"] and "host='api.astronomer.io'" in failed["msg"], failed


def test_an_empty_api_url_in_the_environment_means_the_default_url_for_the_inventory_plugin(ansible, emulator, tmp_path):
    source = tmp_path / "workspaces.astro.yml"
    source.write_text(yaml.safe_dump({"plugin": "astro.platform.astro", "max_retries": 0, "timeout": 3}))
    listed, log = list_inventory(ansible, source, {"ASTRO_API_URL": ""})
    assert "failed after 1 attempt(s)" in listed.stderr and "host='api.astronomer.io'" in listed.stderr, listed.stderr
    assert json.loads(listed.stdout)["_meta"]["hostvars"] == {}


def test_the_local_emulator_over_http_raises_no_clear_text_warning(ansible, emulator):
    run = ansible.run([token_info_task()], verbosity=0)
    assert not run.task("list")["failed"] and "travels in clear" not in run.output
