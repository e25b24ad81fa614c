# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Astro CLI's commands that add, update, remove and list a token's roles (README, "Astro CLI → Ansible"),
each as its astro.platform task in a real playbook against the emulator.

Each write is run in check mode (changed predicted, nothing written), for real with --diff,
then again (changed false, no write, the minimum number of API requests): playbook_runner.converge, one
ansible-playbook process for the three.
"""

from __future__ import annotations

import pytest
import yaml
from playbook_runner import converge


def role_on(roles, entity_type, entity_id):
    return next((r["role"] for r in roles if r["entityType"] == entity_type and r["entityId"] == entity_id), None)


def others(roles, entity_type, entity_id):
    return [r for r in roles if not (r["entityType"] == entity_type and r["entityId"] == entity_id)]


def converge_role(ansible, emulator, task, token_id, entity_type, entity_id, role, requests_when_unchanged):
    """playbook_runner.converge of a task that sets the token's role on one entity (None: removes it); asserts that
    only that role changed, the result's before/after, and one write (none when unchanged). Returns the real step."""
    control = emulator.control
    before = control.token(token_id)["roles"]
    expect_change = role_on(before, entity_type, entity_id) != role
    real = converge(ansible, emulator, task, changed=expect_change, writes=["UpdateApiTokenRoles"] if expect_change else [],
                    requests_when_unchanged=requests_when_unchanged).real
    after = control.token(token_id)["roles"]
    assert role_on(after, entity_type, entity_id) == role
    assert others(after, entity_type, entity_id) == others(before, entity_type, entity_id), "another role was touched"
    assert real.result["role_before"] == role_on(before, entity_type, entity_id) and real.result["role_after"] == role
    assert real.result["token"]["roles"] == after
    assert real.result["attempts"] == (1 if expect_change else 0)
    return real


def test_add_an_organization_token_to_a_workspace_by_id(ansible, emulator, seed):
    """astro workspace organization-token add <ID> --role R --workspace-id W"""
    token, workspace = seed.token("never-used-reader"), seed.workspace("analytics")
    task = {"name": "add", "astro.platform.workspace_org_token": {"token_id": token, "workspace_id": workspace, "role": "WORKSPACE_MEMBER"}}
    real = converge_role(ansible, emulator, task, token, "WORKSPACE", workspace, "WORKSPACE_MEMBER", requests_when_unchanged=1)
    assert "+WORKSPACE analytics ({0}): WORKSPACE_MEMBER".format(workspace) in real.output, "a name beside each ID"


def test_add_an_organization_token_to_a_workspace_by_names(ansible, emulator, seed):
    """astro workspace token add --org-token-name N --role R (in the Workspace named)"""
    token, workspace = seed.token("never-used-reader"), seed.workspace("ml-research")
    task = {"name": "add by name", "astro.platform.workspace_org_token": {
        "token_name": "never-used-reader", "workspace_name": "ml-research", "role": "WORKSPACE_ACCESSOR"}}
    # unchanged: list Workspaces by name, list Organization tokens, read the token
    converge_role(ansible, emulator, task, token, "WORKSPACE", workspace, "WORKSPACE_ACCESSOR", requests_when_unchanged=3)


def test_update_the_workspace_role_shows_the_change_in_the_diff(ansible, emulator, seed):
    """astro workspace organization-token update --role R2"""
    token, workspace = seed.token("ci-deployer"), seed.workspace("data-platform")
    task = {"name": "update", "astro.platform.workspace_org_token": {"token_id": token, "workspace_id": workspace, "role": "WORKSPACE_OPERATOR"}}
    real = converge_role(ansible, emulator, task, token, "WORKSPACE", workspace, "WORKSPACE_OPERATOR", requests_when_unchanged=1)
    assert "-WORKSPACE data-platform ({0}): WORKSPACE_AUTHOR".format(workspace) in real.output
    assert "+WORKSPACE data-platform ({0}): WORKSPACE_OPERATOR".format(workspace) in real.output
    assert real.result["role_before"] == "WORKSPACE_AUTHOR"


def test_remove_an_organization_token_from_a_workspace(ansible, emulator, seed):
    """astro workspace organization-token remove --org-token-name N --workspace-id W"""
    token, workspace = seed.token("ci-deployer"), seed.workspace("data-platform")
    task = {"name": "remove", "astro.platform.workspace_org_token": {"token_name": "ci-deployer", "workspace_id": workspace, "state": "absent"}}
    real = converge_role(ansible, emulator, task, token, "WORKSPACE", workspace, None, requests_when_unchanged=2)
    assert "-WORKSPACE data-platform ({0}): WORKSPACE_AUTHOR".format(workspace) in real.output


@pytest.mark.parametrize("role, new_role", [("DEPLOYMENT_ADMIN", "DAG_RUNNER"), ("DAG_RUNNER", "DEPLOYMENT_ADMIN")])
def test_organization_token_on_a_deployment_add_update_remove(ansible, emulator, seed, role, new_role):
    """astro deployment organization-token add / update / remove"""
    token, deployment = seed.token("never-used-reader"), seed.deployment("etl-staging")
    args = {"token_scope": "organization", "token_name": "never-used-reader", "deployment_id": deployment}
    custom_lookups = lambda r: 0 if r == "DEPLOYMENT_ADMIN" else 1  # noqa: E731  GET /roles only for a custom role
    add = {"name": "add", "astro.platform.deployment_token": dict(args, role=role)}
    converge_role(ansible, emulator, add, token, "DEPLOYMENT", deployment, role, requests_when_unchanged=2 + custom_lookups(role))
    update = {"name": "update", "astro.platform.deployment_token": dict(args, role=new_role)}
    real = converge_role(ansible, emulator, update, token, "DEPLOYMENT", deployment, new_role, requests_when_unchanged=2 + custom_lookups(new_role))
    assert "+DEPLOYMENT etl-staging ({0}): {1}".format(deployment, new_role) in real.output
    remove = {"name": "remove", "astro.platform.deployment_token": dict(args, state="absent")}
    converge_role(ansible, emulator, remove, token, "DEPLOYMENT", deployment, None, requests_when_unchanged=2)


def test_workspace_token_on_a_deployment_add_update_remove(ansible, emulator, seed):
    """astro deployment workspace-token add / update / remove --workspace-id W --deployment-id D"""
    token, workspace, deployment = seed.token("data-platform-ci"), seed.workspace("data-platform"), seed.deployment("etl-prod")
    args = {"token_scope": "workspace", "token_id": token, "workspace_id": workspace, "deployment_id": deployment}
    add = {"name": "add", "astro.platform.deployment_token": dict(args, role="DEPLOYMENT_ADMIN")}
    converge_role(ansible, emulator, add, token, "DEPLOYMENT", deployment, "DEPLOYMENT_ADMIN", requests_when_unchanged=1)
    update = {"name": "update", "astro.platform.deployment_token": dict(args, role="DAG_RUNNER")}
    converge_role(ansible, emulator, update, token, "DEPLOYMENT", deployment, "DAG_RUNNER", requests_when_unchanged=2)
    remove = {"name": "remove", "astro.platform.deployment_token": dict(args, state="absent")}
    converge_role(ansible, emulator, remove, token, "DEPLOYMENT", deployment, None, requests_when_unchanged=1)


def test_workspace_token_by_names(ansible, emulator, seed):
    """astro deployment workspace-token add --workspace-token-name N, with Workspace and Deployment by name"""
    token, deployment = seed.token("analytics-operator"), seed.deployment("reporting-prod")
    task = {"name": "add", "astro.platform.deployment_token": {
        "token_scope": "workspace", "token_name": "analytics-operator", "workspace_name": "analytics",
        "deployment_name": "reporting-prod", "role": "ANALYTICS_VIEWER"}}
    # unchanged: Workspace by name, Deployment by name, custom roles, tokens of the Workspace, the token
    converge_role(ansible, emulator, task, token, "DEPLOYMENT", deployment, "ANALYTICS_VIEWER", requests_when_unchanged=5)


def test_token_info_lists_like_the_cli(ansible, emulator, seed):
    """astro workspace organization-token list; astro deployment organization-token / workspace-token list"""
    data_platform, etl_prod, etl_staging = seed.workspace("data-platform"), seed.deployment("etl-prod"), seed.deployment("etl-staging")
    tasks = [
        {"name": "workspace org tokens", "astro.platform.token_info": {"workspace_id": data_platform, "scope": "organization"}},
        {"name": "deployment org tokens", "astro.platform.token_info": {"deployment_id": etl_prod, "scope": "organization"}},
        {"name": "deployment workspace tokens", "astro.platform.token_info": {"deployment_id": etl_staging, "scope": "workspace"}},
        {"name": "by name", "astro.platform.token_info": {"names": ["never-used-reader", "ci-deployer"]}},
        {"name": "by id", "astro.platform.token_info": {"token_id": seed.token("ci-deployer"), "workspace_name": "data-platform"}},
    ]
    run = ansible.run(tasks, check=True)
    assert run.rc == 0, run.output
    assert all(r["result"]["changed"] is False for r in run.results)
    org_tokens = run.task("workspace org tokens")["tokens"]
    assert [(t["name"], t["workspace_role"], t["scope"]) for t in org_tokens] == [("ci-deployer", "WORKSPACE_AUTHOR", "ORGANIZATION")]
    assert [(t["name"], t["deployment_role"]) for t in run.task("deployment org tokens")["tokens"]] == [("ci-deployer", "DEPLOYMENT_ADMIN")]
    assert [(t["name"], t["deployment_role"]) for t in run.task("deployment workspace tokens")["tokens"]] == [("data-platform-ci", "DEPLOYMENT_ADMIN")]
    by_name = run.task("by name")["tokens"]
    assert [t["name"] for t in by_name] == ["ci-deployer", "never-used-reader"]
    reader = by_name[1]
    assert reader["expiry"] is None and reader["last_used_at"] is None
    assert reader["created_by"] == "ansible-automation-owner", "a token made by a token shows that token's name"
    ci = run.task("by id")["tokens"][0]
    assert ci["created_by"] == "Grace Hopper" and ci["workspace_role"] == "WORKSPACE_AUTHOR" and ci["short_token"]
    assert set(ci) >= {"id", "name", "description", "scope", "kind", "roles", "created_at", "updated_at", "expiry", "last_used_at"}
    assert emulator.control.writes() == []


def test_module_defaults_group_sets_the_connection_once(ansible, emulator, seed, api_env):
    play_vars = {"astro_url": api_env["ASTRO_API_URL"], "astro_token": api_env["ASTRO_API_TOKEN"], "astro_org": api_env["ASTRO_ORGANIZATION_ID"]}
    playbook = ansible.workdir / "defaults.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False, "vars": play_vars,
        "module_defaults": {"group/astro.platform.astro": {
            "api_url": "{{ astro_url }}", "api_token": "{{ astro_token }}", "organization_id": "{{ astro_org }}"}},
        "tasks": [{"name": "info", "astro.platform.token_info": {"names": ["ci-deployer"]}}],
    }]))
    run = ansible.run(playbook=playbook, env={"ASTRO_API_URL": "http://127.0.0.1:9/v1", "ASTRO_API_TOKEN": "wrong", "ASTRO_ORGANIZATION_ID": "wrong"})
    assert run.rc == 0, run.output
    assert run.task("info")["tokens"][0]["id"] == seed.token("ci-deployer")
