# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.astro.platform.plugins.filter.onboarding_changes import onboarding_changes, role_line, token_line

WORKSPACES = {"cwa": "analytics", "cwb": "billing"}
DEPLOYMENTS = {"cd1": "etl"}
GIVEN = {"entity_type": "WORKSPACE", "entity_id": "cwa", "entity_name": None, "role_before": None, "role_after": "WORKSPACE_OPERATOR",
         "workspace_id": "cwa", "workspace_name": None, "token_id": "ct1", "token_name": "ci-deployer"}
CHANGED = dict(GIVEN, entity_type="DEPLOYMENT", entity_id="cd1", role_before="DEPLOYMENT_ADMIN", role_after="DAG_RUNNER")
REMOVED = dict(GIVEN, role_before="WORKSPACE_MEMBER", role_after=None, token_name="old-reader")
CREATED = {"name": "analytics-ci", "scope": "workspace", "workspace_id": "CWA", "secret_file": "/secure/analytics-ci.token",
           "actions": ["create"]}


def test_changes_are_gathered_by_workspace_with_the_names_the_plan_found():
    by_workspace = onboarding_changes([{"roles_changed": [GIVEN]}, {"failed": True}, {"roles_changed": [REMOVED]}],
                                      {"cwa": "analytics", "CWB": "billing"}, DEPLOYMENTS, token_changes=[CREATED])
    assert list(by_workspace) == ["cwa", "cwb"], "every Workspace acted on has a key, by lower-case ID"
    assert by_workspace["cwb"] == []
    assert [line.split(":")[0] for line in by_workspace["cwa"]] == ["token analytics-ci (workspace)", "ci-deployer", "old-reader"]
    assert GIVEN["entity_name"] is None, "the results are not changed in place"


def test_each_change_is_one_line_naming_token_entity_and_roles():
    by_workspace = onboarding_changes([{"roles_changed": [GIVEN, CHANGED, REMOVED]}], WORKSPACES, DEPLOYMENTS, token_changes=[CREATED])
    assert by_workspace == {"cwb": [], "cwa": [
        "token analytics-ci (workspace): create; new secret in /secure/analytics-ci.token",
        "ci-deployer: +WORKSPACE analytics (cwa): WORKSPACE_OPERATOR",
        "ci-deployer: +DEPLOYMENT etl (cd1) in analytics: DAG_RUNNER (was DEPLOYMENT_ADMIN)",
        "old-reader: -WORKSPACE analytics (cwa): WORKSPACE_MEMBER",
    ]}


def test_a_name_that_would_break_the_line_is_shown_quoted():
    line = role_line(dict(GIVEN, entity_name="two\nlines", token_name="tab\there"))
    assert "\n" not in line and "\t" not in line and "'two\\nlines' (cwa)" in line, line


def test_an_update_without_a_new_secret_names_no_file():
    assert token_line(dict(CREATED, actions=["update", "role"])) == "token analytics-ci (workspace): update, role"
