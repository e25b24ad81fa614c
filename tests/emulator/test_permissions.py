"""Authentication and "who may do what" (SEMANTICS.md): 401, 403 per permission rule, other organization."""

import pytest


def test_unknown_bearer_answers_401(client_as):
    answer = client_as(secret="not-a-real-token").get("/tokens")
    assert answer.status_code == 401


@pytest.mark.allow_contract_violations
def test_missing_bearer_answers_401(client_as):
    assert client_as(secret=None).get("/tokens").status_code == 401


def test_deleted_token_no_longer_authenticates(owner, client_as, seed):
    member = client_as("org-member-readonly")
    assert member.get("/workspaces").status_code == 200
    assert owner.delete(f"/tokens/{seed.token_id('org-member-readonly')}").status_code == 204
    assert member.get("/workspaces").status_code == 401


def test_other_organization_in_path_answers_403(owner):
    answer = owner.request("GET", "/v1/organizations/cotherorg0000000000000000/tokens", org=False)
    assert answer.status_code == 403
    assert "cotherorg0000000000000000" in answer.json()["message"]


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/tokens", {"name": "x", "role": "ORGANIZATION_MEMBER", "scope": "ORGANIZATION"}),
    ("POST", "/tokens/{ci}", {"name": "renamed"}),
    ("POST", "/tokens/{ci}/rotate", None),
    ("DELETE", "/tokens/{ci}", None),
    ("POST", "/tokens/{ci}/roles", "same"),
], ids=["create", "update", "rotate", "delete", "roles"])
def test_organization_member_may_read_but_not_change_tokens(client_as, seed, method, path, body):
    member = client_as("org-member-readonly")
    ci = seed.token("ci-deployer")
    assert member.get(f"/tokens/{ci['id']}").status_code == 200
    if body == "same":
        body = {"roles": ci["roles"]}
    answer = member.request(method, path.format(ci=ci["id"]), json=body)
    assert answer.status_code == 403
    assert "ORGANIZATION_OWNER" in answer.json()["message"]
    assert answer.json()["message"].startswith("API token scope ORGANIZATION")


def test_workspace_owner_lists_only_its_own_workspace_tokens(client_as, seed):
    ws_owner = client_as("data-platform-owner")
    own, other = seed.workspace("data-platform"), seed.workspace("analytics")
    answer = ws_owner.get("/tokens", params={"workspaceId": own})
    assert answer.status_code == 200
    assert {token["name"] for token in answer.json()["tokens"]} == {"ci-deployer", "data-platform-owner", "data-platform-ci"}
    assert ws_owner.get("/tokens", params={"workspaceId": other}).status_code == 403
    assert ws_owner.get("/tokens").status_code == 403


def test_workspace_owner_reads_only_tokens_holding_a_role_in_its_workspace(client_as, seed):
    ws_owner = client_as("data-platform-owner")
    assert ws_owner.get(f"/tokens/{seed.token_id('data-platform-ci')}").status_code == 200
    assert ws_owner.get(f"/tokens/{seed.token_id('etl-prod-deployer')}").status_code == 200
    assert ws_owner.get(f"/tokens/{seed.token_id('analytics-operator')}").status_code == 403
    assert ws_owner.get(f"/tokens/{seed.token_id('never-used-reader')}").status_code == 403


def test_workspace_owner_reads_its_workspace_and_deployments_only(client_as, seed):
    ws_owner = client_as("data-platform-owner")
    assert ws_owner.get(f"/workspaces/{seed.workspace('data-platform')}").status_code == 200
    assert ws_owner.get(f"/workspaces/{seed.workspace('analytics')}").status_code == 403
    assert ws_owner.get(f"/deployments/{seed.deployment('etl-prod')}").status_code == 200
    assert ws_owner.get(f"/deployments/{seed.deployment('reporting-prod')}").status_code == 403
    assert [w["name"] for w in ws_owner.get("/workspaces").json()["workspaces"]] == ["data-platform"]
    assert ws_owner.get("/workspaces", params={"workspaceIds": seed.workspace("analytics")}).status_code == 403
    assert {d["name"] for d in ws_owner.get("/deployments").json()["deployments"]} == {"etl-prod", "etl-staging"}
    assert ws_owner.get("/deployments", params={"workspaceIds": seed.workspace("analytics")}).status_code == 403


def test_workspace_owner_changes_deployment_roles_of_its_workspace_tokens(client_as, seed):
    ws_owner = client_as("data-platform-owner")
    target = seed.token("data-platform-ci")
    own = target["roles"][0]
    new_roles = [own, {"entityType": "DEPLOYMENT", "entityId": seed.deployment("etl-prod"), "role": "DAG_RUNNER"}]
    answer = ws_owner.roles(target["id"], new_roles)
    assert answer.status_code == 200
    assert answer.json()["deploymentRoles"] == [{"deploymentId": seed.deployment("etl-prod"), "role": "DAG_RUNNER"}]


def test_workspace_owner_may_not_change_the_workspace_role(client_as, seed):
    target = seed.token("data-platform-ci")
    promoted = dict(target["roles"][0], role="WORKSPACE_OWNER")
    answer = client_as("data-platform-owner").roles(target["id"], [promoted] + target["roles"][1:])
    assert answer.status_code == 403
    assert "only the DEPLOYMENT roles" in answer.json()["message"]


@pytest.mark.parametrize("target_name", ["ci-deployer", "analytics-operator"])
def test_workspace_owner_may_not_change_roles_of_other_tokens(client_as, seed, target_name):
    target = seed.token(target_name)
    answer = client_as("data-platform-owner").roles(target["id"], target["roles"])
    assert answer.status_code == 403
    message = answer.json()["message"]
    assert "API token scope WORKSPACE" in message and target["id"] in message


@pytest.fixture
def as_token(emulator, owner, client_as, seed):
    """as_token("name"): a client for a seed token, given a secret first (rotated by the owner) if the seed has none;
    the clock is set back to 2025, before analytics-operator expires."""
    emulator.control.set_clock(now="2025-06-01T00:00:00Z")

    def make(name):
        token = seed.token(name)
        if token.get("secret"):
            return client_as(name)
        return client_as(secret=owner.post(f"/tokens/{token['id']}/rotate").json()["token"])
    return make


# Astronomer's user permissions reference: Workspace Operators and Owners manage Workspace API tokens, Workspace
# Owners Deployment API tokens (SEMANTICS.md "Who may do what").
@pytest.mark.parametrize("caller,scope,entity,allowed", [
    ("data-platform-owner", "WORKSPACE", ("workspace", "data-platform"), True),
    ("data-platform-owner", "DEPLOYMENT", ("deployment", "etl-prod"), True),
    ("analytics-operator", "WORKSPACE", ("workspace", "analytics"), True),
    ("analytics-operator", "DEPLOYMENT", ("deployment", "reporting-prod"), False),
    ("data-platform-owner", "WORKSPACE", ("workspace", "analytics"), False),
    ("data-platform-owner", "DEPLOYMENT", ("deployment", "reporting-prod"), False),
    ("data-platform-owner", "ORGANIZATION", None, False),
    ("data-platform-ci", "WORKSPACE", ("workspace", "data-platform"), False),
])
def test_who_may_create_a_token_follows_the_permissions_reference(as_token, seed, caller, scope, entity, allowed):
    role = {"WORKSPACE": "WORKSPACE_MEMBER", "DEPLOYMENT": "DEPLOYMENT_ADMIN", "ORGANIZATION": "ORGANIZATION_MEMBER"}[scope]
    body = {"name": "x", "role": role, "scope": scope}
    if entity:
        body["entityId"] = getattr(seed, entity[0])(entity[1])
    answer = as_token(caller).post("/tokens", json=body)
    assert answer.status_code == (200 if allowed else 403), answer.json()
    if not allowed:
        assert "requires" in answer.json()["message"] and scope in answer.json()["message"]


def test_a_workspace_owner_rotates_and_deletes_the_deployment_tokens_of_its_workspace(as_token, seed):
    ws_owner = as_token("data-platform-owner")
    deployer = seed.token_id("etl-prod-deployer")
    assert ws_owner.post(f"/tokens/{deployer}/rotate").status_code == 200
    assert as_token("analytics-operator").delete(f"/tokens/{deployer}").status_code == 403
    assert ws_owner.delete(f"/tokens/{deployer}").status_code == 204


def test_a_workspace_operator_changes_deployment_roles_of_its_workspace_tokens_only(as_token, owner, seed):
    operator = as_token("analytics-operator")
    body = {"name": "bi", "role": "WORKSPACE_MEMBER", "scope": "WORKSPACE", "entityId": seed.workspace("analytics")}
    created = owner.post("/tokens", json=body).json()
    roles = created["roles"] + [{"entityType": "DEPLOYMENT", "entityId": seed.deployment("reporting-dev"), "role": "DEPLOYMENT_ADMIN"}]
    assert operator.roles(created["id"], roles).status_code == 200
    assert operator.roles(seed.token_id("data-platform-ci"), seed.token("data-platform-ci")["roles"]).status_code == 403


def test_roles_are_readable_by_any_token(client_as):
    assert client_as("data-platform-owner").get("/roles").status_code == 200
