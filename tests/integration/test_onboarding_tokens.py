# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""workspace_onboarding creates the declared Workspace and Deployment tokens before its role edits, through
playbooks/onboard_workspaces.yml against the emulator. Secrets go to secret_file only; the `ansible` fixture fails
any run whose -vvv --diff output, results or log holds a secret the emulator issued.
"""

from __future__ import annotations

import os

import pytest

from test_api_token import accepted, secret_in_file
from test_onboarding import role_task

from test_onboarding import EDIT_TASK


def onboard(ansible, installed_collection, workspaces, check=False, core=None):
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "onboard_workspaces.yml"
    return ansible.run(playbook=playbook, check=check, diff=True, core=core,
                       extra_vars={"astro_workspaces": workspaces, "astro_onboarding_hosts": "localhost"})


def declaration(secrets):
    """analytics: a Workspace token and a Deployment token; a later entry gives the new Workspace token Deployment roles."""
    return [{
        "workspace": "analytics",
        "workspace_tokens": [{"name": "analytics-ci", "role": "WORKSPACE_OPERATOR", "description": "CI of analytics",
                              "expiry_days": 90, "secret_file": str(secrets / "analytics-ci.token")}],
        "deployment_own_tokens": [{"deployment": "reporting-prod", "name": "reporting-deployer", "role": "DEPLOYMENT_ADMIN",
                                   "secret_file": str(secrets / "reporting-deployer.token"), "rotate_after_days": 30}],
        "deployment_tokens": [{"token": "analytics-ci", "token_scope": "workspace", "role": "ANALYTICS_VIEWER", "deployments": "all"}],
    }]


def stored(emulator, name):
    found = [t for t in emulator.control.state()["tokens"] if t["name"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


@pytest.mark.parametrize("core", [None, "2.16"])
def test_check_mode_then_create_then_rerun_changes_nothing(ansible, emulator, seed, installed_collection, tmp_path, core):
    control = emulator.control
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    workspaces = declaration(secrets)

    # Check mode on a fresh emulator: predicts both creations, sets the new token's roles aside, writes nothing.
    control.clear_log()
    checked = onboard(ansible, installed_collection, workspaces, check=True, core=core)
    assert checked.rc == 0, checked.output
    assert control.writes() == [], "check mode wrote"
    assert stored(emulator, "analytics-ci") is None and os.listdir(secrets) == []
    onboarded = role_task(checked, EDIT_TASK)
    assert [(r["arguments"]["name"], r["actions"]) for r in onboarded["token_results"]] == [
        ("analytics-ci", ["create"]), ("reporting-deployer", ["create"])]
    assert "analytics-ci" not in [item["token"]["name"] for item in onboarded["results"]]
    assert [(edit["token_name"], len(edit["deployment_roles"])) for edit in onboarded["new_token_roles"]] == [("analytics-ci", 2)]

    # For real: two creations, then the role edit of the new Workspace token that a later entry names.
    control.clear_log()
    real = onboard(ansible, installed_collection, workspaces, core=core)
    assert real.rc == 0, real.output
    writes = [entry["operationId"] for entry in control.writes()]
    assert writes == ["CreateApiToken", "CreateApiToken", "UpdateApiTokenRoles"], writes
    ci, deployer = stored(emulator, "analytics-ci"), stored(emulator, "reporting-deployer")
    analytics, reporting_prod = seed.workspace("analytics"), seed.deployment("reporting-prod")
    assert (ci["scope"], ci["description"], ci["expiryPeriodInDays"]) == ("WORKSPACE", "CI of analytics", 90)
    assert {"entityType": "WORKSPACE", "entityId": analytics, "role": "WORKSPACE_OPERATOR"} in ci["roles"]
    for deployment in ("reporting-prod", "reporting-dev"):
        assert {"entityType": "DEPLOYMENT", "entityId": seed.deployment(deployment), "role": "ANALYTICS_VIEWER"} in ci["roles"]
    assert deployer["scope"] == "DEPLOYMENT"
    assert deployer["roles"] == [{"entityType": "DEPLOYMENT", "entityId": reporting_prod, "role": "DEPLOYMENT_ADMIN"}]
    for token, name in ((ci, "analytics-ci"), (deployer, "reporting-deployer")):
        assert secret_in_file(secrets / (name + ".token")) == token["secret"]
        assert accepted(emulator, token["secret"])
    assert sorted(os.listdir(secrets)) == ["analytics-ci.token", "reporting-deployer.token"], "a temporary file is left"
    written = role_task(real, EDIT_TASK)["token_results"]
    assert [(c["arguments"]["name"], c["arguments"]["scope"], c["actions"]) for c in written] == [
        ("analytics-ci", "workspace", ["create"]), ("reporting-deployer", "deployment", ["create"])]
    # Not "changed" on the host the role runs on: the report task marks the tokens' Workspace (here localhost, all).
    assert not any(r["result"].get("changed") for r in real.results if r["task"].endswith(EDIT_TASK))
    report = [r["result"] for r in real.results if r["task"] == "Report the roles changed in this host's Workspace"]
    assert report and report[0]["changed"], report
    assert [line for line in report[0]["changes"] if line.startswith("token ")] == [
        "token analytics-ci (workspace): create; new secret in {0}".format(secrets / "analytics-ci.token"),
        "token reporting-deployer (deployment): create; new secret in {0}".format(secrets / "reporting-deployer.token")], report
    # Every secret the emulator issued was searched for in this run's -vvv --diff output by the fixture.
    assert set(control.issued_secrets()) == {ci["secret"], deployer["secret"]}

    # Re-run: nothing changes, nothing is written, and api_token does not even run for the two tokens.
    control.clear_log()
    again = onboard(ansible, installed_collection, workspaces, core=core)
    assert again.rc == 0, again.output
    assert again.changed_tasks == [], again.changed_tasks
    assert control.writes() == []
    assert role_task(again, EDIT_TASK)["token_results"] == [], "api_token ran with nothing to do"
    # One token listing for the declared tokens and the plan; the edits then give each token by ID.
    assert control.counts()["ListApiTokens"] == 1, control.counts()
    assert not {"GetDeployment", "GetWorkspace"} & set(control.counts()), control.counts()
    assert [t["secret"] for t in (stored(emulator, "analytics-ci"), stored(emulator, "reporting-deployer"))] == [ci["secret"], deployer["secret"]]


def test_a_new_token_without_secret_file_fails_before_any_write(ansible, emulator, seed, installed_collection, tmp_path):
    workspaces = declaration(tmp_path)
    del workspaces[0]["deployment_own_tokens"][0]["secret_file"]
    del workspaces[0]["deployment_own_tokens"][0]["rotate_after_days"]
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, workspaces)
    assert run.rc != 0
    assert ("workspace_onboarding_workspaces[0] (Workspace 'analytics') deployment_own_tokens[0] (token 'reporting-deployer'): "
            "the token does not exist yet") in run.output
    assert "set secret_file" in run.output
    assert emulator.control.writes() == []
    assert stored(emulator, "analytics-ci") is None and not (tmp_path / "analytics-ci.token").exists()


def test_a_malformed_token_entry_fails_before_any_request(ansible, emulator, seed, installed_collection, tmp_path):
    workspaces = declaration(tmp_path)
    workspaces[0]["workspace_tokens"][0]["role"] = "DEPLOYMENT_ADMIN"
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, workspaces)
    assert run.rc != 0
    assert ("workspace_onboarding_workspaces[0] (Workspace 'analytics') workspace_tokens[0] (token 'analytics-ci'): "
            "role 'DEPLOYMENT_ADMIN' is not valid; valid: WORKSPACE_OWNER") in run.output
    assert emulator.control.requests() == []


def test_state_absent_keeps_the_declared_tokens(ansible, emulator, seed, installed_collection, tmp_path):
    """Offboarding a Workspace removes the roles it declares but deletes no token: a deleted secret cannot come back."""
    workspaces = declaration(tmp_path)
    assert onboard(ansible, installed_collection, workspaces).rc == 0
    ci = stored(emulator, "analytics-ci")
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, [dict(workspaces[0], state="absent")])
    assert run.rc == 0, run.output
    assert [e["operationId"] for e in emulator.control.writes()] == ["UpdateApiTokenRoles"]
    kept = stored(emulator, "analytics-ci")
    assert kept["id"] == ci["id"] and kept["secret"] == ci["secret"] and stored(emulator, "reporting-deployer") is not None
    assert [r["entityType"] for r in kept["roles"]] == ["WORKSPACE"]


def test_a_declared_token_whose_create_answer_was_lost_gets_its_secret_on_the_next_run(ansible, emulator, seed, installed_collection,
                                                                                       tmp_path):
    """A run that sent the create and lost its answer (here: api_token with lost_secret: fail; in the field, a job killed
    after it sent the create) leaves a token whose secret nobody has: the next onboarding run hands one over."""
    secret_file = tmp_path / "analytics-ci.token"
    token = dict(name="analytics-ci", role="WORKSPACE_OPERATOR", secret_file=str(secret_file))
    emulator.control.set_faults(drop_next={"count": 1, "operations": ["CreateApiToken"], "apply": True})
    failed = ansible.run([{"name": "create", "astro.platform.api_token": dict(
        token, scope="workspace", workspace_id=seed.workspace("analytics"), lost_secret="fail")}],
        env={"ASTRO_SETTLE_SECONDS": "0.5"})
    assert failed.rc != 0 and "nobody has its secret" in failed.task("create")["msg"]
    assert not secret_file.exists() and stored(emulator, "analytics-ci") is not None

    workspaces = [{"workspace": "analytics", "workspace_tokens": [token]}]
    rerun = onboard(ansible, installed_collection, workspaces)
    assert rerun.rc == 0, rerun.output[-3000:]
    made = stored(emulator, "analytics-ci")
    assert secret_in_file(secret_file) == made["secret"] and accepted(emulator, made["secret"])
    [written] = role_task(rerun, EDIT_TASK)["token_results"]
    assert written["secret_recovered"] is True and any("nobody had its secret" in w for w in written["warnings"]), written

    again = onboard(ansible, installed_collection, workspaces)
    assert again.rc == 0 and role_task(again, EDIT_TASK)["token_results"] == [], "the secret was handed over: nothing to do"


@pytest.mark.parametrize("bad_place", ["missing-directory/second.token", "a-directory"])
def test_a_real_run_checks_every_new_secret_file_before_the_first_create(ansible, emulator, seed, installed_collection, tmp_path,
                                                                         bad_place):
    """Two new tokens, the second's secret_file unusable: the real run fails before the first create (as check mode
    does), naming the entry and the token; it used to create the first, show it "ok", and then fail."""
    (tmp_path / "a-directory").mkdir()
    workspaces = [{"workspace": "analytics", "workspace_tokens": [
        {"name": "first-ci", "role": "WORKSPACE_OPERATOR", "secret_file": str(tmp_path / "first.token")},
        {"name": "second-ci", "role": "WORKSPACE_OPERATOR", "secret_file": str(tmp_path / bad_place)}]}]
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, workspaces)
    assert run.rc != 0
    assert [e for e in emulator.control.writes() if e["operationId"] == "CreateApiToken"] == [], "a token was created first"
    assert stored(emulator, "first-ci") is None and not (tmp_path / "first.token").exists()
    [message] = [r["result"]["msg"] for r in run.results if r["status"] == "failed"]
    assert message.startswith("workspace_onboarding_workspaces[0] (Workspace 'analytics') workspace_tokens[1] (token 'second-ci'): "
                              "secret_file "), message
    assert "Nothing was" in message and "\n" not in message, message
