# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who can touch a Workspace: astro.platform.token_info with include_deployment_roles (every token, in one task), and
the audit's access rows (tokens, teams, users and Organization owners).

A token that holds only a DAG role on a Deployment of the Workspace is in the answer (the plain Workspace filter
leaves it out), with the names of what it holds roles on, for three list requests.
"""

from __future__ import annotations

import copy
import json

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


def test_the_audit_lists_every_subject_that_can_touch_each_workspace(ansible, emulator, seed, installed_collection, tmp_path):
    """playbooks/token_audit.yml over the demo organization: tokens, teams, users and Organization owners per Workspace,
    each with its role and where it comes from; grace owns analytics in person, which is flagged; people cost one list each."""
    reports = tmp_path / "reports"
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_audit.yml"
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook, extra_vars={"astro_audit_dir": str(reports)}, verbosity=0)
    assert run.rc == 0, run.output[-3000:]
    counts = emulator.control.counts()
    assert (counts.get("ListTeams"), counts.get("ListUsers")) == (1, 1), counts
    assert emulator.control.writes() == []
    report = json.loads((reports / "token_audit.json").read_text())
    by_workspace = {}
    for row in report["access"]:
        by_workspace.setdefault(row["workspace"], []).append((row["kind"], row["subject"], row["role"], row["through"], row["flags"]))
    owners = [("token", "ansible-automation-owner", "ORGANIZATION_OWNER", "Organization role (every Workspace)", []),
              ("team", "platform-admins", "ORGANIZATION_OWNER", "Organization role (every Workspace)", []),
              ("user", "ada@acme.example", "ORGANIZATION_OWNER", "Organization role (every Workspace)", [])]
    assert sorted(by_workspace["analytics"]) == sorted(owners + [
        ("token", "analytics-operator", "WORKSPACE_OPERATOR", "Workspace role", []),
        ("team", "analysts", "WORKSPACE_MEMBER", "Workspace role", []),
        ("team", "analysts", "ANALYTICS_VIEWER", "Deployment role on reporting-prod", []),
        ("user", "grace@acme.example", "WORKSPACE_OWNER", "Workspace role", ["individual owner"]),
        ("user", "grace@acme.example", "DEPLOYMENT_ADMIN", "Deployment role on reporting-prod", []),
    ])
    assert sorted(by_workspace["data-platform"]) == sorted(owners + [
        ("token", "ci-deployer", "WORKSPACE_AUTHOR", "Workspace role", []),
        ("token", "ci-deployer", "DEPLOYMENT_ADMIN", "Deployment role on etl-prod", []),
        ("token", "ci-deployer", "DAG_VIEWER", "DAG role on daily_sales_etl of Deployment etl-prod", []),
        ("token", "data-platform-ci", "WORKSPACE_AUTHOR", "Workspace role", []),
        ("token", "data-platform-ci", "DEPLOYMENT_ADMIN", "Deployment role on etl-staging", []),
        ("token", "data-platform-owner", "WORKSPACE_OWNER", "Workspace role", []),
        ("token", "etl-prod-deployer", "DEPLOYMENT_ADMIN", "Deployment role on etl-prod", []),
        ("team", "data-engineers", "WORKSPACE_OWNER", "Workspace role", []),
        ("team", "data-engineers", "DEPLOYMENT_ADMIN", "Deployment role on etl-prod", []),
        ("team", "data-engineers", "DEPLOYMENT_ADMIN", "Deployment role on etl-staging", []),
        ("user", "alan@acme.example", "WORKSPACE_AUTHOR", "Workspace role", []),
        ("user", "alan@acme.example", "DEPLOYMENT_ADMIN", "Deployment role on etl-staging", []),
    ])
    assert sorted(by_workspace["ml-research"]) == sorted(owners + [
        ("team", "ml-researchers", "WORKSPACE_AUTHOR", "Workspace role", []),
        ("team", "ml-researchers", "DAG_RUNNER", "Deployment role on training", []),
        ("team", "ml-researchers", "DAG_VIEWER", "DAG role on train_model of Deployment training", []),
    ])
    assert set(by_workspace) == {w["name"] for w in seed.data["workspaces"]}
    assert report["summary"]["individual_owners"] == ["grace@acme.example in analytics"]
    assert (report["summary"]["teams"], report["summary"]["users"]) == (len(seed.data["teams"]), len(seed.data["users"]))
    markdown = (reports / "token_audit.md").read_text()
    assert "| analytics | {0} | user | grace@acme.example | {1} | WORKSPACE_OWNER | Workspace role | individual owner |".format(
        seed.workspace("analytics"), seed.user("grace@acme.example")) in markdown, markdown
