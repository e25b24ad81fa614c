"""One test per role rule of SEMANTICS.md: each fails if the rule were missing from rules.py."""

import pytest


def own_role(seed, token_name):
    token = seed.token(token_name)
    return [entry for entry in token["roles"] if entry["entityType"] == token["scope"]][0]


def org_role(seed, role="ORGANIZATION_MEMBER"):
    return {"entityType": "ORGANIZATION", "entityId": seed.org_id, "role": role}


def ws_role(workspace_id, role="WORKSPACE_MEMBER"):
    return {"entityType": "WORKSPACE", "entityId": workspace_id, "role": role}


def dep_role(deployment_id, role="DEPLOYMENT_ADMIN"):
    return {"entityType": "DEPLOYMENT", "entityId": deployment_id, "role": role}


def test_role_write_replaces_the_whole_list(owner, seed):
    token_id = seed.token_id("ci-deployer")
    assert len(owner.get(f"/tokens/{token_id}").json()["roles"]) == 4
    answer = owner.roles(token_id, [org_role(seed)])
    assert answer.status_code == 200
    assert answer.json() == {"organizationRole": "ORGANIZATION_MEMBER", "workspaceRoles": [], "deploymentRoles": [], "dagRoles": []}
    assert owner.get(f"/tokens/{token_id}").json()["roles"] == [org_role(seed)]


def test_role_write_answers_subject_roles_and_updates_updated_at(owner, seed):
    token_id = seed.token_id("never-used-reader")
    before = owner.get(f"/tokens/{token_id}").json()["updatedAt"]
    answer = owner.roles(token_id, [org_role(seed), ws_role(seed.workspace("analytics"), "WORKSPACE_AUTHOR"), dep_role(seed.deployment("training"))])
    assert answer.status_code == 200
    assert answer.json()["workspaceRoles"] == [{"workspaceId": seed.workspace("analytics"), "role": "WORKSPACE_AUTHOR"}]
    assert answer.json()["deploymentRoles"] == [{"deploymentId": seed.deployment("training"), "role": "DEPLOYMENT_ADMIN"}]
    after = owner.get(f"/tokens/{token_id}").json()
    assert after["updatedAt"] > before
    assert after["updatedBy"]["id"] == seed.data["caller"]


def test_role_write_must_keep_the_own_role(owner, seed):
    answer = owner.roles(seed.token_id("ci-deployer"), [ws_role(seed.workspace("analytics"))])
    assert answer.status_code == 400
    assert "own role" in answer.json()["message"]


@pytest.mark.parametrize("token_name", ["data-platform-ci", "etl-prod-deployer"])
def test_own_role_of_workspace_and_deployment_tokens_must_stay_on_their_entity(owner, seed, token_name):
    token = seed.token(token_name)
    moved = dict(own_role(seed, token_name))
    moved["entityId"] = seed.workspace("ml-research") if token["scope"] == "WORKSPACE" else seed.deployment("training")
    answer = owner.roles(token["id"], [moved])
    assert answer.status_code == 400


def test_at_most_one_role_per_entity(owner, seed):
    workspace = seed.workspace("analytics")
    answer = owner.roles(seed.token_id("never-used-reader"), [org_role(seed), ws_role(workspace, "WORKSPACE_MEMBER"), ws_role(workspace, "WORKSPACE_OWNER")])
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "at most one role per entity" in message and "roles[2]" in message and workspace in message


def test_at_most_one_role_per_dag(owner, seed):
    deployment = seed.deployment("etl-prod")
    dag = {"entityType": "DAG", "entityId": "daily", "deploymentId": deployment, "role": "DAG_VIEWER"}
    answer = owner.roles(seed.token_id("never-used-reader"), [org_role(seed), dag, dict(dag, role="DAG_AUTHOR")])
    assert answer.status_code == 400


def test_organization_token_may_hold_workspace_and_deployment_roles_of_its_organization(owner, seed):
    roles = [org_role(seed), ws_role(seed.workspace("ml-research")), dep_role(seed.deployment("reporting-dev"))]
    assert owner.roles(seed.token_id("never-used-reader"), roles).status_code == 200


def test_organization_token_may_not_hold_a_role_on_another_organization(owner, seed):
    other_org = {"entityType": "ORGANIZATION", "entityId": "cotherorg0000000000000000", "role": "ORGANIZATION_MEMBER"}
    answer = owner.roles(seed.token_id("never-used-reader"), [org_role(seed), other_org])
    assert answer.status_code == 400
    assert "cotherorg0000000000000000" in answer.json()["message"]


def test_workspace_token_deployment_roles_only_in_its_own_workspace(owner, seed):
    token_id = seed.token_id("data-platform-ci")
    own = own_role(seed, "data-platform-ci")
    assert owner.roles(token_id, [own, dep_role(seed.deployment("etl-prod"))]).status_code == 200
    answer = owner.roles(token_id, [own, dep_role(seed.deployment("reporting-prod"))])
    assert answer.status_code == 400
    assert seed.deployment("reporting-prod") in answer.json()["message"]


@pytest.mark.parametrize("extra", ["organization", "other_workspace"])
def test_workspace_token_holds_no_organization_or_other_workspace_role(owner, seed, extra):
    entry = org_role(seed) if extra == "organization" else ws_role(seed.workspace("analytics"))
    answer = owner.roles(seed.token_id("data-platform-ci"), [own_role(seed, "data-platform-ci"), entry])
    assert answer.status_code == 400


@pytest.mark.parametrize("extra", ["workspace", "organization", "other_deployment", "dag_of_other_deployment"])
def test_deployment_token_holds_nothing_else(owner, seed, extra):
    entry = {
        "workspace": ws_role(seed.workspace("data-platform")),
        "organization": org_role(seed),
        "other_deployment": dep_role(seed.deployment("etl-staging")),
        "dag_of_other_deployment": {"entityType": "DAG", "entityId": "daily", "deploymentId": seed.deployment("etl-staging"),
                                    "role": "DAG_VIEWER"},
    }[extra]
    answer = owner.roles(seed.token_id("etl-prod-deployer"), [own_role(seed, "etl-prod-deployer"), entry])
    assert answer.status_code == 400


def test_deployment_token_may_hold_dag_and_dag_tag_roles_on_its_own_deployment(owner, seed):
    etl_prod = seed.deployment("etl-prod")
    dags = [{"entityType": "DAG", "entityId": "daily", "deploymentId": etl_prod, "role": "DAG_VIEWER"},
            {"entityType": "DAG_TAG", "entityId": "finance", "deploymentId": etl_prod, "role": "DAG_AUTHOR"}]
    token_id = seed.token_id("etl-prod-deployer")
    answer = owner.roles(token_id, [own_role(seed, "etl-prod-deployer")] + dags)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["dagRoles"] == dags
    assert owner.get(f"/tokens/{token_id}").json()["roles"] == [own_role(seed, "etl-prod-deployer")] + dags


@pytest.mark.parametrize("entry_factory", [
    lambda seed: {"entityType": "ORGANIZATION", "entityId": seed.org_id, "role": "ORGANIZATION_ADMIN"},
    lambda seed: ws_role(seed.workspace("analytics"), "WORKSPACE_ADMIN"),
    lambda seed: ws_role(seed.workspace("analytics"), "DEPLOYMENT_ADMIN"),
    lambda seed: dep_role(seed.deployment("training"), "DEPLOYMENT_VIEWER"),
    lambda seed: dep_role(seed.deployment("training"), "WORKSPACE_OWNER"),
], ids=["org", "workspace", "deployment-role-on-workspace", "deployment", "workspace-role-on-deployment"])
def test_invalid_role_names_answer_400_naming_the_entry(owner, seed, entry_factory):
    entry = entry_factory(seed)
    roles = [entry] if entry["entityType"] == "ORGANIZATION" else [org_role(seed), entry]
    answer = owner.roles(seed.token_id("never-used-reader"), roles)
    assert answer.status_code == 400
    assert entry["role"] in answer.json()["message"]


@pytest.mark.parametrize("role", ["WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR", "WORKSPACE_MEMBER", "WORKSPACE_ACCESSOR"])
def test_every_workspace_role_name_is_valid(owner, seed, role):
    assert owner.roles(seed.token_id("never-used-reader"), [org_role(seed), ws_role(seed.workspace("analytics"), role)]).status_code == 200


def test_custom_deployment_role_is_accepted_by_name(owner, seed):
    roles = [org_role(seed), dep_role(seed.deployment("etl-prod"), "DAG_RUNNER")]
    assert owner.roles(seed.token_id("never-used-reader"), roles).status_code == 200
    stored = owner.get(f"/tokens/{seed.token_id('never-used-reader')}").json()["roles"]
    assert dep_role(seed.deployment("etl-prod"), "DAG_RUNNER") in stored


@pytest.mark.parametrize("role", ["DEPLOYMENT_ADMIN", "DEPLOYMENT_ACCESSOR"])
def test_default_deployment_roles_are_accepted(owner, seed, role):
    roles = [org_role(seed), dep_role(seed.deployment("etl-prod"), role)]
    assert owner.roles(seed.token_id("never-used-reader"), roles).status_code == 200
    assert dep_role(seed.deployment("etl-prod"), role) in owner.get(f"/tokens/{seed.token_id('never-used-reader')}").json()["roles"]


def test_custom_role_with_restricted_workspaces_only_on_their_deployments(owner, seed):
    token_id = seed.token_id("never-used-reader")
    assert owner.roles(token_id, [org_role(seed), dep_role(seed.deployment("reporting-prod"), "ANALYTICS_VIEWER")]).status_code == 200
    answer = owner.roles(token_id, [org_role(seed), dep_role(seed.deployment("etl-prod"), "ANALYTICS_VIEWER")])
    assert answer.status_code == 400
    assert "restricted" in answer.json()["message"]


def test_dag_entries_need_a_deployment_id_and_are_kept_as_given(owner, seed):
    token_id = seed.token_id("never-used-reader")
    dag = {"entityType": "DAG_TAG", "entityId": "finance", "role": "DAG_VIEWER"}
    answer = owner.roles(token_id, [org_role(seed), dag])
    assert answer.status_code == 400
    assert "deploymentId" in answer.json()["message"]
    dag["deploymentId"] = seed.deployment("etl-prod")
    answer = owner.roles(token_id, [org_role(seed), dag])
    assert answer.status_code == 200
    assert answer.json()["dagRoles"] == [dag]
    assert dag in owner.get(f"/tokens/{token_id}").json()["roles"]


@pytest.mark.parametrize("entry", [
    {"entityType": "WORKSPACE", "entityId": "cnosuchworkspace000000000", "role": "WORKSPACE_MEMBER"},
    {"entityType": "DEPLOYMENT", "entityId": "cnosuchdeployment00000000", "role": "DEPLOYMENT_ADMIN"},
    {"entityType": "DAG", "entityId": "daily", "deploymentId": "cnosuchdeployment00000000", "role": "DAG_VIEWER"},
], ids=["workspace", "deployment", "dag-deployment"])
def test_unknown_ids_in_entries_answer_400_naming_the_id_and_write_nothing(owner, seed, entry):
    token_id = seed.token_id("never-used-reader")
    before = owner.get(f"/tokens/{token_id}").json()["roles"]
    answer = owner.roles(token_id, [org_role(seed), entry])
    assert answer.status_code == 400
    assert "cnosuch" in answer.json()["message"]
    assert owner.get(f"/tokens/{token_id}").json()["roles"] == before


def test_unknown_token_answers_404(owner, seed):
    for answer in (owner.get("/tokens/cnosuchtoken0000000000000"), owner.roles("cnosuchtoken0000000000000", [org_role(seed)])):
        assert answer.status_code == 404
        assert "cnosuchtoken0000000000000" in answer.json()["message"]


def test_last_write_wins_without_any_precondition(owner, client_as, seed):
    """Two read-modify-write clients: the second write silently drops the first one's edit."""
    token_id = seed.token_id("never-used-reader")
    first_read = owner.get(f"/tokens/{token_id}").json()["roles"]
    second_read = owner.get(f"/tokens/{token_id}").json()["roles"]
    edit_a = first_read + [ws_role(seed.workspace("analytics"))]
    edit_b = second_read + [ws_role(seed.workspace("ml-research"))]
    assert owner.roles(token_id, edit_a).status_code == 200
    answer = owner.post(f"/tokens/{token_id}/roles", json={"roles": edit_b}, headers={"If-Match": "stale"})
    assert answer.status_code == 200
    assert owner.get(f"/tokens/{token_id}").json()["roles"] == edit_b


@pytest.mark.allow_contract_violations
def test_body_without_roles_answers_400_with_field_errors(owner, seed):
    answer = owner.post(f"/tokens/{seed.token_id('ci-deployer')}/roles", json={"role": []})
    assert answer.status_code == 400
    assert answer.json()["fieldErrors"] == [{"code": "required", "field": "roles", "message": "roles is required"}]


def test_demo_seed_roles_obey_the_rules(emulator):
    """Every seeded token's roles pass the same checks a write would."""
    from astro_emulator import rules

    with emulator.state.lock:
        for token in emulator.state.tokens.values():
            rules.check_roles_write(emulator.state, token, token["roles"])
