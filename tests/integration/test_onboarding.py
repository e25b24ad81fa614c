# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The workspace_onboarding role through playbooks/onboard_workspaces.yml, and playbooks/token_audit.yml.

The playbooks are run from the built and installed collection, over hosts of the astro.platform.astro inventory
plugin (one per Workspace, in parallel forks) or in a loop on localhost.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
import yaml


EDIT_TASK = "Check the declarations, look up and plan, then create the declared tokens and write each token's roles once"
REPORT_TASK = "Report the roles changed in this host's Workspace"
SUMMARY_TASK = "Show the undeclared roles removed from exclusive Workspaces (in check mode, those that would be)"


def role_task(run, name):
    """The result of a task of the role, which runs once for all hosts (its name as recorded carries the role's name in front)."""
    found = [r for r in run.results if r["task"] == name or r["task"].endswith(" : " + name)]
    assert found, "no result for task {0!r}; tasks run: {1}\n{2}".format(name, sorted({r["task"] for r in run.results}), run.output)
    assert len({r["host"] for r in found}) == 1, "the role ran on several hosts: {0}".format(sorted({r["host"] for r in found}))
    return dict(found[-1]["result"], failed=found[-1]["status"] == "failed")


def edited(run):
    """{token name: whether its roles changed} of each token edit the role made (the task itself is not "changed":
    the Workspace hosts report the changes)."""
    return {item["token"]["name"]: bool(item["roles_changed"]) for item in role_task(run, EDIT_TASK)["results"]}


def playbook(installed_collection, name):
    return installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / name


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "workspaces.astro.yml"
    path.write_text("plugin: astro.platform.astro\n")
    return path


def all_roles(emulator, seed):
    """Every token's role list, by token ID, in a comparable form."""
    return {t["id"]: sorted(json.dumps(r, sort_keys=True) for r in emulator.control.token(t["id"])["roles"]) for t in seed.data["tokens"]}


def role(entity_type, entity_id, name):
    return json.dumps({"entityType": entity_type, "entityId": entity_id, "role": name}, sort_keys=True)


def declaration(seed):
    """Three Workspaces: data-platform and ml-research by ID, analytics by name."""
    return [
        {"workspace_id": seed.workspace("data-platform"),
         "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"},
                        {"token_id": seed.token("never-used-reader"), "role": "WORKSPACE_MEMBER"}],
         "deployment_tokens": [{"token": "ci-deployer", "token_scope": "organization", "role": "DEPLOYMENT_ADMIN", "deployments": "all"},
                               {"token": "data-platform-ci", "token_scope": "workspace", "role": "DAG_RUNNER",
                                "deployments": ["etl-staging"]}]},
        {"workspace": "analytics",
         "org_tokens": [{"token": "never-used-reader", "role": "WORKSPACE_ACCESSOR"}],
         "deployment_tokens": [{"token": "analytics-operator", "role": "ANALYTICS_VIEWER", "deployments": "all"},
                               {"token_id": seed.token("ci-deployer"), "role": "DAG_RUNNER",
                                "deployments": [seed.deployment("reporting-prod")]}]},
        {"workspace_id": seed.workspace("ml-research"),
         "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_AUTHOR"}],
         "deployment_tokens": [{"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN", "deployments": ["training"]}]},
    ]


def expected_after_onboarding(before, seed):
    """The seed's roles plus (or replaced by) what declaration() declares."""
    after = {token: list(roles) for token, roles in before.items()}

    def give(token_name, entity_type, entity_name, name):
        token = seed.token(token_name)
        entity = seed.workspace(entity_name) if entity_type == "WORKSPACE" else seed.deployment(entity_name)
        after[token] = [r for r in after[token] if not (json.loads(r)["entityType"] == entity_type and json.loads(r)["entityId"] == entity)]
        after[token] = sorted(after[token] + [role(entity_type, entity, name)])

    give("ci-deployer", "WORKSPACE", "data-platform", "WORKSPACE_OPERATOR")
    give("never-used-reader", "WORKSPACE", "data-platform", "WORKSPACE_MEMBER")
    give("ci-deployer", "DEPLOYMENT", "etl-prod", "DEPLOYMENT_ADMIN")
    give("ci-deployer", "DEPLOYMENT", "etl-staging", "DEPLOYMENT_ADMIN")
    give("data-platform-ci", "DEPLOYMENT", "etl-staging", "DAG_RUNNER")
    give("never-used-reader", "WORKSPACE", "analytics", "WORKSPACE_ACCESSOR")
    give("analytics-operator", "DEPLOYMENT", "reporting-prod", "ANALYTICS_VIEWER")
    give("analytics-operator", "DEPLOYMENT", "reporting-dev", "ANALYTICS_VIEWER")
    give("ci-deployer", "DEPLOYMENT", "reporting-prod", "DAG_RUNNER")
    give("ci-deployer", "WORKSPACE", "ml-research", "WORKSPACE_AUTHOR")
    give("ci-deployer", "DEPLOYMENT", "training", "DEPLOYMENT_ADMIN")
    return after


def run_onboarding(ansible, emulator, onboard, inventory, extra_vars, **options):
    """The onboarding playbook over the inventory plugin's hosts (3 forks), on a cleared request log; it must succeed."""
    emulator.control.clear_log()
    result = ansible.run(playbook=onboard, inventory=inventory, forks=3, extra_vars=extra_vars, **options)
    assert result.rc == 0, result.output
    return result


def assert_check_mode_predicts_the_onboarding(checked, emulator, seed, before):
    """Nothing written, every declared token predicted changed, and each change named beside its IDs."""
    assert emulator.control.writes() == [], "check mode wrote"
    assert all_roles(emulator, seed) == before
    assert set(edited(checked)) == {"ci-deployer", "never-used-reader", "data-platform-ci", "analytics-operator"}
    assert all(edited(checked).values()), checked.output
    # What a check-mode review reads: one line a change, with the names of the Workspace and Deployment beside the IDs.
    lines = [line for r in checked.results if r["task"] == REPORT_TASK for line in r["result"]["changes"]]
    names = {item["id"]: item["name"] for item in seed.data["workspaces"] + seed.data["deployments"]}
    assert any(": +WORKSPACE " in line for line in lines) and any(": +DEPLOYMENT " in line for line in lines), lines
    for line in lines:
        named = re.search(r": [+-](WORKSPACE|DEPLOYMENT) (\S+) \((\w+)\)", line)
        assert named and names[named.group(3)] == named.group(2), line


def assert_onboarded(real, emulator, seed, before):
    """Every declared role in place, in one write per token edit, and the diff names the Workspace."""
    control = emulator.control
    assert all_roles(emulator, seed) == expected_after_onboarding(before, seed)
    # 11 roles declared, one write per token edit: ci-deployer (by name, then by ID for analytics),
    # never-used-reader (by ID for data-platform, then by name), data-platform-ci and analytics-operator.
    assert len(control.writes()) == 6, control.counts()
    assert "+WORKSPACE ml-research ({0}): WORKSPACE_AUTHOR".format(seed.workspace("ml-research")) in real.stdout


def exclusive_and_absent(seed):
    """data-platform: exclusive, never-used-reader and data-platform-ci no longer declared, ci-deployer only on etl-prod.
    analytics: state absent. ml-research: not mentioned, so not touched."""
    return {"astro_workspaces": [
        {"workspace": "data-platform", "exclusive": True,
         "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"}],
         "deployment_tokens": [{"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl-prod"]}]},
        dict(declaration(seed)[1], state="absent"),
    ]}


def assert_check_mode_lists_what_exclusive_would_remove(checked, emulator, seed, onboarded):
    assert emulator.control.writes() == [], "check mode wrote"
    assert all_roles(emulator, seed) == onboarded
    summaries = [item["msg"] for item in role_task(checked, SUMMARY_TASK)["results"]]
    assert [s["workspace"] for s in summaries] == ["data-platform"], summaries
    assert summaries[0]["action"] == "would remove (check mode)"
    assert summaries[0]["workspace_roles"] == ["never-used-reader ({0}): WORKSPACE_MEMBER".format(seed.token("never-used-reader"))]
    assert sorted(summaries[0]["deployment_roles"]) == ["ci-deployer ({0}): DEPLOYMENT_ADMIN: etl-staging".format(seed.token("ci-deployer")),
                                                        "data-platform-ci ({0}): DAG_RUNNER: etl-staging".format(seed.token("data-platform-ci"))]
    assert edited(checked)["analytics-operator"] is True


def expected_after_exclusive_and_absent(onboarded, seed):
    """The onboarded roles without the undeclared ones in data-platform and without what onboarding gave in analytics."""
    data_platform, etl_staging = seed.workspace("data-platform"), seed.deployment("etl-staging")
    expected = dict(onboarded)
    expected[seed.token("never-used-reader")] = [r for r in onboarded[seed.token("never-used-reader")]
                                                 if r != role("WORKSPACE", data_platform, "WORKSPACE_MEMBER")]
    expected[seed.token("ci-deployer")] = [r for r in onboarded[seed.token("ci-deployer")]
                                           if r != role("DEPLOYMENT", etl_staging, "DEPLOYMENT_ADMIN")]
    expected[seed.token("data-platform-ci")] = [r for r in onboarded[seed.token("data-platform-ci")]
                                                if r != role("DEPLOYMENT", etl_staging, "DAG_RUNNER")]
    # analytics, absent: what onboarding gave there is gone again
    seed_roles = {t["id"]: sorted(json.dumps(r, sort_keys=True) for r in t["roles"]) for t in seed.data["tokens"]}
    expected[seed.token("never-used-reader")] = [r for r in expected[seed.token("never-used-reader")]
                                                 if r != role("WORKSPACE", seed.workspace("analytics"), "WORKSPACE_ACCESSOR")]
    expected[seed.token("analytics-operator")] = seed_roles[seed.token("analytics-operator")]
    expected[seed.token("ci-deployer")] = [r for r in expected[seed.token("ci-deployer")]
                                           if r != role("DEPLOYMENT", seed.deployment("reporting-prod"), "DAG_RUNNER")]
    return expected


def assert_only_the_undeclared_roles_removed(emulator, seed, onboarded):
    control = emulator.control
    after = all_roles(emulator, seed)
    assert after == expected_after_exclusive_and_absent(onboarded, seed)
    # kept: the Workspace token's own role, the Deployment token, ci-deployer's DAG role and roles in other Workspaces
    assert role("WORKSPACE", seed.workspace("data-platform"), "WORKSPACE_OWNER") in after[seed.token("data-platform-owner")]
    assert role("DEPLOYMENT", seed.deployment("etl-prod"), "DEPLOYMENT_ADMIN") in after[seed.token("etl-prod-deployer")]
    assert role("WORKSPACE", seed.workspace("ml-research"), "WORKSPACE_AUTHOR") in after[seed.token("ci-deployer")]
    assert any(json.loads(r)["entityType"] == "DAG" for r in after[seed.token("ci-deployer")])
    # 7 removals (3 in data-platform, 4 in analytics), one write per token edit: ci-deployer (by ID: etl-staging
    # and reporting-prod), never-used-reader (by ID: data-platform; by name: analytics), data-platform-ci, analytics-operator
    assert len(control.writes()) == 5, control.counts()


def test_onboard_three_workspaces_rerun_then_exclusive_and_absent(ansible, emulator, seed, installed_collection, inventory):
    """Check mode, real run, idempotent re-run; then exclusive (check mode, then real) on one Workspace and absent on another."""
    onboard = playbook(installed_collection, "onboard_workspaces.yml")
    workspaces = {"astro_workspaces": declaration(seed)}
    before = all_roles(emulator, seed)

    checked = run_onboarding(ansible, emulator, onboard, inventory, workspaces, check=True, diff=True)
    assert_check_mode_predicts_the_onboarding(checked, emulator, seed, before)

    real = run_onboarding(ansible, emulator, onboard, inventory, workspaces, diff=True)
    assert_onboarded(real, emulator, seed, before)

    again = run_onboarding(ansible, emulator, onboard, inventory, workspaces)
    assert again.changed_tasks == [], again.changed_tasks
    assert emulator.control.writes() == []
    onboarded = all_roles(emulator, seed)

    workspaces = exclusive_and_absent(seed)
    checked = run_onboarding(ansible, emulator, onboard, inventory, workspaces, check=True)
    assert_check_mode_lists_what_exclusive_would_remove(checked, emulator, seed, onboarded)

    # The same declaration for real, this time in a loop on localhost instead of over inventory hosts.
    emulator.control.clear_log()
    real = ansible.run(playbook=onboard, extra_vars=dict(workspaces, astro_onboarding_hosts="localhost"))
    assert real.rc == 0, real.output
    assert recap(real) == {"localhost": 1}, "on localhost, the report task alone says whether anything changed"
    assert_only_the_undeclared_roles_removed(emulator, seed, onboarded)


def test_bad_declarations_fail_clearly_before_any_write(ansible, emulator, seed, installed_collection, inventory):
    control = emulator.control
    onboard = playbook(installed_collection, "onboard_workspaces.yml")
    control.clear_log()
    # Malformed entries are named by index and name before any request: every message in the unit tests of the plan
    # (tests/unit/.../test_onboarding.py), end to end in test_a_bad_entry_is_named_by_index_and_name_before_any_write.
    # Well-formed, but a Deployment is not in its Workspace: the plan fails, naming the Workspace's Deployments.
    workspaces = {"astro_workspaces": [
        {"workspace": "data-platform", "deployment_tokens": [{"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN",
                                                               "deployments": ["etl-prod", "reporting-prod"]}]},
        {"workspace": "analytics", "org_tokens": [{"token": "never-used-reader", "role": "WORKSPACE_MEMBER"}]},
    ]}
    run = ansible.run(playbook=onboard, inventory=inventory, extra_vars=workspaces)
    assert run.rc != 0
    assert ("deployment_tokens[0] (token 'ci-deployer'): No Deployment is named 'reporting-prod' in Workspace data-platform ("
            in run.output), run.output
    assert "'etl-prod'" in run.output
    assert control.writes() == []


def test_a_bad_declarations_file_fails_naming_it_before_any_request(ansible, emulator, installed_collection, tmp_path):
    """The playbook with a file that is not there; the reader it uses (its first task) on a file of another shape and
    on one that is not YAML, as tasks of one playbook. A bad astro_onboarding_state is the plan's (unit tests)."""
    onboard = playbook(installed_collection, "onboard_workspaces.yml")
    shapeless = tmp_path / "shapeless.yml"
    shapeless.write_text("workspaces:\n  - workspace: analytics\n")
    broken = tmp_path / "broken.yml"
    broken.write_text("astro_workspaces: [\n")
    emulator.control.clear_log()
    missing = tmp_path / "missing.yml"
    run = ansible.run(playbook=onboard, extra_vars={"astro_onboarding_vars_file": str(missing), "astro_onboarding_hosts": "localhost"},
                      verbosity=0)
    assert run.rc != 0 and "Declarations file {0!r} not found".format(str(missing)) in run.output, run.output
    read = {
        "shapeless": (shapeless, "must be a mapping whose key astro_workspaces lists the Workspace declarations (a list, possibly "
                                 "empty); it has the keys 'workspaces'."),
        "broken": (broken, "Declarations file {0} is not valid YAML or JSON".format(broken)),
    }
    run = ansible.run([{"name": name, "ignore_errors": True, "astro.platform.onboarding_declarations": {"path": str(path)}}
                       for name, (path, _message) in read.items()], verbosity=0)
    for name, (_path, message) in read.items():
        assert run.task(name)["failed"] and message in " ".join(run.task(name)["msg"].split()), (name, run.task(name))
    assert emulator.control.requests() == []


def test_a_declarations_file_with_an_empty_key_declares_nothing(ansible, emulator, installed_collection, tmp_path):
    empty = tmp_path / "empty.yml"
    empty.write_text("astro_workspaces:\n")
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), verbosity=0,
                      extra_vars={"astro_onboarding_vars_file": str(empty), "astro_onboarding_hosts": "localhost"})
    assert run.rc == 0, run.output
    assert run.task("Read the declarations")["workspaces"] == [] and run.changed_tasks == []
    assert emulator.control.writes() == []


@pytest.mark.parametrize("core", [None, "2.16"])
def test_a_bad_entry_is_named_by_index_and_name_before_any_write(ansible, emulator, seed, core):
    """A wrong role in the 3rd org_tokens entry of the 2nd Workspace: one line naming that entry, on 2.16 and 2.19 alike."""
    declarations = declaration(seed)
    declarations[1]["org_tokens"] = [{"token": "never-used-reader", "role": "WORKSPACE_MEMBER"},
                                     {"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"},
                                     {"token_id": seed.token("org-member-readonly"), "role": "WORKSPACE_BOSS"}]
    before = all_roles(emulator, seed)
    emulator.control.clear_log()
    run = ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                        "vars": {"workspace_onboarding_workspaces": declarations}}], core=core)
    assert run.rc == 2, run.output[-3000:]
    line = ("workspace_onboarding_workspaces[1] (Workspace 'analytics') org_tokens[2] (token {0!r}): role 'WORKSPACE_BOSS' "
            "is not valid; valid: WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR.")
    assert line.format(seed.token("org-member-readonly")) in run.output
    failed = [r for r in run.results if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["result"]["msg"].startswith("workspace_onboarding_workspaces[1] "), failed
    assert emulator.control.requests() == [], "the declarations are checked before any look-up"
    assert all_roles(emulator, seed) == before


def test_token_audit_writes_markdown_and_csv_with_flags(ansible, emulator, seed, installed_collection, tmp_path):
    reports = tmp_path / "reports"
    run = ansible.run(playbook=playbook(installed_collection, "token_audit.yml"), extra_vars={"astro_audit_dir": str(reports)})
    assert run.rc == 0, run.output
    assert emulator.control.writes() == []
    markdown = (reports / "token_audit.md").read_text()
    with open(reports / "token_audit.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))

    def flags(token, role_name):
        found = [r for r in rows if r["token"] == token and r["role"] == role_name]
        assert len(found) == 1, (token, role_name, rows)
        return found[0]["flags"].split("; ")

    assert "never used" in flags("never-used-reader", "ORGANIZATION_MEMBER") and "never expires" in flags("never-used-reader", "ORGANIZATION_MEMBER")
    assert "owner/admin role" in flags("ansible-automation-owner", "ORGANIZATION_OWNER")
    assert "never expires" not in flags("ansible-automation-owner", "ORGANIZATION_OWNER")
    assert "owner/admin role" in flags("data-platform-owner", "WORKSPACE_OWNER")
    assert "owner/admin role" in flags("etl-prod-deployer", "DEPLOYMENT_ADMIN")
    assert "owner/admin role" not in flags("ci-deployer", "WORKSPACE_AUTHOR")
    ci_etl = [r for r in rows if r["token"] == "ci-deployer" and r["on"] == "DEPLOYMENT"]
    assert [(r["workspace"], r["deployment"], r["role"]) for r in ci_etl] == [("data-platform", "etl-prod", "DEPLOYMENT_ADMIN")]
    assert {r["token_id"] for r in rows} == {t["id"] for t in seed.data["tokens"]}
    assert "| ci-deployer | {0} | ORGANIZATION | WORKSPACE_AUTHOR | WORKSPACE | data-platform |".format(seed.token("ci-deployer")) in markdown
    assert "| never-used-reader |" in run.stdout, "the table is not printed"
    flagged = run.task("Show the flagged tokens")["msg"]
    assert flagged["never_used"] == ["never-used-reader"]
    assert set(flagged["owner_or_admin"]) == {"ansible-automation-owner", "ci-deployer", "data-platform-ci", "data-platform-owner",
                                                "etl-prod-deployer"}
    for token in seed.data["tokens"]:
        if token.get("secret"):
            assert token["secret"] not in run.output + markdown + (reports / "token_audit.csv").read_text()


def recap(run):
    """{host: changed count} from the play recap."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", run.stdout, re.MULTILINE)}


def test_a_misspelled_workspace_fails_on_the_host_path_too(ansible, emulator, seed, installed_collection, inventory):
    """The play runs over the inventory's Workspace hosts; a declaration that matches no Workspace fails, with the close names."""
    declarations = declaration(seed)
    declarations[1] = dict(declarations[1], workspace="analytcs")
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), inventory=inventory, forks=3,
                      extra_vars={"astro_workspaces": declarations})
    assert run.rc != 0, run.output[-3000:]
    assert "No Workspace is named 'analytcs'; did you mean 'analytics'?" in run.output
    assert emulator.control.writes() == []


def test_a_custom_role_typo_in_the_last_tokens_entry_fails_before_any_write(ansible, emulator, seed, installed_collection, inventory):
    declarations = declaration(seed)
    declarations[-1]["deployment_tokens"].append({"token": "analytics-operator", "role": "DAG_RUNNERR", "deployments": "all"})
    before = all_roles(emulator, seed)
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), inventory=inventory, forks=3,
                      extra_vars={"astro_workspaces": declarations})
    assert run.rc != 0, run.output[-3000:]
    assert ("workspace_onboarding_workspaces[2] (Workspace {0!r}) deployment_tokens[1] (token 'analytics-operator'): role "
            "'DAG_RUNNERR' is neither a default Deployment role nor a custom Deployment role").format(seed.workspace("ml-research")) in run.output
    assert "DAG_RUNNER (custom)" in run.output or "DAG_RUNNER, " in run.output, run.output[-2000:]
    assert emulator.control.writes() == [], "a token was written before the typo was found"
    assert all_roles(emulator, seed) == before


@pytest.mark.parametrize("core", [None, "2.16"])
def test_the_recap_marks_changed_exactly_the_workspaces_whose_roles_changed(ansible, emulator, seed, installed_collection, inventory,
                                                                            core):
    """Onboard, then change one Workspace's declaration only, in a run whose role runs on another Workspace's host."""
    onboard = playbook(installed_collection, "onboard_workspaces.yml")
    first = ansible.run(playbook=onboard, inventory=inventory, forks=3, extra_vars={"astro_workspaces": declaration(seed)}, core=core)
    assert first.rc == 0, first.output
    assert {host for host, changed in recap(first).items() if changed} == {"data-platform", "analytics", "ml-research"}, recap(first)
    role_host = {r["host"] for r in first.results if r["task"].endswith(" : " + EDIT_TASK)}.pop()
    other = next(name for name in ("ml-research", "data-platform", "analytics") if name != role_host)
    declarations = declaration(seed)
    index = next(i for i, d in enumerate(declarations) if other in (d.get("workspace"), _name_of(seed, d.get("workspace_id"))))
    declarations[index]["org_tokens"][0] = dict(declarations[index]["org_tokens"][0], role="WORKSPACE_MEMBER")
    again = ansible.run(playbook=onboard, inventory=inventory, forks=3, extra_vars={"astro_workspaces": declarations}, core=core)
    assert again.rc == 0, again.output
    assert recap(again)[role_host] == 0, "the host the role ran on is marked changed although its Workspace did not change"
    assert {host for host, changed in recap(again).items() if changed} == {other}, recap(again)
    reports = {r["host"]: r["result"] for r in again.results if r["task"] == REPORT_TASK}
    [line] = reports[other]["changes"]
    assert re.search(r": \+WORKSPACE {0} \(\w+\): WORKSPACE_MEMBER \(was WORKSPACE_\w+\)$".format(other), line), line
    assert reports[role_host]["changes"] == [] and not reports[role_host]["changed"], reports[role_host]
    # Each host's header names its Workspace by name beside its ID.
    other_id = next(w["id"] for w in seed.data["workspaces"] if w["name"] == other)
    assert reports[other]["msg"] == "1 changes in Workspace {0} ({1}).".format(other, other_id), reports[other]["msg"]
    same = ansible.run(playbook=onboard, extra_vars={"astro_workspaces": declarations, "astro_onboarding_hosts": "localhost"}, core=core)
    assert same.rc == 0, same.output
    assert recap(same) == {"localhost": 0}, "nothing changed, so localhost is not changed"


def _name_of(seed, workspace_id):
    return next((w["name"] for w in seed.data["workspaces"] if w["id"] == workspace_id), None)


def test_a_write_that_fails_mid_run_says_which_tokens_changed(ansible, emulator, seed, installed_collection, inventory):
    """The first token's write is refused by the API; the message names it, and the tokens written and not written."""
    emulator.control.set_faults(fail_next={"status": 400, "count": 1, "operations": ["UpdateApiTokenRoles"], "message": "refused"})
    run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), inventory=inventory, forks=3,
                      extra_vars={"astro_workspaces": declaration(seed)})
    assert run.rc != 0, run.output[-3000:]
    failed = [r for r in run.results if r["status"] == "failed" and "Writing the roles failed for" in str(r["result"].get("msg"))]
    assert len(failed) == 1, run.output[-3000:]
    message = failed[0]["result"]["msg"]
    written = {emulator.control.token(seed.token(name))["name"] for name in ("never-used-reader", "data-platform-ci", "analytics-operator")}
    assert message.startswith("Writing the roles failed for ci-deployer: "), message
    changed_part = message.split("Already changed: ")[1].split(". Not changed:")[0]
    assert all(name + ":" in changed_part for name in written), message
    assert "refused" in message


@pytest.mark.parametrize("core", [None, "2.16"])
def test_the_role_on_seven_hosts_without_run_once_fails_before_any_request(ansible, emulator, seed, tmp_path, core):
    """Included on every host of a 7-host play without run_once, each host's run would write the same roles again and
    report only its own changes (it used to make 2 real writes while every host said "0 changes"): it refuses."""
    hosts = tmp_path / "seven.yml"
    hosts.write_text(yaml_text({"all": {"hosts": {"host{0}".format(n): {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"} for n in range(1, 8)}}}))
    before = all_roles(emulator, seed)
    emulator.control.clear_log()
    run = ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                        "vars": {"workspace_onboarding_workspaces": declaration(seed)}}], hosts="all", inventory=hosts, verbosity=0,
                      core=core)
    assert run.rc != 0, run.output[-3000:]
    failed = [r for r in run.results if r["status"] == "failed"]
    assert failed, run.output[-3000:]
    for result in failed:
        message = result["result"]["msg"]
        assert message.startswith("The role workspace_onboarding (task astro.platform.onboarding) runs for 7 hosts of the play "
                                  "(host1, host2, host3, host4, host5, ...) without run_once"), message
        assert "run_once: true" in message and "\n" not in message, message
    assert emulator.control.requests() == [], "a host's run read or wrote before the refusal"
    assert all_roles(emulator, seed) == before
    # The same play with run_once runs the role once, for all seven hosts.
    again = ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                          "run_once": True, "vars": {"workspace_onboarding_workspaces": declaration(seed)}}],
                        hosts="all", inventory=hosts, verbosity=0, core=core)
    assert again.rc == 0, again.output[-3000:]
    assert all_roles(emulator, seed) == expected_after_onboarding(before, seed)


def test_declaration_defaults_are_merged_into_every_declaration_and_the_declaration_wins(ansible, emulator, seed,
                                                                                         installed_collection, tmp_path):
    """astro_workspace_defaults in the declarations file: each declaration takes the keys it does not set, whole."""
    declarations = tmp_path / "declarations.yml"
    declarations.write_text(yaml_text({
        "astro_workspace_defaults": {"org_tokens": [{"token": "never-used-reader", "role": "WORKSPACE_ACCESSOR"}]},
        "astro_workspaces": [{"workspace": "analytics"},
                             {"workspace": "ml-research", "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_AUTHOR"}]}]}))
    before = all_roles(emulator, seed)
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), verbosity=0,
                      extra_vars={"astro_onboarding_vars_file": str(declarations), "astro_onboarding_hosts": "localhost"})
    assert run.rc == 0, run.output[-3000:]
    after = all_roles(emulator, seed)
    reader, ci = seed.token("never-used-reader"), seed.token("ci-deployer")
    assert role("WORKSPACE", seed.workspace("analytics"), "WORKSPACE_ACCESSOR") in after[reader]
    # ml-research's own org_tokens replace the default list: never-used-reader gets nothing there.
    assert not any(json.loads(r)["entityId"] == seed.workspace("ml-research") for r in after[reader]), after[reader]
    assert role("WORKSPACE", seed.workspace("ml-research"), "WORKSPACE_AUTHOR") in after[ci]
    assert {t: r for t, r in after.items() if t not in (reader, ci)} == {t: r for t, r in before.items() if t not in (reader, ci)}

    # An unknown key in the defaults fails, naming it and the closest valid key, before any request.
    declarations.write_text(yaml_text({"astro_workspace_defaults": {"exclusve": True}, "astro_workspaces": [{"workspace": "analytics"}]}))
    emulator.control.clear_log()
    bad = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), verbosity=0,
                      extra_vars={"astro_onboarding_vars_file": str(declarations), "astro_onboarding_hosts": "localhost"})
    assert bad.rc != 0
    [failed] = [r["result"]["msg"] for r in bad.results if r["status"] == "failed"]
    assert failed.startswith("workspace_onboarding_defaults: unknown key 'exclusve' (did you mean 'exclusive'?)"), failed
    assert emulator.control.requests() == []


def yaml_text(data):
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("core", [None, "2.16"])
def test_the_roles_errors_are_one_line_naming_what_is_wrong(ansible, emulator, seed, core):
    """A plan error (a Workspace that does not exist) and a module's error (the API refuses the token): each is the
    failed task's one-line message, not wrapped in templating ("Finalization of task args ...") or assert layers."""
    declarations = declaration(seed)
    declarations[1] = dict(declarations[1], workspace="analytcs")
    emulator.control.clear_log()
    run = ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                        "vars": {"workspace_onboarding_workspaces": declarations}}], core=core, verbosity=0)
    [message] = [r["result"]["msg"] for r in run.results if r["status"] == "failed"]
    assert message == ("workspace_onboarding_workspaces[1] (Workspace 'analytcs'): No Workspace is named 'analytcs'; "
                       "did you mean 'analytics'?"), message
    refused = ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                            "vars": {"workspace_onboarding_workspaces": declaration(seed)}}], core=core, verbosity=0,
                          env={"ASTRO_ORGANIZATION_ID": "clorgnotthisone0000000000"})
    [message] = [r["result"]["msg"] for r in refused.results if r["status"] == "failed"]
    assert "\n" not in message and message.startswith("deployment_info failed: Astro API GET "), message
    for run_output in (run.output, refused.output):
        assert "Finalization" not in run_output and "conditional check" not in run_output, run_output[-3000:]
    assert emulator.control.writes() == []
