# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input fails with a message naming the bad value and what would be valid, before anything is written."""

from __future__ import annotations

import re

import pytest


def failing_cases(seed):
    """(task name, module, arguments, patterns the failure message must all match)."""
    data_platform, analytics = seed.workspace("data-platform"), seed.workspace("analytics")
    etl_prod = seed.deployment("etl-prod")
    return [
        ("unknown token name", "workspace_org_token",
         dict(token_name="no-such-token", workspace_id=analytics, role="WORKSPACE_MEMBER"),
         [r"No ORGANIZATION token is named 'no-such-token'"]),
        ("ambiguous token name", "workspace_org_token",
         dict(token_name="shared-automation", workspace_id=analytics, role="WORKSPACE_MEMBER"),
         [r"2 ORGANIZATION tokens are named 'shared-automation'", seed.token_ids("shared-automation")[0],
          seed.token_ids("shared-automation")[1], r"Nightly sync job \(team A\)", r"scope ORGANIZATION"]),
        ("unknown workspace name", "workspace_org_token",
         dict(token_name="ci-deployer", workspace_name="no-such-workspace", role="WORKSPACE_MEMBER"),
         [r"No Workspace is named 'no-such-workspace'; there are: 'analytics', 'data-platform', 'ml-research'\.$"]),
        ("near-miss workspace name", "workspace_org_token",
         dict(token_name="ci-deployer", workspace_name="analytic", role="WORKSPACE_MEMBER"),
         [r"No Workspace is named 'analytic'; did you mean 'analytics'"]),
        ("workspace name in another case", "workspace_org_token",
         dict(token_name="ci-deployer", workspace_name="Analytics", role="WORKSPACE_MEMBER"),
         [r"No Workspace is named 'Analytics'; names are case-sensitive: did you mean 'analytics'\?"]),
        ("workspace token where an organization token is needed", "workspace_org_token",
         dict(token_name="data-platform-ci", workspace_id=analytics, role="WORKSPACE_MEMBER"),
         [r"No ORGANIZATION token is named 'data-platform-ci': 'data-platform-ci' \({0}\) is a WORKSPACE token".format(
             seed.token("data-platform-ci")), r"a Workspace role needs an Organization token\.$"]),
        ("near-miss deployment name in a named workspace", "deployment_token",
         dict(token_name="ci-deployer", workspace_name="analytics", deployment_name="reporting-stage", role="DEPLOYMENT_ADMIN"),
         [r"No Deployment is named 'reporting-stage' in Workspace analytics \({0}\); did you mean 'reporting-dev', 'reporting-prod'\?".format(analytics)]),
        ("deployment name in a workspace given by ID", "deployment_token",
         dict(token_name="ci-deployer", workspace_id=data_platform, deployment_name="reporting-prod", role="DEPLOYMENT_ADMIN"),
         [r"No Deployment is named 'reporting-prod' in Workspace data-platform \({0}\); did you mean 'etl-prod'\?".format(
             data_platform)]),
        ("unknown workspace role", "workspace_org_token",
         dict(token_name="ci-deployer", workspace_id=analytics, role="WORKSPACE_BOSS"),
         [r"WORKSPACE_BOSS", r"WORKSPACE_OWNER", r"WORKSPACE_ACCESSOR"]),
        ("present without role", "workspace_org_token",
         dict(token_name="ci-deployer", workspace_id=analytics),
         [r"state is present but all of the following are missing: role"]),
        ("token id and name", "workspace_org_token",
         dict(token_id=seed.token("ci-deployer"), token_name="ci-deployer", workspace_id=analytics, role="WORKSPACE_MEMBER"),
         [r"mutually exclusive: token_id\|token_name"]),
        ("workspace token for a workspace role", "workspace_org_token",
         dict(token_id=seed.token("data-platform-ci"), workspace_id=analytics, role="WORKSPACE_MEMBER"),
         [seed.token("data-platform-ci"), r"scope WORKSPACE", r"only ORGANIZATION tokens"]),
        ("unknown token id", "workspace_org_token",
         dict(token_id="cnotatokennotatokennotatk", workspace_id=analytics, state="absent"),
         [r"404", r"cnotatokennotatokennotatk", r"requestId"]),
        ("deployment token for a deployment role", "deployment_token",
         dict(token_id=seed.token("etl-prod-deployer"), deployment_id=etl_prod, role="DEPLOYMENT_ADMIN"),
         [r"scope DEPLOYMENT", r"only ORGANIZATION or WORKSPACE tokens"]),
        ("workspace token where organization scope is asked", "deployment_token",
         dict(token_scope="organization", token_id=seed.token("data-platform-ci"), deployment_id=etl_prod, role="DEPLOYMENT_ADMIN"),
         [r"scope WORKSPACE", r"only ORGANIZATION tokens"]),
        ("workspace token outside its workspace", "deployment_token",
         dict(token_scope="workspace", token_id=seed.token("analytics-operator"), workspace_id=data_platform,
              deployment_id=etl_prod, role="DEPLOYMENT_ADMIN"),
         [r"belongs to Workspace analytics \({0}\)".format(analytics), r"not of Workspace data-platform \({0}\)".format(data_platform)]),
        ("unknown deployment role", "deployment_token",
         dict(token_name="ci-deployer", deployment_id=etl_prod, role="DEPLOYMENT_BOSS"),
         [r"'DEPLOYMENT_BOSS'", r"valid roles: DEPLOYMENT_ACCESSOR, DEPLOYMENT_ADMIN \(default\), ANALYTICS_VIEWER, DAG_RUNNER \(custom\)"]),
        ("restricted custom role", "deployment_token",
         dict(token_name="ci-deployer", workspace_name="data-platform", deployment_name="etl-prod", role="ANALYTICS_VIEWER"),
         [r"ANALYTICS_VIEWER", r"may only be used in Workspaces analytics \({0}\), not in Workspace data-platform \({1}\)".format(
             analytics, data_platform)]),
        ("unknown deployment name", "deployment_token",
         dict(token_name="ci-deployer", deployment_name="no-such-deployment", role="DEPLOYMENT_ADMIN"),
         [r"No Deployment is named 'no-such-deployment' in any Workspace; there are: 'etl-prod', "]),
        ("bad token scope choice", "deployment_token",
         dict(token_scope="deployment", token_name="ci-deployer", deployment_id=etl_prod, role="DEPLOYMENT_ADMIN"),
         [r"token_scope", r"organization, workspace", r"deployment"]),
        ("dot-only id", "token_info", dict(token_id=".."), [r"'\.\.' is not a valid Astro ID"]),
    ]


def test_bad_input_fails_clearly_and_writes_nothing(ansible, emulator, seed):
    cases = failing_cases(seed)
    tasks = [{"name": name, "astro.platform." + module: args, "ignore_errors": True} for name, module, args, _ in cases]
    run = ansible.run(tasks)
    for name, _, _, patterns in cases:
        result = run.task(name)
        assert result.get("failed") is True, "{0}: did not fail: {1}".format(name, result)
        for pattern in patterns:
            assert re.search(pattern, result["msg"]), "{0}: {1!r} not in message {2!r}".format(name, pattern, result["msg"])
    assert emulator.control.writes() == []


@pytest.mark.parametrize("secret_name, status, hint", [
    (None, 401, "check the api_token option or ASTRO_API_TOKEN"),
    ("org-member-readonly", 403, "Organization API tokens are managed with ORGANIZATION_OWNER; Workspace API tokens also with "
                                 "WORKSPACE_OWNER or WORKSPACE_OPERATOR"),
])
def test_refused_credentials_are_reported_with_the_api_message(ansible, emulator, seed, secret_name, status, hint):
    secret = seed.secret(secret_name) if secret_name else "not-a-valid-astro-token"
    task = {"name": "edit", "astro.platform.workspace_org_token": {
        "token_name": "never-used-reader", "workspace_name": "analytics", "role": "WORKSPACE_MEMBER", "api_token": secret}}
    run = ansible.run([task])
    result = run.task("edit")
    assert run.rc != 0 and result["failed"]
    assert result["status"] == status and result["request_id"]
    assert str(status) in result["msg"] and hint in result["msg"] and "requestId" in result["msg"]
    assert result["api_message"] and result["api_message"] in result["msg"], "the API's own message is shown"
    assert secret not in run.output + str(run.results)
    assert [w for w in emulator.control.writes() if w["status"] < 400] == [], "a refused caller wrote"
    assert emulator.control.token(seed.token("never-used-reader"))["roles"] == seed.roles("never-used-reader")


def test_missing_credentials_name_the_option_and_the_variable(ansible, emulator):
    task = {"name": "info", "astro.platform.token_info": {}}
    run = ansible.run([task], env={"ASTRO_API_TOKEN": ""})
    assert "ASTRO_API_TOKEN" in run.task("info")["msg"] and "api_token" in run.task("info")["msg"]
    assert emulator.control.requests() == []
