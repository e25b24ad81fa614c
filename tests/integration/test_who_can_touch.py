# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.token_info with include_deployment_roles: every token that can touch a Workspace, in one task.

A token that holds only a DAG role on a Deployment of the Workspace is in the answer (the plain Workspace filter
leaves it out), with the names of what it holds roles on, for three list requests.
"""

from __future__ import annotations

import copy

DAG_ONLY = {
    "id": "cdagonly0000000000000000a", "name": "reporting-dag-viewer", "description": "Sees one DAG of reporting-prod",
    "scope": "ORGANIZATION", "kind": "STANDARD", "shortToken": "dAgOnLy000", "created_by_user": "cslyoyzq938jcm059wdcxqpdi",
    "createdAt": "2024-10-20T09:00:00Z", "updatedAt": "2024-10-20T09:00:00Z",
}


def seed_with_dag_only_token(demo_seed, seed):
    data = copy.deepcopy(demo_seed)
    token = dict(DAG_ONLY, roles=[
        {"entityType": "ORGANIZATION", "entityId": seed.organization, "role": "ORGANIZATION_MEMBER"},
        {"entityType": "DAG", "entityId": "refresh_dashboards", "deploymentId": seed.deployment("reporting-prod"), "role": "DAG_VIEWER"},
    ])
    data["tokens"].append(token)
    return data


def test_every_token_that_can_touch_a_workspace(ansible, emulator, demo_seed, seed):
    emulator.control.reset(seed_with_dag_only_token(demo_seed, seed))
    analytics, reporting_prod = seed.workspace("analytics"), seed.deployment("reporting-prod")
    tasks = [
        {"name": "who", "astro.platform.token_info": {"workspace_name": "analytics", "include_deployment_roles": True}},
        {"name": "plain", "astro.platform.token_info": {"workspace_name": "analytics"}},
    ]
    emulator.control.clear_log()
    run = ansible.run(tasks[:1])
    assert run.rc == 0, run.output
    assert emulator.control.counts() == {"ListWorkspaces": 1, "ListDeployments": 1, "ListApiTokens": 1}
    who = {t["name"]: t["roles_in_workspace"] for t in run.task("who")["tokens"]}
    assert who == {
        "analytics-operator": [dict(entity_type="WORKSPACE", entity_id=analytics, entity_name="analytics", role="WORKSPACE_OPERATOR",
                                    deployment_id=None, deployment_name=None)],
        "reporting-dag-viewer": [dict(entity_type="DAG", entity_id="refresh_dashboards", entity_name="refresh_dashboards",
                                      role="DAG_VIEWER", deployment_id=reporting_prod, deployment_name="reporting-prod")],
    }

    plain = ansible.run(tasks[1:])
    assert plain.rc == 0, plain.output
    assert "reporting-dag-viewer" not in [t["name"] for t in plain.task("plain")["tokens"]], \
        "the plain Workspace filter is the CLI's list; only include_deployment_roles widens it"
    assert emulator.control.writes() == []


def test_deployment_roles_and_names_by_workspace_id(ansible, emulator, seed):
    """data-platform by ID: its Workspace, Deployment and DAG roles, each named, the Workspace name from the look-up."""
    data_platform, etl_prod = seed.workspace("data-platform"), seed.deployment("etl-prod")
    run = ansible.run([{"name": "who", "astro.platform.token_info": {
        "workspace_id": data_platform.upper(), "include_deployment_roles": True, "scope": "organization"}}])
    assert run.rc == 0, run.output
    tokens = run.task("who")["tokens"]
    assert [t["name"] for t in tokens] == ["ci-deployer"], "scope organization keeps only Organization tokens"
    assert [(r["entity_type"], r["entity_name"], r["role"], r["deployment_name"]) for r in tokens[0]["roles_in_workspace"]] == [
        ("WORKSPACE", "data-platform", "WORKSPACE_AUTHOR", None),
        ("DEPLOYMENT", "etl-prod", "DEPLOYMENT_ADMIN", "etl-prod"),
        ("DAG", "daily_sales_etl", "DAG_VIEWER", "etl-prod"),
    ]
    assert tokens[0]["roles_in_workspace"][1]["entity_id"] == etl_prod


def test_refusals_before_any_request(ansible, emulator, seed):
    tasks = [
        {"name": "no workspace", "ignore_errors": True, "astro.platform.token_info": {"include_deployment_roles": True}},
        {"name": "with deployment", "ignore_errors": True, "astro.platform.token_info": {
            "workspace_name": "analytics", "deployment_name": "reporting-prod", "include_deployment_roles": True}},
    ]
    emulator.control.clear_log()
    run = ansible.run(tasks)
    for name in ("no workspace", "with deployment"):
        result = run.task(name)
        assert result["failed"] and "include_deployment_roles answers for one Workspace" in result["msg"], result
    assert emulator.control.requests() == []

    unknown = ansible.run([{"name": "unknown", "ignore_errors": True, "astro.platform.token_info": {
        "workspace_id": "cnosuchworkspace000000000", "include_deployment_roles": True}}])
    assert "No Workspace has the ID 'cnosuchworkspace000000000'" in unknown.task("unknown")["msg"]
