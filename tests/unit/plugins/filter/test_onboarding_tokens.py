# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The declared Workspace and Deployment tokens: what to create or check, the static checks, and the check-mode plan."""

from __future__ import annotations

import pytest

from ansible_collections.astro.platform.plugins.filter.onboarding_plan import onboarding_plan
from ansible_collections.astro.platform.plugins.filter.onboarding_tokens import onboarding_tokens

LOOKUP = {
    "workspaces": [{"id": "cw1", "name": "data"}, {"id": "cw2", "name": "analytics"}],
    "deployments": [{"id": "cd1", "name": "etl", "workspace_id": "cw1"}, {"id": "cd2", "name": "staging", "workspace_id": "cw1"}],
}


def listed(token_id, name, scope, entity_id, role, description="", created_at="2099-01-01T00:00:00Z", expiry=None):
    """A token as token_info lists it."""
    return dict(id=token_id, name=name, scope=scope, description=description, created_at=created_at, expiry=expiry,
                roles=[dict(entityType=scope, entityId=entity_id, role=role)])


def declared(**extra):
    return [dict({"workspace": "data",
                  "workspace_tokens": [{"name": "data-ci", "role": "WORKSPACE_OPERATOR", "secret_file": "/s/data-ci"}],
                  "deployment_own_tokens": [{"deployment": "etl", "name": "etl-bot", "role": "DEPLOYMENT_ADMIN",
                                             "secret_file": "/s/etl-bot"}]}, **extra)]


def test_missing_tokens_are_created_and_existing_unchanged_ones_cost_nothing():
    plan = onboarding_tokens(declared(), LOOKUP, [])
    assert [(c["name"], c["scope"], c.get("workspace_id"), c.get("deployment_id")) for c in plan["changes"]] == [
        ("data-ci", "workspace", "cw1", None), ("etl-bot", "deployment", "cw1", "cd1")]
    assert plan["new_tokens"] == [{"name": "data-ci", "workspace_id": "cw1"}] and plan["problems"] == []

    tokens = [listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), listed("ct2", "etl-bot", "DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")]
    assert onboarding_tokens(declared(), LOOKUP, tokens) == {"changes": [], "new_tokens": [], "problems": []}


@pytest.mark.parametrize("entry, token", [
    ({"role": "WORKSPACE_AUTHOR"}, {}),
    ({"description": "new"}, {}),
    ({"expiry_days": 30}, {}),
    ({"rotate_after_days": 10}, {"created_at": "2000-01-01T00:00:00Z"}),
])
def test_a_token_that_may_need_a_change_goes_to_api_token(entry, token):
    declarations = declared()
    declarations[0]["workspace_tokens"][0].update(entry)
    tokens = [dict(listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), **token),
              listed("ct2", "etl-bot", "DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")]
    plan = onboarding_tokens(declarations, LOOKUP, tokens)
    assert [c["name"] for c in plan["changes"]] == ["data-ci"] and plan["new_tokens"] == []


def test_a_new_token_without_secret_file_and_an_ambiguous_name_are_problems():
    declarations = declared()
    del declarations[0]["deployment_own_tokens"][0]["secret_file"]
    tokens = [listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), listed("ct9", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR")]
    problems = onboarding_tokens(declarations, LOOKUP, tokens)["problems"]
    assert problems[0].startswith("workspace_onboarding_workspaces[0] (Workspace 'data') workspace_tokens[0] (token 'data-ci'): 2 tokens")
    assert "ct1, ct9" in problems[0]
    assert problems[1].startswith("workspace_onboarding_workspaces[0] (Workspace 'data') deployment_own_tokens[0] (token 'etl-bot'): "
                                  "the token does not exist yet") and "set secret_file" in problems[1]


def test_absent_declarations_create_nothing():
    assert onboarding_tokens(declared(state="absent"), LOOKUP, [])["changes"] == []
    assert onboarding_tokens(declared(), LOOKUP, [], state="absent")["changes"] == []


@pytest.mark.parametrize("change, message", [
    ({"role": "DEPLOYMENT_ADMIN"}, "workspace_tokens[0] (token 'data-ci'): role 'DEPLOYMENT_ADMIN' is not valid; valid: WORKSPACE_OWNER"),
    ({"name": ""}, "workspace_tokens[0] (token ''): name is required"),
    ({"expiry_days": 4000}, "expiry_days 4000 is not valid; it must be a whole number of days, 1 to 3650."),
    ({"rotate_after_days": 0}, "rotate_after_days 0 is not valid; it must be a whole number of days, 1 or more."),
    ({"rotate_after_days": 5, "secret_file": None}, "rotate_after_days needs secret_file"),
    ({"secretfile": "/x"}, "unknown key(s) secretfile; valid: name, role"),
])
def test_a_malformed_token_entry_is_named_before_any_lookup(change, message):
    declarations = declared()
    declarations[0]["workspace_tokens"][0].update(change)
    [problem] = onboarding_plan(declarations, None, needs_only=True)["problems"]
    assert problem.startswith("workspace_onboarding_workspaces[0] (Workspace 'data') workspace_tokens[0]") and message in problem


def test_a_deployment_token_needs_its_deployment_and_a_deployment_role():
    declarations = declared()
    declarations[0]["deployment_own_tokens"][0]["role"] = "WORKSPACE_OWNER"
    assert "is not a Deployment role" in onboarding_plan(declarations, None, needs_only=True)["problems"][0]
    del declarations[0]["deployment_own_tokens"][0]["deployment"]
    assert "deployment is required" in onboarding_plan(declarations, None, needs_only=True)["problems"][0]


def test_roles_of_a_token_not_created_yet_are_set_aside():
    declarations = [{"workspace": "data", "deployment_tokens": [
        {"token": "data-ci", "token_scope": "workspace", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl"]},
        {"token": "ci", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl"]}]}]
    plan = onboarding_plan(declarations, LOOKUP, new_tokens=[{"name": "data-ci", "workspace_id": "cw1"}])
    assert [e["token_name"] for e in plan["tokens"]] == ["ci"]
    assert [e["token_name"] for e in plan["new_token_roles"]] == ["data-ci"]
    assert [e["token_name"] for e in onboarding_plan(declarations, LOOKUP)["tokens"]] == ["data-ci", "ci"]
