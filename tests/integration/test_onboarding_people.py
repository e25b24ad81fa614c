# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Teams and users in the onboarding declarations, beside tokens, through playbooks/onboard_workspaces.yml on localhost:
one run converges, a re-run writes nothing, exclusive takes the undeclared people's roles in its Workspace only, and a
misspelled team or an unknown e-mail fails before any write."""

from __future__ import annotations

import copy
import json

from harness.cores import OLDEST_CORE
from test_hostile_api_data import attack
from test_onboarding import EDIT_TASK, REPORT_TASK, all_roles, role_task
from test_onboarding_plan_checks import onboard

# The writes of the people's roles, as the emulator's request log names them.
PEOPLE_WRITES = {"UpdateTeamRoles", "UpdateUserRoles"}


def people_roles(emulator):
    """{subject ID: (Organization role, {Workspace ID: role}, {Deployment ID: role}, DAG roles)} of every team and user."""
    state = emulator.control.state()
    return {s["id"]: (s.get("organizationRole"), {r["workspaceId"]: r["role"] for r in s.get("workspaceRoles") or []},
                      {r["deploymentId"]: r["role"] for r in s.get("deploymentRoles") or []}, s.get("dagRoles") or [])
            for s in state["teams"] + state["users"]}


def declaration(seed):
    """Tokens, teams and users in the three Workspaces of the demo organization."""
    return [
        {"workspace": "data-platform",
         "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"}],
         "teams": [{"team": "data-engineers", "role": "WORKSPACE_OWNER", "deployment_role": "DEPLOYMENT_ADMIN", "deployments": "all"}],
         "users": [{"email": "katherine@acme.example", "role": "WORKSPACE_AUTHOR", "deployment_role": "DEPLOYMENT_ADMIN",
                    "deployments": ["etl-staging"]}]},
        {"workspace": "analytics",
         "teams": [{"team": "analysts", "role": "WORKSPACE_AUTHOR"}],
         "users": [{"email": "katherine@acme.example", "role": "WORKSPACE_MEMBER"}]},
        {"workspace_id": seed.workspace("ml-research"),
         "teams": [{"team_id": seed.team("platform-admins").upper(), "role": "WORKSPACE_OPERATOR", "deployment_role": "DAG_RUNNER",
                    "deployments": ["training"]}]},
    ]


def expected_people(before, seed):
    after = {subject: (org, dict(workspaces), dict(deployments), dags) for subject, (org, workspaces, deployments, dags) in before.items()}
    katherine, analysts, admins = seed.user("katherine@acme.example"), seed.team("analysts"), seed.team("platform-admins")
    after[katherine][1].update({seed.workspace("data-platform"): "WORKSPACE_AUTHOR", seed.workspace("analytics"): "WORKSPACE_MEMBER"})
    after[katherine][2][seed.deployment("etl-staging")] = "DEPLOYMENT_ADMIN"
    after[analysts][1][seed.workspace("analytics")] = "WORKSPACE_AUTHOR"
    after[admins][1][seed.workspace("ml-research")] = "WORKSPACE_OPERATOR"
    after[admins][2][seed.deployment("training")] = "DAG_RUNNER"
    return after


def people_writes(emulator):
    return [r for r in emulator.control.writes() if r.get("operationId") in PEOPLE_WRITES]


def test_tokens_teams_and_users_converge_in_one_run_and_a_rerun_changes_nothing(ansible, emulator, seed, installed_collection):
    declarations = declaration(seed)
    before, tokens_before = people_roles(emulator), all_roles(emulator, seed)

    emulator.control.clear_log()
    checked = onboard(ansible, installed_collection, declarations, check=True)
    assert checked.rc == 0, checked.output[-3000:]
    assert emulator.control.writes() == [], "check mode wrote"
    assert people_roles(emulator) == before
    predicted = sorted(line for r in checked.results if r["task"] == REPORT_TASK for line in r["result"]["changes"])

    emulator.control.clear_log()
    real = onboard(ansible, installed_collection, declarations, diff=True)
    assert real.rc == 0, real.output[-3000:]
    assert people_roles(emulator) == expected_people(before, seed)
    assert all_roles(emulator, seed)[seed.token("ci-deployer")] != tokens_before[seed.token("ci-deployer")], "the token's role"
    # One verified write per subject that changes, for all its Workspaces: katherine, analysts, platform-admins (not
    # data-engineers, which held its declared roles already); its DAG role and Organization role kept as they were.
    assert len(people_writes(emulator)) == 3, emulator.control.counts()
    lines = [line for r in real.results if r["task"] == REPORT_TASK for line in r["result"]["changes"]]
    katherine = "user katherine@acme.example ({0})".format(seed.user("katherine@acme.example"))
    assert "{0}: +WORKSPACE analytics ({1}): WORKSPACE_MEMBER".format(katherine, seed.workspace("analytics")) in lines, lines
    assert "{0}: +DEPLOYMENT etl-staging ({1}) in data-platform: DEPLOYMENT_ADMIN".format(
        katherine, seed.deployment("etl-staging")) in lines, lines
    assert "team analysts ({0}): +WORKSPACE analytics ({1}): WORKSPACE_AUTHOR (was WORKSPACE_MEMBER)".format(
        seed.team("analysts"), seed.workspace("analytics")) in lines, lines
    assert "team platform-admins ({0}): +DEPLOYMENT training ({1}) in ml-research: DAG_RUNNER".format(
        seed.team("platform-admins"), seed.deployment("training")) in lines, lines
    assert predicted == sorted(lines), "check mode predicted other changes than the run made"
    edits = {r["subject"]: r["module"] for r in role_task(real, EDIT_TASK)["people_results"]}
    assert edits[katherine] == "user_roles" and edits["team data-engineers ({0})".format(seed.team("data-engineers"))] == "team_roles"

    emulator.control.clear_log()
    again = onboard(ansible, installed_collection, declarations)
    assert again.rc == 0, again.output[-3000:]
    assert again.changed_tasks == [], again.changed_tasks
    assert emulator.control.writes() == []


def test_exclusive_takes_the_undeclared_peoples_roles_in_its_workspace_only(ansible, emulator, seed, installed_collection):
    """data-platform exclusive with users: [] and only data-engineers' Workspace role declared: alan loses his roles
    there, data-engineers its Deployment roles; the tokens and the people of the other Workspaces keep theirs."""
    before = people_roles(emulator)
    declarations = [{"workspace": "data-platform", "exclusive": True, "users": [],
                     "teams": [{"team": "data-engineers", "role": "WORKSPACE_OWNER"}],
                     "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_AUTHOR"}],
                     "deployment_tokens": [{"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl-prod"]},
                                           {"token": "data-platform-ci", "role": "DAG_RUNNER", "deployments": ["etl-staging"]}]}]
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, declarations)
    assert run.rc == 0, run.output[-3000:]
    after = people_roles(emulator)
    alan, engineers = seed.user("alan@acme.example"), seed.team("data-engineers")
    assert after[alan][1:3] == ({}, {}), after[alan]
    assert after[engineers][1:3] == ({seed.workspace("data-platform"): "WORKSPACE_OWNER"}, {}), after[engineers]
    assert {s: r for s, r in after.items() if s not in (alan, engineers)} == {s: r for s, r in before.items() if s not in (alan, engineers)}
    [summary] = [item["msg"] for item in role_task(run, "Show the undeclared roles removed from exclusive Workspaces (in check mode, "
                                                        "those that would be)")["results"]]
    assert "user alan@acme.example ({0}): WORKSPACE_AUTHOR".format(alan) in summary["workspace_roles"], summary
    assert "team data-engineers ({0}): DEPLOYMENT_ADMIN: etl-prod".format(engineers) in summary["deployment_roles"], summary


def test_a_misspelled_team_or_an_unknown_e_mail_fails_before_any_write(ansible, emulator, seed, installed_collection):
    for option, entry, message in [
        ("teams", {"team": "data-enginers", "role": "WORKSPACE_OWNER"},
         "teams[0] (team 'data-enginers'): No team is named 'data-enginers'; did you mean 'data-engineers'?"),
        ("users", {"email": "grace@acme.exmple", "role": "WORKSPACE_MEMBER"},
         "users[0] (user 'grace@acme.exmple'): No user of the Organization has the e-mail 'grace@acme.exmple'; did you mean "
         "'grace@acme.example'"),
    ]:
        declarations = declaration(seed)
        declarations[-1][option] = [entry]  # the last Workspace's: the tokens and people before it would be written first
        emulator.control.clear_log()
        run = onboard(ansible, installed_collection, declarations)
        assert run.rc != 0, run.output[-3000:]
        assert "workspace_onboarding_workspaces[2] (Workspace {0!r}) {1}".format(seed.workspace("ml-research"), message) in run.output, \
            run.output[-3000:]
        assert emulator.control.writes() == [], "something was written before the bad name was found"
        assert {r["operationId"] for r in emulator.control.requests()} <= {"ListWorkspaces", "ListDeployments", "ListApiTokens",
                                                                        "ListRoles", "ListTeams", "ListUsers"}
    assert role_task(run, EDIT_TASK)["failed"]


def test_hostile_team_names_and_e_mails_stay_data_in_the_onboarding_and_the_audit(ansible, emulator, demo_seed, seed,
                                                                                 installed_collection, tmp_path):
    """A team name and a user e-mail (from the API, which an identity provider may set) that would run a command if
    templated, or forge a line: the onboarding on the oldest core (no trust model) and the audit keep them data, the
    change lines and reports show them escaped."""
    markers = tmp_path / "markers"
    markers.mkdir()
    hostile = copy.deepcopy(demo_seed)
    team = next(t for t in hostile["teams"] if t["name"] == "analysts")
    team["name"] = "bi\n+WORKSPACE x: WORKSPACE_OWNER" + attack(markers, "team-name")
    user = next(u for u in hostile["users"] if u["username"] == "katherine@acme.example")
    user["username"] = "kj\x1b[2K" + attack(markers, "user-email") + "@acme.example"
    emulator.control.reset(hostile)
    declarations = [{"workspace": "analytics", "teams": [{"team_id": team["id"], "role": "WORKSPACE_AUTHOR"}],
                     "users": [{"user_id": user["id"], "role": "WORKSPACE_MEMBER"}]}]  # the hostile text is the API's
    run = onboard(ansible, installed_collection, declarations, core=OLDEST_CORE, verbosity=1)
    assert run.rc == 0, run.output[-3000:]
    reports = tmp_path / "reports"
    audit = ansible.run(playbook=installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_audit.yml",
                        extra_vars={"astro_audit_dir": str(reports)}, core=OLDEST_CORE, verbosity=0)
    assert audit.rc == 0, audit.output[-3000:]
    assert sorted(p.name for p in markers.iterdir()) == [], "a name was templated"
    assert "\x1b" not in run.output + audit.output
    assert not [line for line in run.stdout.splitlines() + audit.stdout.splitlines() if line.lstrip(' "').startswith("+WORKSPACE x")]
    lines = [line for r in run.results if r["task"] == REPORT_TASK for line in r["result"]["changes"]]
    assert any(line.startswith("team bi\\u000a+WORKSPACE x: WORKSPACE_OWNER{{") for line in lines), lines
    assert any(line.startswith("user kj\\u001b[2K{{") for line in lines), lines
    access = json.loads((reports / "token_audit.json").read_text())["access"]
    assert team["name"] in {row["subject"] for row in access}, "the report's data is the name as the API gave it"
    assert "bi\\u000a+WORKSPACE x" in (reports / "token_audit.md").read_text()


def test_a_people_write_that_fails_says_which_subjects_changed(ansible, emulator, seed, installed_collection):
    """The first team write is refused: the other subjects are still written, and one message names what failed and
    what changed, so a re-run after the cause is fixed finishes the job."""
    emulator.control.set_faults(fail_next={"status": 400, "count": 1, "operations": ["UpdateTeamRoles"], "message": "refused"})
    run = onboard(ansible, installed_collection, declaration(seed))
    assert run.rc != 0, run.output[-3000:]
    message = role_task(run, EDIT_TASK)["msg"]
    assert message.startswith("Writing the roles failed for team analysts ({0}): ".format(seed.team("analysts"))), message
    changed = message.split("Already changed: ")[1].split(". Not changed:")[0]
    assert "ci-deployer: " in changed and "user katherine@acme.example ({0}): ".format(seed.user("katherine@acme.example")) in changed
    assert "team platform-admins ({0}): ".format(seed.team("platform-admins")) in changed, message
    assert "refused" in message
    emulator.control.clear_faults()
    again = onboard(ansible, installed_collection, declaration(seed))
    assert again.rc == 0, again.output[-3000:]
    assert [w["operationId"] for w in emulator.control.writes()][-1:] == ["UpdateTeamRoles"], "the re-run writes the refused team"
