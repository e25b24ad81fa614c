"""Teams and users (SEMANTICS.md "Teams and users, and their roles"): lists, reads, roles writes, their rules and
who may do what. Every answer is checked against openapi.yaml (the `owner` client)."""

import pytest


def ids(answer, key):
    return [item["id"] for item in answer.json()[key]]


def names(answer):
    return sorted(team["name"] for team in answer.json()["teams"])


def emails(answer):
    return sorted(user["username"] for user in answer.json()["users"])


def whole_set(organization_role="ORGANIZATION_MEMBER", workspaces=(), deployments=(), dags=()):
    return {
        "organizationRole": organization_role,
        "workspaceRoles": [{"workspaceId": w, "role": r} for w, r in workspaces],
        "deploymentRoles": [{"deploymentId": d, "role": r} for d, r in deployments],
        "dagRoles": list(dags),
    }


# --- lists and reads ------------------------------------------------------------------------

@pytest.mark.parametrize("path,key", [("/teams", "teams"), ("/users", "users")])
def test_pagination_over_several_pages(owner, seed, path, key):
    seen = []
    for offset in range(0, 4, 2):
        page = owner.get(path, params={"offset": offset, "limit": 2}).json()
        assert page["totalCount"] == len(seed.data[key]) and page["offset"] == offset and page["limit"] == 2
        seen += [item["id"] for item in page[key]]
    assert seen == [item["id"] for item in seed.data[key]]


def test_teams_filtered_by_workspace_deployment_and_name(owner, seed):
    assert names(owner.get("/teams", params={"workspaceId": seed.workspace("data-platform")})) == ["data-engineers"]
    assert names(owner.get("/teams", params={"deploymentId": seed.deployment("reporting-prod")})) == ["analysts"]
    assert names(owner.get("/teams", params={"names": ["analysts", "platform-admins"]})) == ["analysts", "platform-admins"]
    assert names(owner.get("/teams", params={"sorts": "name:asc"})) == names(owner.get("/teams"))
    listed = [team["name"] for team in owner.get("/teams", params={"sorts": "name:desc"}).json()["teams"]]
    assert listed == sorted(listed, reverse=True)


def test_team_list_entries_carry_their_roles(owner, seed):
    team = next(t for t in owner.get("/teams").json()["teams"] if t["name"] == "ml-researchers")
    assert team["organizationRole"] == "ORGANIZATION_MEMBER" and team["isIdpManaged"] is True
    assert team["workspaceRoles"] == [{"workspaceId": seed.workspace("ml-research"), "role": "WORKSPACE_AUTHOR"}]
    assert team["dagRoles"][0]["dagId"] == "train_model"
    assert "memberIds" not in team


def test_team_list_with_an_unknown_workspace_or_deployment_answers_404(owner):
    for param in ("workspaceId", "deploymentId"):
        answer = owner.get("/teams", params={param: "cnosuchentity000000000000"})
        assert answer.status_code == 404 and "cnosuchentity000000000000" in answer.json()["message"]


def test_users_filtered_by_workspace_and_deployment(owner, seed):
    assert emails(owner.get("/users", params={"workspaceId": seed.workspace("analytics")})) == ["grace@acme.example"]
    assert emails(owner.get("/users", params={"deploymentId": seed.deployment("etl-staging")})) == ["alan@acme.example"]
    # ListUsers has no 404 in openapi.yaml: an unknown Workspace matches nobody.
    assert owner.get("/users", params={"workspaceId": "cnosuchentity000000000000"}).json()["users"] == []
    listed = [u["username"] for u in owner.get("/users", params={"sorts": "username:asc"}).json()["users"]]
    assert listed == sorted(listed)


def test_get_team_user_and_members(owner, seed):
    team = owner.get(f"/teams/{seed.team_id('data-engineers')}").json()
    assert [r["role"] for r in team["deploymentRoles"]] == ["DEPLOYMENT_ADMIN", "DEPLOYMENT_ADMIN"]
    user = owner.get(f"/users/{seed.user_id('ada@acme.example')}").json()
    assert user["organizationRole"] == "ORGANIZATION_OWNER" and user["status"] == "ACTIVE"
    members = owner.get(f"/teams/{seed.team_id('data-engineers')}/members").json()
    assert members["totalCount"] == 2
    assert sorted(m["username"] for m in members["teamMembers"]) == ["alan@acme.example", "katherine@acme.example"]


@pytest.mark.parametrize("path", ["/teams/{id}", "/teams/{id}/members", "/users/{id}"])
def test_unknown_team_or_user_answers_404_naming_it(owner, path):
    answer = owner.get(path.format(id="cnosuchsubject00000000000"))
    assert answer.status_code == 404 and "cnosuchsubject00000000000" in answer.json()["message"]


@pytest.mark.parametrize("path", ["/teams/{id}/roles", "/users/{id}/roles"])
def test_roles_write_of_an_unknown_subject_answers_404(owner, path):
    answer = owner.post(path.format(id="cnosuchsubject00000000000"), json=whole_set())
    assert answer.status_code == 404


# --- roles writes: the whole set is replaced ------------------------------------------------

def test_team_roles_write_replaces_the_whole_set(owner, seed):
    team_id = seed.team_id("ml-researchers")
    before = owner.get(f"/teams/{team_id}").json()
    new = whole_set(workspaces=[(seed.workspace("analytics"), "WORKSPACE_MEMBER")])
    answer = owner.post(f"/teams/{team_id}/roles", json=new)
    assert answer.status_code == 200 and answer.json() == new
    after = owner.get(f"/teams/{team_id}").json()
    # The ml-research role, the Deployment role and the DAG role were left out: gone.
    assert (after["workspaceRoles"], after["deploymentRoles"], after["dagRoles"]) == (new["workspaceRoles"], [], [])
    assert after["updatedAt"] >= before["updatedAt"] and after["updatedBy"]["subjectType"] == "SERVICEKEY"


def test_a_list_left_out_is_written_as_empty(owner, seed):
    """The Terraform provider's Delete sends only organizationRole to remove every other role."""
    user_id = seed.user_id("grace@acme.example")
    assert owner.post(f"/users/{user_id}/roles", json={"organizationRole": "ORGANIZATION_MEMBER"}).status_code == 200
    user = owner.get(f"/users/{user_id}").json()
    assert (user["workspaceRoles"], user["deploymentRoles"], user["dagRoles"]) == ([], [], [])


def test_user_roles_write_with_workspace_deployment_and_dag_roles(owner, seed):
    user_id = seed.user_id("katherine@acme.example")
    training = seed.deployment("training")
    new = whole_set(workspaces=[(seed.workspace("ml-research"), "WORKSPACE_OPERATOR")], deployments=[(training, "DAG_RUNNER")],
                    dags=[{"deploymentId": training, "dagTag": "nightly", "role": "DAG_VIEWER"}])
    assert owner.post(f"/users/{user_id}/roles", json=new).json() == new
    assert emails(owner.get("/users", params={"deploymentId": training})) == ["katherine@acme.example"]
    assert emails(owner.get("/users", params={"dagTags": ["nightly"]})) == ["katherine@acme.example"]


def test_no_concurrency_control_last_write_wins(owner, seed):
    team_id = seed.team_id("platform-admins")
    first = whole_set(workspaces=[(seed.workspace("analytics"), "WORKSPACE_MEMBER")])
    second = whole_set(workspaces=[(seed.workspace("ml-research"), "WORKSPACE_MEMBER")])
    # Two clients that read the same set each write back their own edit: the first edit is lost.
    assert owner.post(f"/teams/{team_id}/roles", json=first).status_code == 200
    assert owner.post(f"/teams/{team_id}/roles", json=second).status_code == 200
    assert owner.get(f"/teams/{team_id}").json()["workspaceRoles"] == second["workspaceRoles"]


# --- roles writes: the rules ----------------------------------------------------------------

def _bad_sets(seed):
    data_platform, analytics = seed.workspace("data-platform"), seed.workspace("analytics")
    etl_prod, reporting_prod = seed.deployment("etl-prod"), seed.deployment("reporting-prod")
    return {
        "organization role": (whole_set("ORGANIZATION_ADMIN"), "ORGANIZATION_ADMIN"),
        "unknown Workspace": (whole_set(workspaces=[("cnosuchworkspace000000000", "WORKSPACE_MEMBER")]), "cnosuchworkspace000000000"),
        "two roles on one Workspace": (whole_set(workspaces=[(analytics, "WORKSPACE_MEMBER"), (analytics, "WORKSPACE_OWNER")]), analytics),
        "unknown Deployment": (whole_set(workspaces=[(data_platform, "WORKSPACE_MEMBER")],
                                         deployments=[("cnosuchdeployment00000000", "DEPLOYMENT_ADMIN")]), "cnosuchdeployment00000000"),
        "Deployment role name": (whole_set(workspaces=[(data_platform, "WORKSPACE_MEMBER")], deployments=[(etl_prod, "DEPLOYMENT_OWNER")]),
                                 "DEPLOYMENT_OWNER"),
        "custom role outside its Workspaces": (whole_set(workspaces=[(data_platform, "WORKSPACE_MEMBER")],
                                                         deployments=[(etl_prod, "ANALYTICS_VIEWER")]), "restricted"),
        "Deployment role without a Workspace role": (whole_set(deployments=[(reporting_prod, "DEPLOYMENT_ADMIN")]), analytics),
        "two roles on one Deployment": (whole_set(workspaces=[(data_platform, "WORKSPACE_MEMBER")],
                                                  deployments=[(etl_prod, "DEPLOYMENT_ADMIN"), (etl_prod, "DAG_RUNNER")]), etl_prod),
        "DAG role without a Deployment role": (whole_set(workspaces=[(data_platform, "WORKSPACE_MEMBER")],
                                                         dags=[{"deploymentId": etl_prod, "dagId": "d", "role": "DAG_VIEWER"}]), etl_prod),
        "DAG role with dagId and dagTag": (whole_set(workspaces=[(data_platform, "WORKSPACE_MEMBER")], deployments=[(etl_prod, "DEPLOYMENT_ADMIN")],
                                                     dags=[{"deploymentId": etl_prod, "dagId": "d", "dagTag": "t", "role": "DAG_VIEWER"}]),
                                           "exactly one of dagId and dagTag"),
    }


BAD_SETS = ["organization role", "unknown Workspace", "two roles on one Workspace", "unknown Deployment", "Deployment role name",
            "custom role outside its Workspaces", "Deployment role without a Workspace role", "two roles on one Deployment",
            "DAG role without a Deployment role", "DAG role with dagId and dagTag"]


@pytest.mark.parametrize("subject", ["team", "user"])
@pytest.mark.parametrize("case", BAD_SETS)
def test_a_write_that_breaks_a_rule_answers_400_and_changes_nothing(owner, seed, subject, case):
    subject_id = seed.team_id("data-engineers") if subject == "team" else seed.user_id("alan@acme.example")
    path = f"/{subject}s/{subject_id}"
    before = owner.get(path).json()
    body, named = _bad_sets(seed)[case]
    answer = owner.post(path + "/roles", json=body)
    assert answer.status_code == 400 and named in answer.json()["message"], answer.json()
    assert owner.get(path).json() == before


def test_user_write_without_organization_role_answers_400(owner, seed):
    user_id = seed.user_id("alan@acme.example")
    body = {"workspaceRoles": [{"workspaceId": seed.workspace("analytics"), "role": "WORKSPACE_MEMBER"}]}
    answer = owner.post(f"/users/{user_id}/roles", json=body)
    assert answer.status_code == 400 and "organizationRole" in answer.json()["message"]


@pytest.mark.allow_contract_violations
def test_team_write_without_organization_role_or_with_a_bad_workspace_role_answers_400_with_field_errors(owner, seed):
    team_id = seed.team_id("analysts")
    answer = owner.post(f"/teams/{team_id}/roles", json={"workspaceRoles": []})
    assert answer.status_code == 400 and answer.json()["fieldErrors"][0]["field"] == "organizationRole"
    bad_role = whole_set(workspaces=[(seed.workspace("analytics"), "WORKSPACE_ADMIN")])
    answer = owner.post(f"/teams/{team_id}/roles", json=bad_role)
    assert answer.status_code == 400 and answer.json()["fieldErrors"][0]["field"] == "workspaceRoles[0].role"


# --- who may do what (assumed, as for tokens) -----------------------------------------------

def test_organization_member_may_read_teams_and_users_but_not_write_their_roles(client_as, seed):
    member = client_as("org-member-readonly")
    team_id, user_id = seed.team_id("analysts"), seed.user_id("grace@acme.example")
    assert member.get("/teams").status_code == 200 and member.get("/users").status_code == 200
    assert member.get(f"/teams/{team_id}/members").status_code == 200
    current = member.get(f"/users/{user_id}").json()
    same = {key: current[key] for key in ("organizationRole", "workspaceRoles", "deploymentRoles", "dagRoles")}
    for path in (f"/teams/{team_id}/roles", f"/users/{user_id}/roles"):
        answer = member.post(path, json=same)
        assert answer.status_code == 403 and "ORGANIZATION_OWNER" in answer.json()["message"]


def test_workspace_owner_token_reads_the_people_of_its_own_workspace_only(client_as, seed):
    workspace_owner = client_as("data-platform-owner")
    own, other = seed.workspace("data-platform"), seed.workspace("analytics")
    assert names(workspace_owner.get("/teams", params={"workspaceId": own})) == ["data-engineers"]
    assert emails(workspace_owner.get("/users", params={"deploymentId": seed.deployment("etl-staging")})) == ["alan@acme.example"]
    assert workspace_owner.get("/teams").status_code == 403
    assert workspace_owner.get("/users", params={"workspaceId": other}).status_code == 403
    assert workspace_owner.get(f"/teams/{seed.team_id('data-engineers')}").status_code == 200
    assert workspace_owner.get(f"/teams/{seed.team_id('analysts')}").status_code == 403
    assert workspace_owner.get(f"/users/{seed.user_id('grace@acme.example')}").status_code == 403
    answer = workspace_owner.post(f"/teams/{seed.team_id('data-engineers')}/roles", json=whole_set(workspaces=[(own, "WORKSPACE_OWNER")]))
    assert answer.status_code == 403
