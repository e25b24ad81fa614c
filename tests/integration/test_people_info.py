# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Astro CLI's team and user list commands (README, "Astro CLI → Ansible") as team_info / user_info tasks in
a real playbook against the emulator: the CLI's columns, every role of each team and user, name and e-mail look-ups
and their failures. Nothing is ever written."""

from __future__ import annotations

import re
from urllib.parse import unquote


def test_team_info_lists_like_the_cli(ansible, emulator, seed):
    """astro organization team list; astro workspace team list; astro deployment team list"""
    tasks = [
        {"name": "org teams", "astro.platform.team_info": {}},
        {"name": "workspace teams", "astro.platform.team_info": {"workspace_name": "data-platform"}},
        {"name": "deployment teams", "astro.platform.team_info": {"deployment_name": "reporting-prod", "workspace_name": "analytics"}},
        {"name": "by name", "astro.platform.team_info": {"team_name": "ml-researchers", "with_members": True}},
        {"name": "by id", "astro.platform.team_info": {"team_id": seed.team("analysts").upper(), "workspace_id": seed.workspace("analytics")}},
        {"name": "names", "astro.platform.team_info": {"names": ["analysts", "platform-admins"]}},
    ]
    run = ansible.run(tasks, check=True)
    assert run.rc == 0, run.output
    assert all(r["result"]["changed"] is False for r in run.results)
    org = run.task("org teams")["teams"]
    assert [(t["name"], t["organization_role"], t["idp_managed"]) for t in org] == [
        ("analysts", "ORGANIZATION_MEMBER", False), ("data-engineers", "ORGANIZATION_MEMBER", False),
        ("ml-researchers", "ORGANIZATION_MEMBER", True), ("platform-admins", "ORGANIZATION_OWNER", False)]
    assert all("workspace_role" not in t and "members" not in t for t in org)
    workspace = run.task("workspace teams")["teams"]
    assert [(t["name"], t["workspace_role"]) for t in workspace] == [("data-engineers", "WORKSPACE_OWNER")]
    assert [d["role"] for d in workspace[0]["deployment_roles"]] == ["DEPLOYMENT_ADMIN", "DEPLOYMENT_ADMIN"]
    assert [(t["name"], t["deployment_role"]) for t in run.task("deployment teams")["teams"]] == [("analysts", "ANALYTICS_VIEWER")]
    ml = run.task("by name")["teams"][0]
    assert ml["dag_roles"] == [dict(deployment_id=seed.deployment("training"), dag_id="train_model", dag_tag=None, role="DAG_VIEWER")]
    assert ml["members"] == [dict(id=seed.user("ada@acme.example"), email="ada@acme.example", full_name="Ada Lovelace")]
    analysts = run.task("by id")["teams"][0]
    assert analysts["id"] == seed.team("analysts") and analysts["workspace_role"] == "WORKSPACE_MEMBER"
    assert set(analysts) >= {"id", "name", "description", "organization_role", "idp_managed", "created_at",
                             "workspace_roles", "deployment_roles", "dag_roles"}
    assert [t["name"] for t in run.task("names")["teams"]] == ["analysts", "platform-admins"]
    assert emulator.control.writes() == []


def test_user_info_lists_like_the_cli(ansible, emulator, seed):
    """astro organization user list; astro workspace user list; astro deployment user list"""
    tasks = [
        {"name": "org users", "astro.platform.user_info": {}},
        {"name": "workspace users", "astro.platform.user_info": {"workspace_name": "analytics"}},
        {"name": "deployment users", "astro.platform.user_info": {"deployment_id": seed.deployment("etl-staging")}},
        {"name": "by e-mail", "astro.platform.user_info": {"email": "grace@acme.example", "workspace_name": "analytics"}},
        {"name": "by e-mail elsewhere", "astro.platform.user_info": {"email": "grace@acme.example", "workspace_name": "data-platform"}},
        {"name": "by id", "astro.platform.user_info": {"user_id": seed.user("katherine@acme.example")}},
    ]
    run = ansible.run(tasks, check=True)
    assert run.rc == 0, run.output
    org = run.task("org users")["users"]
    assert [(u["email"], u["full_name"], u["organization_role"]) for u in org] == [
        ("ada@acme.example", "Ada Lovelace", "ORGANIZATION_OWNER"), ("alan@acme.example", "Alan Turing", "ORGANIZATION_MEMBER"),
        ("grace@acme.example", "Grace Hopper", "ORGANIZATION_MEMBER"), ("katherine@acme.example", "Katherine Johnson", "ORGANIZATION_MEMBER")]
    assert [(u["email"], u["workspace_role"]) for u in run.task("workspace users")["users"]] == [("grace@acme.example", "WORKSPACE_OWNER")]
    assert [(u["email"], u["deployment_role"]) for u in run.task("deployment users")["users"]] == [("alan@acme.example", "DEPLOYMENT_ADMIN")]
    grace = run.task("by e-mail")["users"][0]
    assert grace["deployment_roles"] == [dict(deployment_id=seed.deployment("reporting-prod"), role="DEPLOYMENT_ADMIN")]
    assert grace["status"] == "ACTIVE" and grace["created_at"] == "2024-01-03T09:00:00Z"
    assert run.task("by e-mail elsewhere")["users"] == [], "a user with no role in the Workspace is not listed there"
    katherine = run.task("by id")["users"][0]
    assert (katherine["workspace_roles"], katherine["deployment_roles"], katherine["dag_roles"]) == ([], [], [])
    assert emulator.control.writes() == []


def test_a_user_not_in_the_organization_fails_naming_the_close_emails(ansible, emulator):
    run = ansible.run([{"name": "missing", "astro.platform.user_info": {"email": "grace@acme.exmaple"}}])
    result = run.task("missing")
    assert result["failed"]
    assert "No user of the Organization has the e-mail 'grace@acme.exmaple'" in result["msg"], result["msg"]
    assert "grace@acme.example" in result["msg"] and "does not invite people" in result["msg"]
    assert emulator.control.writes() == []


def test_a_team_name_that_matches_none_fails_naming_the_closest(ansible):
    run = ansible.run([{"name": "missing", "astro.platform.team_info": {"team_name": "data-engineer"}}])
    result = run.task("missing")
    assert result["failed"] and "No team is named 'data-engineer'" in result["msg"] and "data-engineers" in result["msg"], result["msg"]


def test_unknown_ids_fail_and_are_never_read_as_nobody(ansible):
    unknown = "cnosuchthing0000000000000"
    tasks = [
        {"name": "team", "astro.platform.team_info": {"team_id": unknown}, "ignore_errors": True},
        {"name": "user", "astro.platform.user_info": {"user_id": unknown}, "ignore_errors": True},
        {"name": "workspace", "astro.platform.user_info": {"workspace_id": unknown}, "ignore_errors": True},
        {"name": "deployment", "astro.platform.team_info": {"deployment_id": unknown}, "ignore_errors": True},
    ]
    run = ansible.run(tasks)
    for name in ("team", "user", "workspace", "deployment"):
        result = run.task(name)
        assert result["failed"] and unknown in result["msg"], (name, result)
    assert "404" in run.task("team")["msg"] and "404" in run.task("user")["msg"]


HOSTILE = [
    "it's \"quoted\"", "a/b", "../users", "..%2F..%2Froles", "%2F", "x?workspaceId=y", "x#fragment",
    "ünïcødé ☃", "x" * 10000, "..", " ", "",
]
# The answer a failure must give: a clear sentence, not a traceback.
CLEAR = re.compile(r"is not a valid Astro ID|is empty|answered 404: .* \[requestId: |^No [A-Za-z ]+ is named "
                   r"|^No user of the Organization has the e-mail ")


def test_hostile_values_are_literals_or_clear_errors(ansible, emulator, seed):
    cases = [("astro.platform.team_info", option) for option in ("team_id", "team_name", "workspace_name")]
    cases += [("astro.platform.user_info", option) for option in ("user_id", "email", "deployment_name")]
    tasks = [{"name": "names", "astro.platform.team_info": {"names": HOSTILE}}]
    for module, option in cases:
        tasks += [{"name": "{0} {1}".format(option, index), "ignore_errors": True, module: {option: value}}
                  for index, value in enumerate(HOSTILE)]
    run = ansible.run(tasks, verbosity=0)  # 10 000-character values make -vvv output huge; the leak check still runs
    assert run.task("names")["teams"] == []
    for module, option in cases:
        for index, value in enumerate(HOSTILE):
            result = run.task("{0} {1}".format(option, index))
            assert result["failed"], "{0}={1!r} was accepted".format(option, value[:50])
            assert CLEAR.search(result["msg"]), "{0}={1!r}: unclear {2!r}".format(option, value[:50], result["msg"][:300])
            assert len(result["msg"]) < 11000

    org_prefix = "/v1/organizations/{0}/".format(seed.organization)
    for request in emulator.control.requests():
        assert request["operationId"] in ("GetTeam", "ListTeams", "GetUser", "ListUsers", "ListWorkspaces", "ListDeployments"), \
            request["raw_path"][:200]
        assert request["path"].startswith(org_prefix), request["raw_path"][:200]
        if request["operationId"] in ("GetTeam", "GetUser"):
            segments = request["raw_path"].split("?")[0][len(org_prefix):].split("/")
            # IDs are lower-cased before use, as the Astro CLI does; each stays one path segment.
            assert segments[0] in ("teams", "users") and len(segments) == 2 and unquote(segments[1]) in {h.lower() for h in HOSTILE}
    assert emulator.control.writes() == []


def test_a_workspace_owner_token_lists_the_people_of_its_own_workspace(ansible, emulator, seed):
    """As for tokens (assumed, SEMANTICS.md): its own Workspace's teams and users; the Organization's answer 403."""
    tasks = [
        {"name": "own teams", "astro.platform.team_info": {"workspace_name": "data-platform"}},
        {"name": "own users", "astro.platform.user_info": {"workspace_id": seed.workspace("data-platform")}},
        {"name": "every user", "astro.platform.user_info": {}, "ignore_errors": True},
    ]
    run = ansible.run(tasks, env={"ASTRO_API_TOKEN": seed.secret("data-platform-owner")})
    assert [t["name"] for t in run.task("own teams")["teams"]] == ["data-engineers"]
    assert [(u["email"], u["workspace_role"]) for u in run.task("own users")["users"]] == [("alan@acme.example", "WORKSPACE_AUTHOR")]
    denied = run.task("every user")
    assert denied["failed"] and "403" in denied["msg"] and "may list only the users of its own Workspace" in denied["msg"], denied["msg"]
    assert emulator.control.writes() == []
