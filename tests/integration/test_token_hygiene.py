# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/token_hygiene.yml against the emulator: a preview that writes nothing, an applied run that rotates
exactly the old tokens in scope and deletes exactly the expired ones, a re-run that changes nothing, the reports and
the job's artifacts, and no secret in any output at -vvv."""

from __future__ import annotations

import copy
import datetime
import json
import os
import stat

import ansible_runner
import pytest
from test_api_token import accepted
from test_token_audit import audit_private_dir as runner_private_dir
from test_token_audit import stats_artifacts

NOW = datetime.datetime.now(datetime.timezone.utc)
SECRET_PREFIX = "hygieneSeedSecret"


def ago(days):
    return (NOW - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def hygiene_seed(demo_seed):
    """The demo organization plus tokens named hyg-* of every kind the playbook tells apart, and one out of scope."""
    seed = copy.deepcopy(demo_seed)
    organization = seed["organization"]["id"]
    analytics = next(w["id"] for w in seed["workspaces"] if w["name"] == "analytics")
    etl_prod = next(d["id"] for d in seed["deployments"] if d["name"] == "etl-prod")

    def token(number, name, scope="ORGANIZATION", entity=organization, role="ORGANIZATION_MEMBER", **times):
        return dict(id="chygiene{0:017d}".format(number), name=name, description="hygiene test", scope=scope, kind="STANDARD",
                    secret="{0}{1:03d}{2}".format(SECRET_PREFIX, number, "x" * 40), created_by_user=seed["users"][0]["id"],
                    roles=[dict(entityType=scope, entityId=entity, role=role)], **times)

    seed["tokens"] += [
        token(1, "hyg-old", createdAt=ago(400), lastUsedAt=ago(1), endAt=ago(400 - 3650), expiryPeriodInDays=3650),
        token(2, "hyg-fresh", createdAt=ago(10), lastUsedAt=ago(1)),
        token(3, "hyg-rotated", createdAt=ago(400), lastRotatedAt=ago(10), lastUsedAt=ago(1)),
        token(4, "hyg-expired", createdAt=ago(400), lastUsedAt=ago(50), endAt=ago(35), expiryPeriodInDays=365),
        token(5, "hyg-ws-old", "WORKSPACE", analytics, "WORKSPACE_OPERATOR", createdAt=ago(200), lastUsedAt=ago(2)),
        token(6, "hyg-dep-expired", "DEPLOYMENT", etl_prod, "DEPLOYMENT_ADMIN", createdAt=ago(100), endAt=ago(10), expiryPeriodInDays=90),
        token(7, "hyg-idle", createdAt=ago(300)),
        token(8, "other-expired", createdAt=ago(400), endAt=ago(35), expiryPeriodInDays=365),
        token(9, "other-old", createdAt=ago(400), lastUsedAt=ago(1)),
    ]
    return seed


@pytest.fixture
def hygiene(emulator, demo_seed):
    seed = hygiene_seed(demo_seed)
    emulator.control.reset(seed)
    return {t["name"]: t for t in seed["tokens"]}


@pytest.fixture
def playbook(installed_collection):
    return installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_hygiene.yml"


def stored_tokens(emulator):
    """Every stored token by ID, with its secret (the control API's backdoor)."""
    return {t["id"]: t for t in emulator.control.state()["tokens"]}


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def run_hygiene(ansible, playbook, tmp_path, check=False, env=None, **extra):
    extra_vars = dict(astro_hygiene_name_pattern="hyg-.*", astro_hygiene_tokens=["no-such-token"],
                      astro_hygiene_dir=str(tmp_path / "reports"), astro_hygiene_secret_dir=str(tmp_path / "secrets"))
    extra_vars.update(extra)
    report = tmp_path / "reports" / "token_hygiene.json"
    if report.exists():
        report.unlink()  # each run's own report, or none
    run = ansible.run(playbook=playbook, extra_vars=extra_vars, check=check, env=env)
    return run, json.loads(report.read_text()) if report.exists() else None


def ids(entries):
    return sorted(entry["token_id"] for entry in entries)


def test_the_default_run_writes_nothing_and_says_what_it_would_do(ansible, emulator, hygiene, playbook, tmp_path):
    before = stored_tokens(emulator)
    emulator.control.clear_log()
    run, summary = run_hygiene(ansible, playbook, tmp_path)
    assert run.rc == 0, run.output
    assert emulator.control.writes() == []
    assert stored_tokens(emulator) == before
    assert summary["applied"] is False
    assert ids(summary["delete"]) == sorted([hygiene["hyg-expired"]["id"], hygiene["hyg-dep-expired"]["id"]])
    assert ids(summary["rotate"]) == sorted(hygiene[name]["id"] for name in ("hyg-old", "hyg-ws-old", "hyg-idle"))
    assert ids(summary["in_scope"]) == sorted(t["id"] for name, t in hygiene.items() if name.startswith("hyg-"))
    assert summary["not_found"] == ["no-such-token"]
    assert hygiene["other-expired"]["id"] in ids(summary["left_alone"])
    by_id = {entry["token_id"]: entry for entry in summary["rotate"] + summary["delete"]}
    assert by_id[hygiene["hyg-expired"]["id"]]["reason"] == "expired " + hygiene["hyg-expired"]["endAt"]
    assert by_id[hygiene["hyg-old"]["id"]]["secret_file"] == str(tmp_path / "secrets" / (hygiene["hyg-old"]["id"] + ".token"))
    assert list((tmp_path / "secrets").iterdir()) == []
    markdown = (tmp_path / "reports" / "token_hygiene.md").read_text()
    assert "**preview**: nothing was written" in markdown and "| rotate | hyg-ws-old |" in markdown
    assert "would be rotated or deleted" in run.stdout


def test_check_mode_previews_even_when_apply_is_set(ansible, emulator, hygiene, playbook, tmp_path):
    emulator.control.clear_log()
    run, summary = run_hygiene(ansible, playbook, tmp_path, check=True, astro_hygiene_apply=True)
    assert run.rc == 0, run.output
    assert emulator.control.writes() == [] and summary["applied"] is False
    assert len(summary["rotate"]) == 3 and len(summary["delete"]) == 2


def test_apply_rotates_the_old_deletes_the_expired_and_a_rerun_changes_nothing(ansible, emulator, hygiene, playbook, tmp_path):
    before = stored_tokens(emulator)
    emulator.control.clear_log()
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_apply=True)
    assert run.rc == 0, run.output
    writes = sorted((w["operationId"], w["path"].rsplit("/", 2)[-2] if w["operationId"] == "RotateApiToken" else w["path"].rsplit("/", 1)[-1])
                    for w in emulator.control.writes())
    rotated = sorted(hygiene[name]["id"] for name in ("hyg-old", "hyg-ws-old", "hyg-idle"))
    deleted = sorted(hygiene[name]["id"] for name in ("hyg-expired", "hyg-dep-expired"))
    assert writes == sorted([("DeleteApiToken", token_id) for token_id in deleted] + [("RotateApiToken", token_id) for token_id in rotated])
    assert summary["applied"] is True and ids(summary["rotate"]) == rotated and ids(summary["delete"]) == deleted

    after = stored_tokens(emulator)
    assert not set(deleted) & set(after)
    secrets = tmp_path / "secrets"
    assert mode(secrets) == 0o700
    assert sorted(p.name for p in secrets.iterdir()) == sorted(token_id + ".token" for token_id in rotated)
    for token_id in rotated:
        path = secrets / (token_id + ".token")
        assert mode(path) == 0o600 and path.read_text() == after[token_id]["secret"]
        assert after[token_id]["secret"] != before[token_id]["secret"]
        assert not accepted(emulator, before[token_id]["secret"]), "the old secret still works"
        assert accepted(emulator, after[token_id]["secret"])
    # Everything else is as it was, the tokens out of scope too.
    untouched = set(before) - set(rotated) - set(deleted)
    assert {i: after[i] for i in untouched} == {i: before[i] for i in untouched}
    # Neither the old nor the new secrets in any output (the fixture checks the new ones at -vvv --diff).
    assert run.leaks([before[token_id]["secret"] for token_id in rotated + deleted]) == []

    emulator.control.clear_log()
    rerun, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_apply=True)
    assert rerun.rc == 0, rerun.output
    assert emulator.control.writes() == []
    assert summary["rotate"] == [] and summary["delete"] == [] and summary["failed"] == [] and summary["applied"] is True
    assert stored_tokens(emulator) == after


def test_tokens_unused_for_n_days_are_deleted_when_asked(ansible, emulator, hygiene, playbook, tmp_path):
    emulator.control.clear_log()
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_apply=True, astro_hygiene_delete_unused_after_days=30,
                               astro_hygiene_rotate_after_days=None)
    assert run.rc == 0, run.output
    # Never used and made 300 days ago; last used 50 days ago but expired: deleted as expired.
    assert ids(summary["delete"]) == sorted(hygiene[n]["id"] for n in ("hyg-expired", "hyg-dep-expired", "hyg-idle"))
    assert [entry["reason"] for entry in summary["delete"] if entry["token"] == "hyg-idle"] == [
        "never used, created {0}, more than 30 days ago".format(hygiene["hyg-idle"]["createdAt"])]
    assert summary["rotate"] == []
    assert sorted(w["operationId"] for w in emulator.control.writes()) == ["DeleteApiToken"] * 3


def test_a_name_several_tokens_have_fails_before_any_write(ansible, emulator, hygiene, playbook, tmp_path, seed):
    emulator.control.clear_log()
    run, _ = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_apply=True, astro_hygiene_name_pattern="",
                         astro_hygiene_tokens=["shared-automation"])
    assert run.rc != 0
    assert '"shared-automation" is the name of tokens ' + ", ".join(seed.token_ids("shared-automation")) in run.output
    assert emulator.control.writes() == []


@pytest.mark.parametrize("bad", [{"astro_hygiene_apply": "maybe"}, {"astro_hygiene_tokens": "hyg-old"},
                                 {"astro_hygiene_rotate_after_days": 0}])
def test_bad_variables_fail_before_any_request(ansible, emulator, hygiene, playbook, tmp_path, bad):
    emulator.control.clear_log()
    run, summary = run_hygiene(ansible, playbook, tmp_path, **bad)
    assert run.rc != 0 and "Bad variable" in run.output and json.dumps(list(bad.values())[0]) in run.output
    assert emulator.control.requests() == [] and summary is None


def test_nothing_in_scope_by_default(ansible, emulator, hygiene, playbook, tmp_path):
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook, extra_vars={"astro_hygiene_apply": True, "astro_hygiene_dir": str(tmp_path / "r"),
                                                     "astro_hygiene_secret_dir": str(tmp_path / "s")})
    assert run.rc == 0, run.output
    summary = json.loads((tmp_path / "r" / "token_hygiene.json").read_text())
    assert summary["in_scope"] == [] and summary["rotate"] == [] and summary["delete"] == []
    assert emulator.control.writes() == [] and not (tmp_path / "s").exists()


def test_the_summary_is_the_jobs_artifact_under_ansible_runner(emulator, hygiene, installed_collection, tmp_path):
    private = runner_private_dir(tmp_path, installed_collection, emulator, {"astro_hygiene_tokens": ["hyg-old"], "astro_hygiene_apply": True})
    run = ansible_runner.run(private_data_dir=str(private), playbook="astro.platform.token_hygiene", quiet=True, timeout=300)
    stdout = run.stdout.read()
    assert run.status == "successful", stdout
    # Default places: astro-reports/ and astro-secrets/ where the job started.
    summary = json.loads((private / "astro-reports" / "token_hygiene.json").read_text())
    new_secret = (private / "astro-secrets" / (hygiene["hyg-old"]["id"] + ".token")).read_text()
    assert ids(summary["rotate"]) == [hygiene["hyg-old"]["id"]] and summary["delete"] == []
    assert stats_artifacts(private, run) == {"astro_hygiene_summary": summary}
    everything = stdout + "".join(p.read_text(errors="replace") for p in (private / "artifacts").rglob("*")
                                  if p.is_file() and p.name != "command")
    assert new_secret and new_secret not in everything and hygiene["hyg-old"]["secret"] not in everything


def test_the_oldest_supported_core_previews_and_applies_alike(ansible, emulator, hygiene, playbook, tmp_path):
    def run(**extra):
        completed = ansible.run(playbook=playbook, core="2.16", extra_vars=dict(
            astro_hygiene_name_pattern="hyg-.*", astro_hygiene_dir=str(tmp_path / "reports"),
            astro_hygiene_secret_dir=str(tmp_path / "secrets"), **extra))
        assert completed.rc == 0, completed.output
        return json.loads((tmp_path / "reports" / "token_hygiene.json").read_text())

    emulator.control.clear_log()
    preview = run()
    assert emulator.control.writes() == [] and preview["applied"] is False
    assert ids(preview["delete"]) == sorted(hygiene[name]["id"] for name in ("hyg-expired", "hyg-dep-expired"))
    applied = run(astro_hygiene_apply="true")
    assert applied["applied"] is True
    assert (ids(applied["rotate"]), ids(applied["delete"])) == (ids(preview["rotate"]), ids(preview["delete"]))
    assert sorted(w["operationId"] for w in emulator.control.writes()) == ["DeleteApiToken"] * 2 + ["RotateApiToken"] * 3


@pytest.mark.parametrize("core", ["2.16", None])
def test_token_names_are_data_never_templates(ansible, emulator, demo_seed, playbook, tmp_path, core):
    """A name that, templated, would run a command: in scope by pattern, rotated and deleted under that exact name."""
    markers = tmp_path / "markers"
    markers.mkdir()
    seed = hygiene_seed(demo_seed)
    for token, what in ((t, t["name"]) for t in seed["tokens"] if t["name"] in ("hyg-old", "hyg-expired")):
        token["name"] = "hyg-{{{{ lookup('ansible.builtin.pipe', 'touch {0}') }}}}".format(markers / what)
    emulator.control.reset(seed)
    hostile = {t["id"]: t["name"] for t in seed["tokens"] if "lookup" in t["name"]}
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook, core=core, extra_vars=dict(
        astro_hygiene_name_pattern="hyg-.*", astro_hygiene_apply=True, astro_hygiene_dir=str(tmp_path / "reports"),
        astro_hygiene_secret_dir=str(tmp_path / "secrets")))
    assert run.rc == 0, run.output
    assert list(markers.iterdir()) == []
    writes = {(w["operationId"], w["path"].split("/tokens/")[1].split("/")[0]) for w in emulator.control.writes()}
    assert {operation for operation, _ in writes} == {"DeleteApiToken", "RotateApiToken"}, "a name was changed"
    assert writes >= {("RotateApiToken", "chygiene00000000000000001"), ("DeleteApiToken", "chygiene00000000000000004")}
    assert stored_tokens(emulator)["chygiene00000000000000001"]["name"] == hostile["chygiene00000000000000001"]
    summary = json.loads((tmp_path / "reports" / "token_hygiene.json").read_text())
    assert {e["token_id"]: e["token"] for e in summary["rotate"] + summary["delete"] if e["token_id"] in hostile} == hostile


def test_a_failed_rotation_still_reports_what_was_done(ansible, emulator, hygiene, playbook, tmp_path):
    emulator.control.set_faults(fail_next={"status": 400, "count": 1, "operations": ["RotateApiToken"]})
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_apply=True)
    assert run.rc != 0
    rotated = sorted(hygiene[name]["id"] for name in ("hyg-old", "hyg-ws-old", "hyg-idle"))
    assert summary["applied"] is True and len(summary["delete"]) == 2
    [failed] = summary["failed"]
    assert ids(summary["rotate"]) == sorted(set(rotated) - {failed["token_id"]})
    assert sorted(p.name for p in (tmp_path / "secrets").iterdir()) == sorted(i + ".token" for i in ids(summary["rotate"]))
    assert "**Failed**" in (tmp_path / "reports" / "token_hygiene.md").read_text()


def test_moving_the_emulator_clock_forward_ages_the_tokens(ansible, emulator, hygiene, playbook, tmp_path):
    """The modules take "now" from the API's answers (their Date header), not from the controller: with the emulator's
    clock 100 days on, a secret made 10 days ago is 110 days old, due for rotation in the preview."""
    emulator.control.set_clock(offset_seconds=100 * 86400)
    try:
        run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern="hyg-fresh")
    finally:
        emulator.control.reset_clock()
    assert run.rc == 0, run.output
    assert ids(summary["rotate"]) == [hygiene["hyg-fresh"]["id"]], summary
    assert emulator.control.writes() == []


def test_a_preview_changes_nothing_and_says_so_in_the_recap(ansible, emulator, hygiene, playbook, tmp_path):
    """Issue 28 item 2: the preview reported changed=6 while writing nothing."""
    run, summary = run_hygiene(ansible, playbook, tmp_path)
    assert run.rc == 0, run.output
    assert len(summary["rotate"]) == 3 and len(summary["delete"]) == 2  # what it would do, still said
    assert run.changed_tasks == [] and "changed=0" in run.stdout, run.changed_tasks


@pytest.mark.parametrize("core", ["2.16", None])
def test_the_callers_own_token_is_known_by_its_secret_and_stays_out_of_every_pattern(ansible, emulator, hygiene, playbook, seed,
                                                                                     tmp_path, core):
    """Issue 26 item 11: '.*' rotated the token the run used first, and every later call failed 401. An Astro secret
    is a JWT whose apiTokenId claim names its token; with no ASTRO_API_TOKEN_ID given, the run still leaves it alone."""
    caller = seed.token("ansible-automation-owner")
    # Made in 2024: its secret is more than 90 days old, so in scope it would be rotated first.
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook, core=core, env={"ASTRO_API_TOKEN_ID": ""}, extra_vars=dict(
        astro_hygiene_name_pattern=".*", astro_hygiene_apply=True, astro_hygiene_dir=str(tmp_path / "reports"), astro_hygiene_secret_dir=str(tmp_path / "secrets")))
    assert run.rc == 0, run.output
    summary = json.loads((tmp_path / "reports" / "token_hygiene.json").read_text())
    assert caller not in ids(summary["in_scope"]) and len(summary["in_scope"]) > 10
    assert caller in stored_tokens(emulator) and accepted(emulator, emulator.caller_secret)
    assert all(caller not in w["path"] for w in emulator.control.writes())


def test_the_callers_token_is_in_scope_only_by_id_and_with_the_flag(ansible, emulator, hygiene, playbook, seed, tmp_path):
    caller = seed.token("ansible-automation-owner")
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern="", astro_hygiene_tokens=[caller])
    assert run.rc == 0, run.output
    assert summary["in_scope"] == []  # named by ID, but not asked for
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern="",
                               astro_hygiene_tokens=["ansible-automation-owner"], astro_hygiene_include_caller_token=True)
    assert run.rc == 0, run.output
    assert summary["in_scope"] == []  # asked for, but by name
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern="", astro_hygiene_tokens=[caller],
                               astro_hygiene_include_caller_token=True)
    assert run.rc == 0, run.output
    assert ids(summary["in_scope"]) == [caller]


def plain_caller_seed(demo_seed):
    """The hygiene seed whose caller's secret is not a JWT (an older token, or one a proxy swaps in): it names no token."""
    seed = hygiene_seed(demo_seed)
    caller = next(t for t in seed["tokens"] if t["id"] == seed["caller"])
    caller["secret"] = "plainCallerSecret" + "z" * 40
    return seed, caller


def test_a_pattern_fails_closed_when_nothing_says_which_token_the_run_uses(ansible, emulator, demo_seed, playbook, tmp_path):
    seed, caller = plain_caller_seed(demo_seed)
    emulator.control.reset(seed)
    before = stored_tokens(emulator)
    emulator.control.clear_log()
    env = {"ASTRO_API_TOKEN": caller["secret"], "ASTRO_API_TOKEN_ID": ""}
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern=".*", astro_hygiene_tokens=[],
                               astro_hygiene_apply=True, env=env)
    said = " ".join(run.output.split())
    assert run.rc != 0 and "its secret does not say which token it is" in said and "ASTRO_API_TOKEN_ID" in said, run.output
    assert "Nothing was changed." in said
    assert emulator.control.writes() == [] and stored_tokens(emulator) == before and summary is None
    assert run.leaks([caller["secret"]]) == []

    # Told by ASTRO_API_TOKEN_ID (the AWX credential's API token ID field), the run goes on without the caller's token.
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern=".*", astro_hygiene_tokens=[],
                               env=dict(env, ASTRO_API_TOKEN_ID=caller["id"]))
    assert run.rc == 0, run.output
    assert caller["id"] not in ids(summary["in_scope"]) and len(summary["in_scope"]) > 10
    # Tokens named one by one need no caller ID: the user chose each.
    run, summary = run_hygiene(ansible, playbook, tmp_path, astro_hygiene_name_pattern="", astro_hygiene_tokens=["hyg-old"], env=env)
    assert run.rc == 0, run.output
    assert ids(summary["in_scope"]) == [hygiene_id(seed, "hyg-old")]
    assert run.leaks([caller["secret"]]) == []


def hygiene_id(seed, name):
    return next(t["id"] for t in seed["tokens"] if t["name"] == name)
