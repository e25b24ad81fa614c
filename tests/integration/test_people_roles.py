# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Astro CLI's team and user role commands (README, "Astro CLI → Ansible") as team_roles / user_roles tasks in
real playbooks against the emulator.

Each command is three tasks of one playbook run with --diff: in check mode (changed predicted, nothing written),
for real (exactly the listed roles change, every other role of the set is kept, one write, the diff names what
changed), and again (changed false, no write). The writes of a whole run are then exactly one per command, so
neither a check-mode task nor a re-run wrote. Refusals happen before anything is written.
"""

from __future__ import annotations

import pytest
from playbook_runner import refused as refused_tasks


def subject_of(emulator, kind, subject_id):
    """The team or user as the emulator holds it (its whole role set)."""
    return next(s for s in emulator.control.state()[kind + "s"] if s["id"] == subject_id)


def role_set(subject):
    return {key: subject.get(key) or ([] if key != "organizationRole" else None)
            for key in ("organizationRole", "workspaceRoles", "deploymentRoles", "dagRoles")}


def held(subject, entity_type, entity_id):
    entries, id_key = ((subject.get("workspaceRoles"), "workspaceId") if entity_type == "WORKSPACE"
                       else (subject.get("deploymentRoles"), "deploymentId"))
    return next((e["role"] for e in entries or [] if e[id_key] == entity_id), None)


def commands_in_one_run(ansible, emulator, module, kind, subject_id, commands):
    """Run each (CLI command, module arguments, (entity_type, entity_id, role before, role after)) as check mode,
    change and re-run in ONE playbook; assert each step; return the run."""
    tasks = []
    for command, arguments, change in commands:
        tasks += [{"name": command + " (check mode)", module: arguments, "check_mode": True},
                  {"name": command, module: arguments},
                  {"name": command + " (again)", module: arguments}]
    before = role_set(subject_of(emulator, kind, subject_id))
    emulator.control.clear_log()
    run = ansible.run(tasks, diff=True)
    assert run.rc == 0, run.output
    names = {item["id"]: item["name"] for item in emulator.control.state()["workspaces"] + emulator.control.state()["deployments"]}
    for command, arguments, (entity_type, entity_id, role_before, role_after) in commands:
        predicted, real, again = (run.task(command + suffix) for suffix in (" (check mode)", "", " (again)"))
        for result in (predicted, real):
            assert result["changed"] is True, (command, result)
            assert [(c["entity_type"], c["entity_id"], c["entity_name"], c["role_before"], c["role_after"], c[kind + "_id"])
                    for c in result["roles_changed"]] == [(entity_type, entity_id, names[entity_id], role_before, role_after, subject_id)]
        assert predicted["attempts"] == 0 and real["attempts"] == 1
        assert predicted[kind] == real[kind], "check mode predicted another role set"
        # The diff names the entity beside its ID, and shows only the role that changed.
        line = "{0} {1} ({2}): ".format(entity_type, names[entity_id], entity_id)
        assert (line + role_after if role_after else line + role_before) in (real["diff"]["after"] if role_after else real["diff"]["before"])
        assert not role_before or line + role_before in real["diff"]["before"]
        assert real["diff"]["after_header"].startswith("roles of {0} ".format(kind)) and subject_id in real["diff"]["after_header"]
        assert again["changed"] is False and again["roles_changed"] == [] and again["attempts"] == 0
    writes = emulator.control.writes()
    operation = "UpdateTeamRoles" if kind == "team" else "UpdateUserRoles"
    assert [(w["method"], w["operationId"]) for w in writes] == [("POST", operation)] * len(commands), \
        "one write per command: a check-mode task or a re-run wrote"
    assert all(subject_id in w["path"] for w in writes)
    after = role_set(subject_of(emulator, kind, subject_id))
    assert after["organizationRole"] == before["organizationRole"], "the Organization role was not kept"
    assert after["dagRoles"] == before["dagRoles"], "the DAG roles were not kept"
    return run


def test_workspace_team_add_update_remove(ansible, emulator, seed):
    """astro workspace team add / update / remove"""
    team, analytics = seed.team("platform-admins"), seed.workspace("analytics")
    entry = {"workspace_name": "analytics"}
    run = commands_in_one_run(ansible, emulator, "astro.platform.team_roles", "team", team, [
        ("astro workspace team add", {"team_name": "platform-admins", "workspace_roles": [dict(entry, role="WORKSPACE_MEMBER")]},
         ("WORKSPACE", analytics, None, "WORKSPACE_MEMBER")),
        ("astro workspace team update", {"team_id": team, "workspace_roles": [dict(entry, role="WORKSPACE_OPERATOR")]},
         ("WORKSPACE", analytics, "WORKSPACE_MEMBER", "WORKSPACE_OPERATOR")),
        ("astro workspace team remove", {"team_name": "platform-admins", "workspace_roles": [dict(entry, state="absent")]},
         ("WORKSPACE", analytics, "WORKSPACE_OPERATOR", None)),
    ])
    assert "+WORKSPACE analytics ({0}): WORKSPACE_MEMBER".format(analytics) in run.stdout
    assert "-WORKSPACE analytics ({0}): WORKSPACE_MEMBER".format(analytics) in run.stdout
    assert "roles of team platform-admins ({0})".format(team) in run.stdout
    assert role_set(subject_of(emulator, "team", team))["workspaceRoles"] == []


def test_deployment_team_add_update_remove(ansible, emulator, seed):
    """astro deployment team add / update / remove: analysts hold a Workspace role in analytics already."""
    team, reporting_dev = seed.team("analysts"), seed.deployment("reporting-dev")
    entry = {"deployment_name": "reporting-dev", "workspace_name": "analytics"}
    before = subject_of(emulator, "team", team)
    commands_in_one_run(ansible, emulator, "astro.platform.team_roles", "team", team, [
        ("astro deployment team add", {"team_name": "analysts", "deployment_roles": [dict(entry, role="DEPLOYMENT_ADMIN")]},
         ("DEPLOYMENT", reporting_dev, None, "DEPLOYMENT_ADMIN")),
        ("astro deployment team update", {"team_name": "analysts", "deployment_roles": [dict(entry, role="ANALYTICS_VIEWER")]},
         ("DEPLOYMENT", reporting_dev, "DEPLOYMENT_ADMIN", "ANALYTICS_VIEWER")),
        ("astro deployment team remove", {"team_id": team.upper(), "deployment_roles": [{"deployment_id": reporting_dev, "state": "absent"}]},
         ("DEPLOYMENT", reporting_dev, "ANALYTICS_VIEWER", None)),
    ])
    assert role_set(subject_of(emulator, "team", team)) == role_set(before)


def test_workspace_user_add_update_remove(ansible, emulator, seed):
    """astro workspace user add / update / remove [email]"""
    user, data_platform = seed.user("katherine@acme.example"), seed.workspace("data-platform")
    run = commands_in_one_run(ansible, emulator, "astro.platform.user_roles", "user", user, [
        ("astro workspace user add", {"email": "katherine@acme.example",
                                      "workspace_roles": [{"workspace_name": "data-platform", "role": "WORKSPACE_MEMBER"}]},
         ("WORKSPACE", data_platform, None, "WORKSPACE_MEMBER")),
        ("astro workspace user update", {"email": "katherine@acme.example",
                                         "workspace_roles": [{"workspace_id": data_platform, "role": "WORKSPACE_AUTHOR"}]},
         ("WORKSPACE", data_platform, "WORKSPACE_MEMBER", "WORKSPACE_AUTHOR")),
        ("astro workspace user remove", {"user_id": user, "workspace_roles": [{"workspace_name": "data-platform", "state": "absent"}]},
         ("WORKSPACE", data_platform, "WORKSPACE_AUTHOR", None)),
    ])
    assert "roles of user katherine@acme.example ({0})".format(user) in run.stdout
    assert run.task("astro workspace user add")["user"]["email"] == "katherine@acme.example"
    assert run.task("astro workspace user add")["user"]["workspace_roles"] == [dict(workspace_id=data_platform, role="WORKSPACE_MEMBER")]


def test_deployment_user_add_update_remove(ansible, emulator, seed):
    """astro deployment user add / update / remove [email]: grace owns analytics already."""
    user, reporting_dev = seed.user("grace@acme.example"), seed.deployment("reporting-dev")
    before = subject_of(emulator, "user", user)
    entry = {"deployment_name": "reporting-dev"}
    commands_in_one_run(ansible, emulator, "astro.platform.user_roles", "user", user, [
        ("astro deployment user add", {"email": "grace@acme.example", "deployment_roles": [dict(entry, role="DEPLOYMENT_ADMIN")]},
         ("DEPLOYMENT", reporting_dev, None, "DEPLOYMENT_ADMIN")),
        ("astro deployment user update", {"email": "grace@acme.example",
                                          "deployment_roles": [dict(entry, workspace_name="analytics", role="ANALYTICS_VIEWER")]},
         ("DEPLOYMENT", reporting_dev, "DEPLOYMENT_ADMIN", "ANALYTICS_VIEWER")),
        ("astro deployment user remove", {"email": "grace@acme.example", "deployment_roles": [dict(entry, state="absent")]},
         ("DEPLOYMENT", reporting_dev, "ANALYTICS_VIEWER", None)),
    ])
    assert role_set(subject_of(emulator, "user", user)) == role_set(before)


def test_a_teams_dag_role_and_organization_role_survive_an_edit_of_its_workspace_role(ansible, emulator, seed):
    """The CLI's writes drop a subject's DAG roles (SEMANTICS.md): ours carry them, and the Organization role."""
    team, ml_research = seed.team("ml-researchers"), seed.workspace("ml-research")
    before = subject_of(emulator, "team", team)
    assert before["dagRoles"] and before["deploymentRoles"]
    emulator.control.clear_log()
    run = ansible.run([{"name": "edit", "astro.platform.team_roles": {
        "team_name": "ml-researchers", "workspace_roles": [{"workspace_id": ml_research, "role": "WORKSPACE_MEMBER"}]}}])
    assert run.rc == 0, run.output
    after = subject_of(emulator, "team", team)
    assert held(after, "WORKSPACE", ml_research) == "WORKSPACE_MEMBER"
    assert after["dagRoles"] == before["dagRoles"] and after["deploymentRoles"] == before["deploymentRoles"]
    assert after["organizationRole"] == before["organizationRole"] == "ORGANIZATION_MEMBER"
    (write,) = emulator.control.writes()
    assert write["body"]["dagRoles"] == before["dagRoles"] and write["body"]["organizationRole"] == "ORGANIZATION_MEMBER"
    assert run.task("edit")["team"]["dag_roles"] == [dict(deployment_id=seed.deployment("training"), dag_id="train_model",
                                                          dag_tag=None, role="DAG_VIEWER")]


def test_organization_role_is_changed_only_when_given(ansible, emulator, seed):
    user = seed.user("katherine@acme.example")
    run = ansible.run([{"name": "org role", "astro.platform.user_roles": {
        "email": "katherine@acme.example", "organization_role": "ORGANIZATION_OBSERVE_MEMBER"}}])
    assert run.rc == 0, run.output
    assert subject_of(emulator, "user", user)["organizationRole"] == "ORGANIZATION_OBSERVE_MEMBER"
    assert [(c["entity_type"], c["role_before"], c["role_after"]) for c in run.task("org role")["roles_changed"]] == [
        ("ORGANIZATION", "ORGANIZATION_MEMBER", "ORGANIZATION_OBSERVE_MEMBER")]


def refused(ansible, emulator, tasks):
    """playbook_runner.refused, the teams' and users' role sets unchanged."""
    return refused_tasks(ansible, emulator, tasks, lambda e: (e.control.state()["teams"], e.control.state()["users"]))


def test_an_email_not_in_the_organization_fails_naming_the_close_ones_before_any_write(ansible, emulator):
    messages = refused(ansible, emulator, [{"name": "missing", "astro.platform.user_roles": {
        "email": "grace@acme.exmaple", "workspace_roles": [{"workspace_name": "analytics", "role": "WORKSPACE_MEMBER"}]}}])
    assert "No user of the Organization has the e-mail 'grace@acme.exmaple'" in messages["missing"], messages
    assert "grace@acme.example" in messages["missing"] and "does not invite people" in messages["missing"]


@pytest.mark.parametrize("module, subject", [("astro.platform.user_roles", {"email": "katherine@acme.example"}),
                                             ("astro.platform.team_roles", {"team_name": "platform-admins"})])
def test_a_deployment_role_without_a_workspace_role_fails_before_any_write(ansible, emulator, seed, module, subject):
    etl_prod, data_platform = seed.deployment("etl-prod"), seed.workspace("data-platform")
    tasks = [
        {"name": "deployment only", module: dict(subject, deployment_roles=[{"deployment_name": "etl-prod", "role": "DEPLOYMENT_ADMIN"}])},
        {"name": "check mode too", "check_mode": True,
         module: dict(subject, deployment_roles=[{"deployment_id": etl_prod, "role": "DEPLOYMENT_ADMIN"}], check_entities=False)},
    ]
    for message in refused(ansible, emulator, tasks).values():
        assert "etl-prod ({0})".format(etl_prod) in message and "data-platform ({0})".format(data_platform) in message, message
        assert "needs a Workspace role" in message and "Nothing was written" in message, message


def test_removing_the_workspace_role_under_a_deployment_role_fails_and_both_together_pass(ansible, emulator, seed):
    user = seed.user("grace@acme.example")
    messages = refused(ansible, emulator, [{"name": "workspace only", "astro.platform.user_roles": {
        "email": "grace@acme.example", "workspace_roles": [{"workspace_name": "analytics", "state": "absent"}]}}])
    assert "reporting-prod" in messages["workspace only"] and "needs a Workspace role" in messages["workspace only"]
    run = ansible.run([{"name": "both", "astro.platform.user_roles": {
        "email": "grace@acme.example", "workspace_roles": [{"workspace_name": "analytics", "state": "absent"}],
        "deployment_roles": [{"deployment_name": "reporting-prod", "state": "absent"}]}}])
    assert run.rc == 0, run.output
    grace = subject_of(emulator, "user", user)
    assert (grace["workspaceRoles"], grace["deploymentRoles"], grace["organizationRole"]) == ([], [], "ORGANIZATION_MEMBER")


def test_a_new_workspace_role_in_the_same_task_lets_a_deployment_role_in(ansible, emulator, seed):
    user, etl_prod, data_platform = seed.user("katherine@acme.example"), seed.deployment("etl-prod"), seed.workspace("data-platform")
    run = ansible.run([{"name": "both", "astro.platform.user_roles": {
        "email": "katherine@acme.example", "workspace_roles": [{"workspace_id": data_platform, "role": "WORKSPACE_ACCESSOR"}],
        "deployment_roles": [{"deployment_id": etl_prod, "role": "DEPLOYMENT_ADMIN"}]}}])
    assert run.rc == 0, run.output
    katherine = subject_of(emulator, "user", user)
    assert held(katherine, "WORKSPACE", data_platform) == "WORKSPACE_ACCESSOR" and held(katherine, "DEPLOYMENT", etl_prod) == "DEPLOYMENT_ADMIN"
    assert len(emulator.control.writes()) == 1


def test_a_403_on_a_team_or_user_says_what_teams_and_users_need_not_what_tokens_need(ansible, emulator, seed):
    """The caller's token comes from the environment: a literal in the playbook would be shown by ansible-core's
    error context (the lines around the failed task), which is not the module's doing."""
    cases = [
        ("org-member-readonly", {"name": "write", "astro.platform.team_roles": {
            "team_name": "analysts", "workspace_roles": [{"workspace_name": "ml-research", "role": "WORKSPACE_MEMBER"}]}}),
        ("data-platform-owner", {"name": "read", "astro.platform.user_info": {"user_id": seed.user("grace@acme.example")}}),
    ]
    for caller, task in cases:
        run = ansible.run([task], env={"ASTRO_API_TOKEN": seed.secret(caller)})
        result = run.task(task["name"])
        assert result["failed"] and result["status"] == 403, result
        assert "the roles of teams and users are changed only with an Organization API token with ORGANIZATION_OWNER" in result["msg"]
        assert "Organization API tokens are managed with" not in result["msg"], result["msg"]
    assert [w for w in emulator.control.writes() if w["status"] < 400] == []
