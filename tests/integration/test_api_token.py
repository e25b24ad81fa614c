# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""api_token: every create / update / rotate / delete row of the Astro CLI's three token kinds, as real playbooks
against the emulator. Each change runs in check mode (no write), for real with --diff, and again (no write), in one
ansible-playbook process (playbook_runner.converge).

The `ansible` fixture searches every run's -vvv --diff output, results and log for every secret the emulator has
issued since the test began, so a secret that leaks anywhere fails the test.
"""

from __future__ import annotations

import os
import stat

import pytest
import requests
from playbook_runner import converge

MODULE = "astro.platform.api_token"


def task(title, /, **args):
    """A task of the module; `title` is the task's name (the module has its own `name` option)."""
    return {"name": title, MODULE: args}


def state_token(emulator, token_id):
    """The stored token with its secret (the control API's backdoor)."""
    return next((t for t in emulator.control.state()["tokens"] if t["id"] == token_id), None)


def tokens_named(emulator, name):
    return [t for t in emulator.control.state()["tokens"] if t["name"] == name]


def accepted(emulator, secret):
    """Whether the emulator accepts the secret as a bearer (GET /roles is open to every valid token)."""
    answer = requests.get("{0}/organizations/{1}/roles".format(emulator.api_url, emulator.organization_id),
                          headers={"Authorization": "Bearer " + secret}, timeout=10)
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def write_operations(emulator):
    return [entry["operationId"] for entry in emulator.control.writes()]


def converge_token(ansible, emulator, step, writes, requests_when_unchanged=None, again=True):
    """playbook_runner.converge of an api_token task: exactly `writes` (operationIds) for real, check mode predicting
    the same actions; returns (the real step, its result)."""
    done = converge(ansible, emulator, step, changed=bool(writes), writes=writes, requests_when_unchanged=requests_when_unchanged,
                    again=again)
    assert done.real.result["actions"] == done.checked.result["actions"], "check mode predicted other actions"
    return done.real, done.real.result


def secret_in_file(path):
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == 0o600, oct(mode)
    return open(path).read()


def leftovers(directory):
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


# --- the CLI rows ---------------------------------------------------------------------------------------------

def test_organization_token_create_update_rotate_delete(ansible, emulator, tmp_path):
    """astro organization token create / update / rotate / delete"""
    secret_file = tmp_path / "secrets" / "ci.token"
    secret_file.parent.mkdir()
    args = dict(name="ci-new", role="ORGANIZATION_MEMBER", description="CI", expiry_days=30)

    # create: one write; then an unchanged run costs one list page
    real, result = converge_token(ansible, emulator, task("create", secret_file=str(secret_file), **args), ["CreateApiToken"],
                            requests_when_unchanged=1)
    token_id = result["token"]["id"]
    stored = state_token(emulator, token_id)
    assert result["actions"] == ["create"] and result["secret_file"] == str(secret_file) and "secret" not in result
    assert secret_in_file(secret_file) == stored["secret"] and accepted(emulator, stored["secret"])
    assert (stored["scope"], stored["description"], stored["expiryPeriodInDays"]) == ("ORGANIZATION", "CI", 30)
    assert result["token"]["role"] == "ORGANIZATION_MEMBER" and result["token"]["expiry_days"] == 30
    assert "+name: ci-new" in real.output and "+expiry: expires 30 days after creation" in real.output
    assert leftovers(secret_file.parent) == []

    # update description and own role: one update write plus the verified roles write
    update = task("update", **dict(args, description="CI, read-only", role="ORGANIZATION_BILLING_ADMIN"))
    real, result = converge_token(ansible, emulator, update, ["UpdateApiToken", "UpdateApiTokenRoles"], requests_when_unchanged=1)
    stored = state_token(emulator, token_id)
    assert stored["description"] == "CI, read-only" and stored["roles"][0]["role"] == "ORGANIZATION_BILLING_ADMIN"
    assert result["actions"] == ["update", "role"]
    assert "-role: ORGANIZATION_MEMBER" in real.output and "+role: ORGANIZATION_BILLING_ADMIN" in real.output
    assert secret_in_file(secret_file) == stored["secret"], "an update must not touch the secret"

    # rotate: one write; the old secret answers 401, the file holds the new one
    old_secret = stored["secret"]
    rotate = task("rotate", rotate=True, secret_file=str(secret_file), **dict(args, description="CI, read-only", role=None))
    real, result = converge_token(ansible, emulator, rotate, ["RotateApiToken"], again=False)
    stored = state_token(emulator, token_id)
    assert result["actions"] == ["rotate"] and stored["secret"] != old_secret
    assert secret_in_file(secret_file) == stored["secret"]
    assert accepted(emulator, stored["secret"]) and not accepted(emulator, old_secret)
    assert "+secret: new (rotated by this task)" in real.output and result["token"]["last_rotated_at"]

    # delete: one write; deleting again changes nothing and costs one list page
    real, result = converge_token(ansible, emulator, task("delete", name="ci-new", state="absent"), ["DeleteApiToken"],
                            requests_when_unchanged=1)
    assert state_token(emulator, token_id) is None and not accepted(emulator, stored["secret"])
    assert "-name: ci-new" in real.output


def test_workspace_token_create_update_rotate_delete(ansible, emulator, seed, tmp_path):
    """astro workspace token create / update / rotate / delete --workspace-id W; create returns the secret under no_log"""
    analytics = seed.workspace("analytics")
    args = dict(name="analytics-bot", scope="workspace", workspace_name="analytics")
    create = dict(task("create", role="WORKSPACE_OPERATOR", **args), no_log=True, register="created")
    use = {"name": "use the secret", "no_log": True, "ansible.builtin.uri": {
        "url": "{0}/organizations/{1}/workspaces/{2}".format(emulator.api_url, emulator.organization_id, analytics),
        "headers": {"Authorization": "Bearer {{ created.secret }}"}}}
    emulator.control.clear_log()
    run = ansible.run([create, use])
    assert run.rc == 0, run.output
    assert run.task("create")["censored"] and run.task("use the secret")["censored"]
    assert write_operations(emulator) == ["CreateApiToken"]
    [made] = tokens_named(emulator, "analytics-bot")
    assert made["scope"] == "WORKSPACE" and made["roles"] == [{"entityType": "WORKSPACE", "entityId": analytics, "role": "WORKSPACE_OPERATOR"}]
    used = [e for e in emulator.control.requests() if e["operationId"] == "GetWorkspace"]
    assert [e["caller_token_id"] for e in used] == [made["id"]], "the returned secret did not work"

    # unchanged by name: Workspace by name, tokens of the Workspace
    converge_token(ansible, emulator, task("same", role="WORKSPACE_OPERATOR", **args), [], requests_when_unchanged=2)
    real, result = converge_token(ansible, emulator, task("update", role="WORKSPACE_AUTHOR", description="bot", **args),
                            ["UpdateApiToken", "UpdateApiTokenRoles"], requests_when_unchanged=2)
    assert state_token(emulator, made["id"])["roles"][0]["role"] == "WORKSPACE_AUTHOR"

    secret_file = tmp_path / "analytics.token"
    secret_file.write_text("stale")
    os.chmod(secret_file, 0o644)
    rotate = task("rotate", rotate=True, secret_file=str(secret_file), name="analytics-bot", scope="workspace", workspace_id=analytics)
    converge_token(ansible, emulator, rotate, ["RotateApiToken"], again=False)
    stored = state_token(emulator, made["id"])
    assert secret_in_file(secret_file) == stored["secret"], "the old file is replaced, with mode 0600"
    assert stored["secret"] != made["secret"] and not accepted(emulator, made["secret"])

    converge_token(ansible, emulator, task("delete", state="absent", name="analytics-bot", scope="workspace", workspace_id=analytics),
             ["DeleteApiToken"], requests_when_unchanged=1)
    assert tokens_named(emulator, "analytics-bot") == []


def test_deployment_token_create_update_rotate_delete(ansible, emulator, seed, tmp_path):
    """astro deployment token create / update / rotate / delete --deployment-id D"""
    etl_prod = seed.deployment("etl-prod")
    secret_file = tmp_path / "etl.token"
    args = dict(name="etl-bot", scope="deployment", deployment_id=etl_prod)
    # a custom role: the Deployment and the custom roles are looked up before the create
    real, result = converge_token(ansible, emulator, task("create", role="DAG_RUNNER", secret_file=str(secret_file), **args),
                            ["CreateApiToken"], requests_when_unchanged=1)
    token_id = result["token"]["id"]
    assert secret_in_file(secret_file) == state_token(emulator, token_id)["secret"]
    assert state_token(emulator, token_id)["roles"] == [{"entityType": "DEPLOYMENT", "entityId": etl_prod, "role": "DAG_RUNNER"}]

    converge_token(ansible, emulator, task("update", role="DEPLOYMENT_ADMIN", **args), ["UpdateApiTokenRoles"], requests_when_unchanged=1)
    old = state_token(emulator, token_id)["secret"]
    rotate = task("rotate", rotate=True, secret_file=str(secret_file), name="etl-bot", scope="deployment", deployment_name="etl-prod")
    converge_token(ansible, emulator, rotate, ["RotateApiToken"], again=False)
    assert secret_in_file(secret_file) == state_token(emulator, token_id)["secret"] != old and not accepted(emulator, old)

    # delete by ID: unchanged afterwards costs the one read that answers 404
    converge_token(ansible, emulator, task("delete", state="absent", token_id=token_id, name="etl-bot", scope="deployment"),
             ["DeleteApiToken"], requests_when_unchanged=1)
    assert state_token(emulator, token_id) is None


def test_rename_by_token_id(ansible, emulator, seed):
    """astro organization token update ID --new-name N"""
    token_id = seed.token("never-used-reader")
    real, result = converge_token(ansible, emulator, task("rename", token_id=token_id, name="audit-reader"), ["UpdateApiToken"],
                            requests_when_unchanged=1)
    stored = state_token(emulator, token_id)
    assert stored["name"] == "audit-reader" and stored["description"] == "Created for an audit, never used, never expires"
    assert "-name: never-used-reader" in real.output and "+name: audit-reader" in real.output


# --- rotate_after_days ----------------------------------------------------------------------------------------

def test_rotate_after_days_rotates_only_an_old_secret(ansible, emulator, tmp_path):
    secret_file = tmp_path / "old.token"
    emulator.control.set_clock(offset_seconds=-100 * 86400)  # the token is made 100 days ago
    created = ansible.run([task("create", name="old-bot", role="ORGANIZATION_MEMBER", secret_file=str(secret_file))])
    assert created.rc == 0, created.output
    emulator.control.reset_clock()
    first = secret_in_file(secret_file)

    emulator.control.clear_log()
    young = ansible.run([task("not yet", name="old-bot", rotate_after_days=120, secret_file=str(secret_file))])
    assert young.rc == 0 and young.task("not yet")["changed"] is False, young.output
    assert write_operations(emulator) == [] and len(emulator.control.requests()) == 1
    assert secret_in_file(secret_file) == first

    real, result = converge_token(ansible, emulator, task("due", name="old-bot", rotate_after_days=90, secret_file=str(secret_file)),
                            ["RotateApiToken"], requests_when_unchanged=1)  # the re-run: rotated just now, not due
    [stored] = tokens_named(emulator, "old-bot")
    assert secret_in_file(secret_file) == stored["secret"] != first and not accepted(emulator, first)


# --- the secret's two ways out, and no other ---------------------------------------------------------------------

def test_without_secret_file_or_no_log_nothing_is_created_or_rotated(ansible, emulator, seed):
    emulator.control.clear_log()
    run = ansible.run([dict(task("create", name="orphan", role="ORGANIZATION_MEMBER"), ignore_errors=True),
                       dict(task("rotate", name="ci-deployer", rotate=True), ignore_errors=True)])
    for name, action in (("create", "create the token"), ("rotate", "rotate the token")):
        result = run.task(name)
        assert result["failed"] and "would {0}".format(action) in result["msg"]
        assert "secret_file" in result["msg"] and "no_log: true" in result["msg"]
    assert write_operations(emulator) == [] and tokens_named(emulator, "orphan") == []
    checked = ansible.run([dict(task("create", name="orphan", role="ORGANIZATION_MEMBER"), ignore_errors=True)], check=True)
    assert checked.task("create")["failed"], "check mode predicts the refusal"


def test_no_log_is_detected_on_the_oldest_supported_core(ansible, emulator, tmp_path):
    run = ansible.run([dict(task("create", name="old-core-bot", role="ORGANIZATION_MEMBER"), no_log=True, register="made"),
                       {"name": "keep", "no_log": True, "ansible.builtin.copy": {"content": "{{ made.secret }}", "dest": str(tmp_path / "kept"), "mode": "0600"}}],
                      core="2.16")
    assert run.rc == 0, run.output
    [made] = tokens_named(emulator, "old-core-bot")
    assert (tmp_path / "kept").read_text() == made["secret"]


def test_a_secret_file_that_cannot_be_written_fails_before_anything_is_made(ansible, emulator, tmp_path):
    emulator.control.clear_log()
    run = ansible.run([
        dict(task("no dir", name="orphan", role="ORGANIZATION_MEMBER", secret_file=str(tmp_path / "missing" / "t")), ignore_errors=True),
        dict(task("a dir", name="orphan", role="ORGANIZATION_MEMBER", secret_file=str(tmp_path)), ignore_errors=True),
    ])
    assert "does not exist" in run.task("no dir")["msg"] and "is a directory" in run.task("a dir")["msg"]
    assert write_operations(emulator) == [] and tokens_named(emulator, "orphan") == []


# --- bad input ---------------------------------------------------------------------------------------------------

def bad_inputs(seed):
    analytics, etl_prod = seed.workspace("analytics"), seed.deployment("etl-prod")
    return [
        ("organization role for a workspace token", dict(name="x", scope="workspace", workspace_id=analytics, role="ORGANIZATION_MEMBER"),
         ["'ORGANIZATION_MEMBER'", "scope WORKSPACE", "WORKSPACE_OWNER, WORKSPACE_OPERATOR"]),
        ("workspace role for an organization token", dict(name="x", role="WORKSPACE_OWNER"),
         ["'WORKSPACE_OWNER'", "ORGANIZATION_OWNER, ORGANIZATION_BILLING_ADMIN, ORGANIZATION_MEMBER"]),
        ("workspace role for a deployment token", dict(name="x", scope="deployment", deployment_id=etl_prod, role="WORKSPACE_OWNER"),
         ["'WORKSPACE_OWNER'", "valid roles: DEPLOYMENT_ACCESSOR, DEPLOYMENT_ADMIN (default), ANALYTICS_VIEWER, DAG_RUNNER (custom)"]),
        ("restricted custom role", dict(name="x", scope="deployment", deployment_id=etl_prod, role="ANALYTICS_VIEWER"),
         ["ANALYTICS_VIEWER", "may only be used in Workspaces analytics (" + analytics + ")"]),
        ("unknown workspace", dict(name="x", scope="workspace", workspace_id="cnosuchworkspace000000000", role="WORKSPACE_MEMBER"),
         ["Workspace cnosuchworkspace000000000 does not exist"]),
        ("unknown deployment", dict(name="x", scope="deployment", deployment_id="cnosuchdeployment00000000", role="DEPLOYMENT_ADMIN"),
         ["Deployment cnosuchdeployment00000000 does not exist"]),
        ("unknown workspace name", dict(name="x", scope="workspace", workspace_name="nope", role="WORKSPACE_MEMBER"),
         ["No Workspace is named 'nope'"]),
        ("expiry 0", dict(name="x", role="ORGANIZATION_MEMBER", expiry_days=0), ["expiry_days is 0", "1 to 3650"]),
        ("expiry 3651", dict(name="x", role="ORGANIZATION_MEMBER", expiry_days=3651), ["expiry_days is 3651", "1 to 3650"]),
        ("expiry differs", dict(name="ci-deployer", expiry_days=30),
         ["never expires", "expires 30 days after creation", "state: absent", "leave it out"]),
        ("ambiguous name", dict(name="shared-automation", description="x"),
         ["2 ORGANIZATION tokens", "shared-automation", "token_id"] + seed.token_ids("shared-automation")),
        ("create without role", dict(name="x"), ["set role to create it"]),
        ("unknown token id", dict(name="x", token_id="cnotatokennotatokennotatk"), ["No token has ID 'cnotatokennotatokennotatk'"]),
        ("token id of another scope", dict(name="x", scope="workspace", token_id=seed.token("ci-deployer"), state="absent"),
         ["has scope ORGANIZATION", "Set scope to organization"]),
        ("workspace for an organization token", dict(name="x", workspace_id=analytics, role="ORGANIZATION_MEMBER"),
         ["belongs to no Workspace or Deployment"]),
        ("workspace token without workspace", dict(name="x", scope="workspace", role="WORKSPACE_MEMBER"),
         ["set workspace_id or workspace_name"]),
        ("rotate twice over", dict(name="ci-deployer", rotate=True, rotate_after_days=3), ["set one of them"]),
        ("rotate_after_days 0", dict(name="ci-deployer", rotate_after_days=0), ["rotate_after_days is 0"]),
    ]


def test_bad_input_fails_before_any_write(ansible, emulator, seed):
    cases = bad_inputs(seed)
    emulator.control.clear_log()
    run = ansible.run([dict(task(name, **args), ignore_errors=True) for name, args, _ in cases])
    for name, _args, patterns in cases:
        result = run.task(name)
        assert result["failed"], name
        for pattern in patterns:
            assert pattern in result["msg"], "{0}: {1!r} not in {2!r}".format(name, pattern, result["msg"])
    assert write_operations(emulator) == []


@pytest.mark.parametrize("core", ["2.16"])
def test_an_unchanged_task_on_another_core(ansible, emulator, core):
    emulator.control.clear_log()
    run = ansible.run([task("same", name="ci-deployer", role="ORGANIZATION_MEMBER")], core=core)
    assert run.rc == 0 and run.task("same")["changed"] is False, run.output
    assert len(emulator.control.requests()) == 1


def test_the_leak_check_covers_secrets_issued_during_the_run(ansible, emulator, tmp_path):
    """Control: print a secret made by the run itself on purpose; the runner's check must find it, or it proves
    nothing about the other tests of this file."""
    secret_file = tmp_path / "leaky.token"
    leak = [task("create", name="leaky", role="ORGANIZATION_MEMBER", secret_file=str(secret_file)),
            {"name": "leak", "ansible.builtin.debug": {"msg": "{{ lookup('file', '%s') }}" % secret_file}}]
    with pytest.raises(AssertionError, match="1 secret"):
        ansible.run(leak)
    [issued] = emulator.control.issued_secrets()
    assert issued == secret_file.read_text()


def test_by_token_id_a_task_needs_no_name_and_a_rotation_keeps_the_expiry(ansible, emulator, tmp_path):
    """Rotate, update and delete by token_id alone: no name, and no expiry_days restated (it used to fail with "missing
    required arguments: name", and a rotate without expiry_days with "the task asks that it never expires")."""
    secret_file = tmp_path / "expiring.token"
    created = ansible.run([task("create", name="expiring-bot", role="ORGANIZATION_MEMBER", expiry_days=30, secret_file=str(secret_file))])
    assert created.rc == 0, created.output
    [made] = tokens_named(emulator, "expiring-bot")
    first = secret_in_file(secret_file)

    emulator.control.clear_log()
    run = ansible.run([task("rotate by ID", token_id=made["id"], rotate=True, secret_file=str(secret_file)),
                       task("describe by ID", token_id=made["id"], description="kept expiry"),
                       task("rotate by name when due", name="expiring-bot", rotate_after_days=1, secret_file=str(secret_file))])
    assert run.rc == 0, run.output[-3000:]
    assert write_operations(emulator) == ["RotateApiToken", "UpdateApiToken"], write_operations(emulator)
    [after] = tokens_named(emulator, "expiring-bot")
    assert (after["expiryPeriodInDays"], after["endAt"], after["description"]) == (30, made["endAt"], "kept expiry")
    assert secret_in_file(secret_file) == after["secret"] != first
    assert run.task("rotate by ID")["token"]["expiry_days"] == 30

    # By name and without rotating, the declared expiry is still compared: "never expires" is not what it is.
    declared = ansible.run([dict(task("declared by name", name="expiring-bot", description="kept expiry"), ignore_errors=True)])
    assert declared.task("declared by name")["failed"] and "expires 30 days after creation" in declared.task("declared by name")["msg"]

    emulator.control.clear_log()
    deleted = ansible.run([task("delete by ID", token_id=made["id"], state="absent")])
    assert deleted.rc == 0, deleted.output[-3000:]
    assert write_operations(emulator) == ["DeleteApiToken"] and tokens_named(emulator, "expiring-bot") == []
