# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Answers that never came (issue 22, and item 5 of issue 23), as real playbooks against the emulator.

- the ghost write: a roles write that hangs past the timeout lands late, after a later edit of the same token;
- a create whose answer is lost after it was applied: the token is found by name, never made twice, and its secret
  is handed over by a rotation, in the same run or in any later one (a record of what was sent says so);
- a write that may have landed says "may have been applied; run again to see", not "failed".
"""

from __future__ import annotations

import os
import time

import requests

MODULE = "astro.platform.api_token"
ROLE_MODULE = "astro.platform.workspace_org_token"


def wait_until_every_write_landed(emulator):
    """Until every write the emulator received has been handled (a state of the emulator ends the wait, not a time)."""
    for _ in range(3000):
        if all(e["status"] is not None or e.get("dropped") for e in emulator.control.requests() if e["is_write"]):
            return
        time.sleep(0.01)
    raise AssertionError("a held write never landed")


def workspace_roles(emulator, token_id):
    return {r["entityId"]: r["role"] for r in emulator.control.token(token_id)["roles"] if r["entityType"] == "WORKSPACE"}


def test_a_late_write_never_erases_a_later_edit_of_the_same_token(ansible, emulator, seed, demo_seed, tmp_path):
    """Edit 1's first write hangs past its timeout and lands 1.5 s after two more writes (its retry and edit 2's:
    after edit 2's verifying read), or after 10 s; edit 2 must not write before that late write can no longer land."""
    token = seed.token("never-used-reader")
    first, second = [w["id"] for w in demo_seed["workspaces"]][:2]
    before = workspace_roles(emulator, token)
    emulator.control.set_faults(hold_next={"count": 1, "operations": ["UpdateApiTokenRoles"], "after_writes": 2, "seconds": 10,
                                                 "late_ms": 1500})
    run = ansible.run([
        {"name": "edit 1", ROLE_MODULE: dict(token_id=token, workspace_id=first, role="WORKSPACE_MEMBER", timeout=1)},
        {"name": "edit 2", ROLE_MODULE: dict(token_id=token, workspace_id=second, role="WORKSPACE_AUTHOR")},
    ], verbosity=0, env={"ASTRO_SETTLE_SECONDS": "12"})
    assert run.rc == 0, run.output[-3000:]
    wait_until_every_write_landed(emulator)
    held = workspace_roles(emulator, token)
    assert (held.get(first), held.get(second)) == ("WORKSPACE_MEMBER", "WORKSPACE_AUTHOR"), "the late write erased edit 2: {0}".format(held)
    assert all(held.get(w) == r for w, r in before.items() if w not in (first, second))
    edit_1 = run.task("edit 1")
    assert edit_1["answers_lost"] >= 1 and any("got no answer" in w for w in edit_1.get("warnings", [])), edit_1


def create_task(title, secret_file, **extra):
    return {"name": title, MODULE: dict(name="ci-lost-answer", role="ORGANIZATION_MEMBER", secret_file=str(secret_file), **extra)}


# A create without answer is looked up once it can no longer land: settle_seconds after the task gave up on it.
QUICK_SETTLE = {"ASTRO_SETTLE_SECONDS": "0.5"}


def tokens_named(emulator, name):
    return [t for t in emulator.control.state()["tokens"] if t["name"] == name]


def accepted(emulator, secret):
    answer = requests.get("{0}/organizations/{1}/roles".format(emulator.api_url, emulator.organization_id),
                          headers={"Authorization": "Bearer " + secret}, timeout=10)
    return answer.status_code == 200


def test_a_create_whose_answer_is_lost_is_found_and_rotated_never_made_twice(ansible, emulator, tmp_path):
    secret_file = tmp_path / "ci.token"
    emulator.control.set_faults(drop_next={"count": 1, "operations": ["CreateApiToken"], "apply": True})
    run = ansible.run([create_task("create", secret_file, lock_dir=str(tmp_path / "locks"))], env=QUICK_SETTLE)
    assert run.rc == 0, run.output[-3000:]
    result = run.task("create")
    made = tokens_named(emulator, "ci-lost-answer")
    assert len(made) == 1, "the token was made twice"
    assert result["actions"] == ["create", "rotate"] and result["secret_recovered"] is True
    assert any("nobody had its secret" in w for w in result["warnings"]), result["warnings"]
    assert secret_file.read_text() == made[0]["secret"] and accepted(emulator, made[0]["secret"])
    # The lock dir also holds the request budget of the API token (request_budget.py): only the record must be gone.
    records = [name for name in os.listdir(tmp_path / "locks") if name.endswith(".create")]
    assert records == [], "the create record outlived the handed-over secret"


def test_a_create_answered_503_that_was_not_applied_is_made_once(ansible, emulator, tmp_path):
    secret_file = tmp_path / "ci.token"
    emulator.control.set_faults(fail_next={"status": 503, "count": 1, "operations": ["CreateApiToken"]})
    run = ansible.run([create_task("create", secret_file, lock_dir=str(tmp_path / "locks"))], env=QUICK_SETTLE)
    assert run.rc == 0, run.output[-3000:]
    made = tokens_named(emulator, "ci-lost-answer")
    assert len(made) == 1 and run.task("create")["actions"] == ["create"]
    assert secret_file.read_text() == made[0]["secret"]
    counts = emulator.control.counts()
    assert counts["CreateApiToken"] == 2 and counts["ListApiTokens"] == 2, "looked up by name before the second create"


def test_a_token_whose_create_answer_a_failed_run_lost_is_rotated_by_the_next_run_with_a_warning(ansible, emulator, tmp_path):
    """The failed run (here: lost_secret: fail; in the field: a run killed after it sent the create) leaves the token
    with a secret nobody has; a plain re-run must not say "ok" over it."""
    secret_file = tmp_path / "ci.token"
    locks = str(tmp_path / "locks")
    emulator.control.set_faults(drop_next={"count": 1, "operations": ["CreateApiToken"], "apply": True})
    failed = ansible.run([create_task("create", secret_file, lock_dir=locks, lost_secret="fail")], env=QUICK_SETTLE)
    result = failed.task("create")
    assert failed.rc != 0 and result["failed"]
    assert "nobody has its secret" in result["msg"] and "lost_secret: rotate" in result["msg"], result["msg"]
    assert not secret_file.exists() and len(tokens_named(emulator, "ci-lost-answer")) == 1

    rerun = ansible.run([create_task("create", secret_file, lock_dir=locks)], env=QUICK_SETTLE)
    assert rerun.rc == 0, rerun.output[-3000:]
    result = rerun.task("create")
    made = tokens_named(emulator, "ci-lost-answer")
    assert len(made) == 1 and result["changed"] and "rotate" in result["actions"] and result["secret_recovered"] is True
    assert any("nobody had its secret" in w for w in result["warnings"]), result.get("warnings")
    assert secret_file.read_text() == made[0]["secret"] and accepted(emulator, made[0]["secret"])

    again = ansible.run([create_task("create", secret_file, lock_dir=locks)], env=QUICK_SETTLE)
    assert again.rc == 0 and again.task("create")["changed"] is False, "the record outlived the handed-over secret"


def test_a_write_whose_answer_never_came_is_reported_as_possibly_applied(ansible, emulator, seed):
    token = seed.token("ci-deployer")
    emulator.control.set_faults(drop_next={"count": 10, "operations": ["UpdateApiToken"], "apply": True})
    run = ansible.run([{"name": "rename", MODULE: dict(token_id=token, name="ci-deployer-renamed", max_retries=1),
                        "ignore_errors": True}])
    result = run.task("rename")
    assert result["failed"] and result["possibly_applied"] is True
    assert "may have been applied; run again to see" in result["msg"] and "failed after" not in result["msg"], result["msg"]
    assert emulator.control.token(token)["name"] == "ci-deployer-renamed", "the emulator applied it (the case at hand)"
