"""Lists (pagination, filters, sorts) and the token lifecycle (create, update, rotate, delete)."""

import pytest


def names(answer, key="tokens"):
    return [item["name"] for item in answer.json()[key]]


def test_pagination_total_count_over_several_pages(owner, seed):
    seen = []
    for offset in range(0, 12, 3):
        page = owner.get("/tokens", params={"offset": offset, "limit": 3}).json()
        assert page["totalCount"] == len(seed.data["tokens"]) and page["offset"] == offset and page["limit"] == 3
        seen += [token["id"] for token in page["tokens"]]
    assert seen == [token["id"] for token in seed.data["tokens"]]


def test_default_limit_is_20(owner):
    assert owner.get("/deployments").json()["limit"] == 20


@pytest.mark.allow_contract_violations
@pytest.mark.parametrize("path", ["/tokens", "/workspaces", "/deployments", "/roles", "/teams", "/users"])
def test_limit_above_1000_answers_400_with_field_errors(owner, path):
    answer = owner.get(path, params={"limit": 5000})
    assert answer.status_code == 400
    assert answer.json()["fieldErrors"][0]["field"] == "limit"
    assert owner.get(path, params={"limit": 1000}).status_code == 200


def test_sorts_by_name(owner):
    ascending = names(owner.get("/workspaces", params={"sorts": "name:asc"}), "workspaces")
    assert ascending == ["analytics", "data-platform", "ml-research"]
    assert names(owner.get("/workspaces", params={"sorts": "name:desc"}), "workspaces") == ascending[::-1]
    tokens = names(owner.get("/tokens", params={"sorts": "name:asc", "limit": 100}))
    assert tokens == sorted(tokens)


def test_tokens_filtered_by_workspace(owner, seed):
    answer = owner.get("/tokens", params={"workspaceId": seed.workspace("data-platform")})
    assert sorted(names(answer)) == ["ci-deployer", "data-platform-ci", "data-platform-owner"]


def test_tokens_filtered_by_deployment(owner, seed):
    answer = owner.get("/tokens", params={"deploymentId": seed.deployment("etl-prod")})
    assert sorted(names(answer)) == ["ci-deployer", "etl-prod-deployer"]


def test_tokens_filtered_to_organization_tokens(owner, seed):
    answer = owner.get("/tokens", params={"includeOnlyOrganizationTokens": "true", "limit": 100})
    assert {token["scope"] for token in answer.json()["tokens"]} == {"ORGANIZATION"}
    assert answer.json()["totalCount"] == sum(1 for token in seed.data["tokens"] if token["scope"] == "ORGANIZATION")
    both = owner.get("/tokens", params={"includeOnlyOrganizationTokens": "true", "workspaceId": seed.workspace("data-platform")})
    assert names(both) == ["ci-deployer"]


def test_tokens_filtered_by_kind(owner):
    assert owner.get("/tokens", params={"kind": "DIRECT_ACCESS"}).json()["totalCount"] == 0
    assert owner.get("/tokens", params={"kind": "STANDARD"}).json()["totalCount"] == 10


def test_token_list_entries_include_roles_and_never_secrets(owner, seed):
    tokens = owner.get("/tokens", params={"limit": 100}).json()["tokens"]
    ci = [token for token in tokens if token["name"] == "ci-deployer"][0]
    assert len(ci["roles"]) == 4
    assert all("token" not in token and "secret" not in token for token in tokens)


def test_two_tokens_may_share_a_name(owner):
    assert len([name for name in names(owner.get("/tokens", params={"limit": 100})) if name == "shared-automation"]) == 2


def test_names_and_id_filters(owner, seed):
    answer = owner.get("/workspaces", params={"names": ["analytics", "ml-research"]})
    assert sorted(names(answer, "workspaces")) == ["analytics", "ml-research"]
    answer = owner.get("/workspaces", params={"workspaceIds": [seed.workspace("analytics")]})
    assert names(answer, "workspaces") == ["analytics"]
    answer = owner.get("/deployments", params={"names": ["etl-prod", "training"]})
    assert sorted(names(answer, "deployments")) == ["etl-prod", "training"]
    answer = owner.get("/deployments", params={"workspaceIds": [seed.workspace("analytics")], "names": ["reporting-dev", "etl-prod"]})
    assert names(answer, "deployments") == ["reporting-dev"]
    answer = owner.get("/deployments", params={"deploymentIds": [seed.deployment("training"), seed.deployment("etl-staging")]})
    assert sorted(names(answer, "deployments")) == ["etl-staging", "training"]


def test_get_workspace_and_deployment(owner, seed):
    assert owner.get(f"/workspaces/{seed.workspace('analytics')}").json()["name"] == "analytics"
    deployment = owner.get(f"/deployments/{seed.deployment('training')}").json()
    assert deployment["workspaceName"] == "ml-research" and deployment["runtimeVersion"]
    assert owner.get("/workspaces/cnosuchworkspace000000000").status_code == 404
    assert owner.get("/deployments/cnosuchdeployment00000000").status_code == 404


def test_roles_list_custom_and_default(owner):
    custom = owner.get("/roles")
    assert sorted(names(custom, "roles")) == ["ANALYTICS_VIEWER", "DAG_RUNNER"] and "defaultRoles" not in custom.json()
    with_defaults = owner.get("/roles", params={"includeDefaultRoles": "true", "scopeTypes": ["DEPLOYMENT"]}).json()
    assert [role["name"] for role in with_defaults["defaultRoles"]] == ["DEPLOYMENT_ADMIN", "DEPLOYMENT_ACCESSOR"]
    assert sorted(r["name"] for r in with_defaults["roles"]) == ["ANALYTICS_VIEWER", "DAG_RUNNER"], "custom roles stay in roles"
    assert owner.get("/roles", params={"scopeTypes": ["WORKSPACE"]}).json()["roles"] == []


def test_secret_only_in_create_and_rotate_answers(owner, client_as, seed):
    created = owner.post("/tokens", json={"name": "new-ci", "role": "WORKSPACE_AUTHOR", "scope": "WORKSPACE",
                                          "entityId": seed.workspace("analytics"), "tokenExpiryPeriodInDays": 30})
    assert created.status_code == 200
    token = created.json()
    assert token["token"] and token["roles"] == [{"entityType": "WORKSPACE", "entityId": seed.workspace("analytics"), "role": "WORKSPACE_AUTHOR"}]
    assert token["expiryPeriodInDays"] == 30 and token["endAt"] and token["createdBy"]["apiTokenName"] == "ansible-automation-owner"
    assert len(token["id"]) == 25 and token["id"].startswith("c")
    read = owner.get(f"/tokens/{token['id']}").json()
    assert "token" not in read
    updated = owner.post(f"/tokens/{token['id']}", json={"name": "new-ci-renamed", "description": "d"}).json()
    assert "token" not in updated and updated["name"] == "new-ci-renamed"
    rotated = owner.post(f"/tokens/{token['id']}/rotate").json()
    assert rotated["token"] and rotated["token"] != token["token"] and rotated["lastRotatedAt"]
    assert client_as(secret=token["token"]).get("/roles").status_code == 401
    assert client_as(secret=rotated["token"]).get("/roles").status_code == 200


def test_create_validates_scope_entity_and_role(owner, seed):
    base = {"name": "x", "scope": "DEPLOYMENT"}
    assert owner.post("/tokens", json=dict(base, role="DEPLOYMENT_ADMIN")).status_code == 400
    assert owner.post("/tokens", json=dict(base, role="DEPLOYMENT_ADMIN", entityId="cnosuchdeployment00000000")).status_code == 400
    assert owner.post("/tokens", json=dict(base, role="ANALYTICS_VIEWER", entityId=seed.deployment("etl-prod"))).status_code == 400
    assert owner.post("/tokens", json=dict(base, role="ANALYTICS_VIEWER", entityId=seed.deployment("reporting-dev"))).status_code == 200
    assert owner.post("/tokens", json={"name": "x", "scope": "ORGANIZATION", "role": "WORKSPACE_OWNER"}).status_code == 400


def test_delete_token(owner, seed):
    token_id = seed.token_id("never-used-reader")
    answer = owner.delete(f"/tokens/{token_id}")
    assert answer.status_code == 204 and answer.content == b""
    assert owner.get(f"/tokens/{token_id}").status_code == 404
    assert owner.delete(f"/tokens/{token_id}").status_code == 404
