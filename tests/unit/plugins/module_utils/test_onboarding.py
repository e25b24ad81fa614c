# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The onboarding plan (module_utils/onboarding.py): declarations and listings in; the token writes, one token_roles
edit per token and the changes by Workspace out; no HTTP."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
import yaml

from ansible_collections.astro.platform.plugins.module_utils import onboarding
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError

AnsibleFilterError = AstroInputError  # what a bad declaration raises
NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def onboarding_plan(declarations, lookup, tokens=None, exclusive=False, state="present", limit=None, deployment_roles=None,
                    people=None):
    """The declarations checked, then planned; each edit's token_roles arguments as `tokens`, with its label, and each
    team's and user's edit (its team_roles or user_roles arguments, with module and label) as `people`."""
    onboarding.check_declarations(declarations, state, exclusive)
    plan = onboarding.plan(declarations, lookup, tokens, deployment_roles, exclusive, state, limit, NOW, people)
    return dict(plan, tokens=[dict(e["arguments"], label=e["label"]) for e in plan["edits"]],
                people=[dict(e["arguments"], module=e["module"], label=e["label"]) for e in plan["people_edits"]])


def problems(declarations, state="present", exclusive=False):
    """The message of the first malformed declaration or entry, found before any look-up."""
    try:
        onboarding.check_declarations(declarations, state, exclusive)
    except AstroInputError as exc:
        return [str(exc)]
    return []


LOOKUP = {
    "workspaces": [{"id": "cw1", "name": "data"}, {"id": "cw2", "name": "analytics"}, {"id": "cw3", "name": "twin"},
                   {"id": "cw4", "name": "twin"}],
    "deployments": [{"id": "cd1", "name": "etl", "workspace_id": "cw1"}, {"id": "cd2", "name": "staging", "workspace_id": "cw1"},
                    {"id": "cd3", "name": "reports", "workspace_id": "cw2"}, {"id": "cd4", "name": "etl", "workspace_id": "cw2"}],
}


def org(token, role="WORKSPACE_MEMBER"):
    return {"token": token, "role": role}


def grant(token, deployments="all", role="DEPLOYMENT_ADMIN", **extra):
    return dict(token=token, role=role, deployments=deployments, **extra)


def edits_by_token(plan):
    """The edits by token name as declared, or by ID (a token declared by name is edited by its ID when the tokens are given)."""
    return {e.get("token_name") or e["token_id"]: e for e in plan["tokens"]}


def test_one_edit_per_token_for_all_workspaces():
    plan = onboarding_plan([
        {"workspace": "data", "org_tokens": [org("ci")], "deployment_tokens": [grant("ci", token_scope="organization")]},
        {"workspace_id": "cw2", "org_tokens": [org("ci", "WORKSPACE_OWNER")], "deployment_tokens": [grant("ci", ["reports"])]},
    ], LOOKUP)
    assert len(plan["tokens"]) == 1
    ci = plan["tokens"][0]
    assert ci["token_name"] == "ci" and ci["token_scope"] == "organization"
    assert ci["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER", "state": "present"},
                                     {"workspace_id": "cw2", "role": "WORKSPACE_OWNER", "state": "present"}]
    assert [(d["deployment_id"], d["workspace_id"]) for d in ci["deployment_roles"]] == [("cd1", "cw1"), ("cd2", "cw1"), ("cd3", "cw2")]
    assert ci["label"] == "ci: 2 Workspace and 3 Deployment role(s)"
    assert plan["undeclared"] == []


def test_same_named_workspace_tokens_of_different_workspaces_stay_apart():
    plan = onboarding_plan([
        {"workspace": "data", "deployment_tokens": [grant("airflow-ci", ["etl"], token_scope="workspace")]},
        {"workspace": "analytics", "deployment_tokens": [grant("airflow-ci", ["etl"], token_scope="workspace")]},
    ], LOOKUP)
    assert [(e["token_name"], e["deployment_roles"][0]["workspace_id"]) for e in plan["tokens"]] == [("airflow-ci", "cw1"), ("airflow-ci", "cw2")]
    assert all(e["token_scope"] == "workspace" for e in plan["tokens"])


def test_ids_are_matched_without_regard_to_case_and_names_exactly():
    plan = onboarding_plan([{"workspace_id": "CW2", "org_tokens": [{"token_id": "CTOK1", "role": "WORKSPACE_MEMBER"}],
                             "deployment_tokens": [grant("ci", ["CD3"])]}], LOOKUP)
    # Without a token listing the edits name the tokens as declared (token_roles then resolves them).
    edits = edits_by_token(plan)
    assert edits["ctok1"]["token_id"] == "ctok1" and edits["ctok1"]["workspace_roles"][0]["workspace_id"] == "cw2"
    assert [d["deployment_id"] for d in edits["ci"]["deployment_roles"]] == ["cd3"]
    with pytest.raises(AnsibleFilterError, match="ETL"):
        onboarding_plan([{"workspace": "analytics", "deployment_tokens": [grant("ci", ["ETL"])]}], LOOKUP)
    with pytest.raises(AnsibleFilterError, match="named 'DATA'"):
        onboarding_plan([{"workspace": "DATA", "org_tokens": [org("ci")]}], LOOKUP)


def test_a_deployment_is_named_by_id_or_name_within_its_workspace():
    plan = onboarding_plan([{"workspace": "analytics", "deployment_tokens": [grant("ci", ["etl", "cd3"])]}], LOOKUP)
    assert [d["deployment_id"] for d in plan["tokens"][0]["deployment_roles"]] == ["cd4", "cd3"]
    assert "token_scope" not in plan["tokens"][0]


def test_state_absent_removes_the_declared_roles_only():
    """Each removal carries its declared role: token_roles removes a role only where the token holds that one."""
    plan = onboarding_plan([{"workspace": "data", "state": "absent", "org_tokens": [{"token_id": "ct1", "role": "WORKSPACE_OWNER"}],
                             "deployment_tokens": [grant("ci")]}], LOOKUP)
    tokens = edits_by_token(plan)
    assert tokens["ct1"]["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_OWNER", "state": "absent"}]
    assert [(d["state"], d["role"]) for d in tokens["ci"]["deployment_roles"]] == [("absent", "DEPLOYMENT_ADMIN")] * 2
    assert tokens["ci"]["label"].endswith(", 2 to remove")


def test_the_default_state_applies_to_declarations_without_one():
    plan = onboarding_plan([{"workspace": "data", "org_tokens": [org("ci")]}], LOOKUP, state="absent")
    assert plan["tokens"][0]["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER", "state": "absent"}]


def test_state_absent_without_a_role_removes_any_role():
    plan = onboarding_plan([{"workspace": "data", "state": "absent", "org_tokens": [{"token": "ci"}]}], LOOKUP)
    assert plan["tokens"][0]["workspace_roles"] == [{"workspace_id": "cw1", "state": "absent"}]


HOLDERS = [
    {"id": "ct-ci", "name": "ci", "scope": "ORGANIZATION", "roles": [
        {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"},
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"},
        {"entityType": "DEPLOYMENT", "entityId": "cd2", "role": "DEPLOYMENT_ADMIN"},
        {"entityType": "DEPLOYMENT", "entityId": "cd3", "role": "DEPLOYMENT_ADMIN"}]},
    {"id": "ct-old", "name": "old", "scope": "ORGANIZATION", "roles": [
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"},
        {"entityType": "WORKSPACE", "entityId": "cw2", "role": "WORKSPACE_OWNER"}]},
    {"id": "ct-ws", "name": "data-own", "scope": "WORKSPACE", "roles": [
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"},
        {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DAG_RUNNER"}]},
    {"id": "ct-dep", "name": "etl-own", "scope": "DEPLOYMENT", "roles": [
        {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"}]},
]


def test_exclusive_removes_only_undeclared_roles_in_that_workspace():
    plan = onboarding_plan([{"workspace": "data", "exclusive": True, "org_tokens": [org("ci")],
                             "deployment_tokens": [grant("ci", ["etl"])]}], LOOKUP, HOLDERS)
    tokens = edits_by_token(plan)
    # ci keeps its declared roles; its undeclared role on staging goes (by ID), its role in analytics stays.
    # Each removal names the role listed, so a role given meanwhile is kept, not removed.
    assert tokens["ct-ci"]["deployment_roles"] == [{"deployment_id": "cd2", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN", "state": "absent"}]
    # old loses its role in data only; the Workspace token loses its Deployment role but keeps its own Workspace role;
    # the Deployment token is never touched.
    assert tokens["ct-old"]["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_OWNER", "state": "absent"}]
    assert tokens["ct-ws"]["deployment_roles"] == [{"deployment_id": "cd1", "workspace_id": "cw1", "role": "DAG_RUNNER", "state": "absent"}]
    assert tokens["ct-ws"]["workspace_roles"] == []
    assert "ct-dep" not in tokens
    assert plan["undeclared"] == [{"workspace": "data", "workspace_roles": ["old (ct-old): WORKSPACE_OWNER"],
                                   "deployment_roles": ["ci (ct-ci): DEPLOYMENT_ADMIN: staging", "data-own (ct-ws): DAG_RUNNER: etl"]}]


def test_exclusive_compares_ids_so_a_same_named_undeclared_token_loses_its_role():
    """ci is declared by name as an Organization token (its org_tokens entry says so); a Workspace token also named
    ci holding a role on the declared Deployment is another token, and is not declared."""
    twin = {"id": "ct-ci-ws", "name": "ci", "scope": "WORKSPACE", "roles": [
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"},
        {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"}]}
    plan = onboarding_plan([{"workspace": "data", "exclusive": True, "org_tokens": [org("ci")],
                             "deployment_tokens": [grant("ci", ["etl", "staging"])]}], LOOKUP, HOLDERS + [twin])
    tokens = edits_by_token(plan)
    assert tokens["ct-ci"]["token_scope"] == "organization"
    assert tokens["ct-ci-ws"]["deployment_roles"] == [{"deployment_id": "cd1", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN",
                                                       "state": "absent"}]
    assert "ci (ct-ci-ws): DEPLOYMENT_ADMIN: etl" in plan["undeclared"][0]["deployment_roles"]
    assert all(r["state"] == "present" for r in tokens["ct-ci"]["deployment_roles"])  # the declared one keeps its roles


def test_exclusive_with_an_ambiguous_declared_name_fails_before_anything_is_written():
    other_ci = {"id": "ct-ci2", "name": "ci", "scope": "ORGANIZATION", "roles": [{"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"}]}
    with pytest.raises(AnsibleFilterError,
                       match=r"2 ORGANIZATION tokens are named 'ci'; name one by ID instead: ct-ci \(scope ORGANIZATION, description ''\); ct-ci2 "):
        onboarding_plan([{"workspace": "data", "exclusive": True, "org_tokens": [org("ci")]}], LOOKUP, HOLDERS + [other_ci])


def test_exclusive_from_the_default_and_as_a_string_and_ignored_with_absent():
    declared = {"workspace": "data", "org_tokens": [org("ci")], "deployment_tokens": [grant("ci", ["etl"])]}
    assert onboarding_plan([declared], LOOKUP, HOLDERS, exclusive=True)["undeclared"]
    assert not onboarding_plan([dict(declared, exclusive="no")], LOOKUP, HOLDERS, exclusive=True)["undeclared"]
    assert not onboarding_plan([dict(declared, exclusive=True, state="absent")], LOOKUP, HOLDERS)["undeclared"]


def test_exclusive_without_the_token_list_fails():
    with pytest.raises(AnsibleFilterError, match="exclusive"):
        onboarding_plan([{"workspace": "data", "exclusive": True}], LOOKUP)


def test_a_null_exclusive_takes_the_default_in_the_look_ups_and_in_the_plan_alike():
    """exclusive: null with the role's default true: every token is listed, and the undeclared roles are removed."""
    declared = [{"workspace": "data", "exclusive": None, "org_tokens": [org("ci")], "deployment_tokens": [grant("ci", ["etl"])]}]
    needs = onboarding.needs(declared, default_exclusive=True)
    assert needs["every_token"], needs
    plan = onboarding_plan(declared, LOOKUP, HOLDERS if needs["every_token"] else None, exclusive=True)
    assert [u["workspace"] for u in plan["undeclared"]] == ["data"]


@pytest.mark.parametrize(("declarations", "message"), [
    ([{"workspace": "nope"}], "No Workspace is named 'nope'; there are: 'analytics', 'data', 'twin'."),
    ([{"workspace": "Data"}], "No Workspace is named 'Data'; names are case-sensitive: did you mean 'data'?"),
    ([{"workspace": "analytic"}], "No Workspace is named 'analytic'; did you mean 'analytics'?"),
    ([{"workspace": "twin"}], "2 Workspaces are named 'twin'; name one by ID instead: cw3; cw4."),
    ([{"workspace_id": "cw9"}], "No Workspace has the ID 'cw9'."),
    ([{"workspace": "data"}, {"workspace_id": "cw1"}], "Workspace data (cw1) is declared twice"),
    ([{"workspace": "data", "deployment_tokens": [grant("ci", ["etl", "reports"])]}],
     "deployment_tokens[0] (token 'ci'): No Deployment is named 'reports' in Workspace data (cw1); there are: 'etl', 'staging'."),
    ([{"workspace": "data", "org_tokens": [org("ci"), org("ci", "WORKSPACE_OWNER")]}],
     "Token ci is declared with role WORKSPACE_MEMBER and with role WORKSPACE_OWNER on WORKSPACE cw1"),
])
def test_bad_declarations_fail_naming_the_bad_value(declarations, message):
    with pytest.raises(AnsibleFilterError) as caught:
        onboarding_plan(declarations, LOOKUP)
    assert message in str(caught.value)


def test_a_workspace_scoped_name_does_not_conflict_with_the_organization_token_of_that_name():
    plan = onboarding_plan([{"workspace": "data", "deployment_tokens": [grant("ci", ["etl"], token_scope="organization"),
                                                                        grant("ci", ["staging"], token_scope="workspace")]}], LOOKUP)
    assert len(plan["tokens"]) == 2


def test_conflicting_scopes_for_one_token_id_fail():
    with pytest.raises(AnsibleFilterError, match="both as an Organization token and as a Workspace token"):
        onboarding_plan([{"workspace": "data", "org_tokens": [{"token_id": "ct1", "role": "WORKSPACE_MEMBER"}],
                          "deployment_tokens": [dict(token_id="ct1", token_scope="workspace", role="DEPLOYMENT_ADMIN", deployments="all")]}],
                        LOOKUP)


def test_same_role_declared_twice_is_one_edit():
    plan = onboarding_plan([{"workspace": "data", "org_tokens": [org("ci"), org("ci")]}], LOOKUP)
    assert plan["tokens"][0]["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER", "state": "present"}]


@pytest.mark.parametrize("declarations, message", [
    ([{"workspace": "data"}, {"workspace": "analytics", "org_tokens": [org("a"), org("b"), org("c", "WORKSPACE_BOSS")]}],
     "workspace_onboarding_workspaces[1] (Workspace 'analytics') org_tokens[2] (token 'c'): role 'WORKSPACE_BOSS' is not valid; "
     "valid: WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR."),
    ([{"workspace_id": "cw1", "org_tokens": [{"token": "a"}]}],
     "workspace_onboarding_workspaces[0] (Workspace 'cw1') org_tokens[0] (token 'a'): role is required; valid: WORKSPACE_OWNER"),
    ([{"workspace": "data", "workspace_id": "cw1"}],
     "workspace_onboarding_workspaces[0] (Workspace 'data'): give exactly one of workspace and workspace_id, not workspace and workspace_id."),
    ([{"workspace": "data", "deployment_tokens": [grant("a"), {"token_id": "ct1", "role": "DEPLOYMENT_ADMIN"}]}],
     "workspace_onboarding_workspaces[0] (Workspace 'data') deployment_tokens[1] (token 'ct1'): deployments is required"),
    ([{"workspace": "data", "deployment_tokens": [grant("a", token_scope="deployment")]}],
     "deployment_tokens[0] (token 'a'): token_scope 'deployment' is not valid; valid: organization, workspace."),
    ([{"workspace": "data", "deployment_tokens": [{"role": "DEPLOYMENT_ADMIN", "deployments": "all"}]}],
     "deployment_tokens[0] (token None): give exactly one of token and token_id, not neither."),
    ([{"workspace": "data", "state": "gone"}], "(Workspace 'data'): state 'gone' is not valid; valid: present, absent."),
])
def test_a_malformed_entry_is_named_by_index_and_name(declarations, message):
    with pytest.raises(AnsibleFilterError) as raised:
        onboarding_plan(declarations, LOOKUP)
    assert message in str(raised.value)
    assert problems(declarations) == [str(raised.value)]


@pytest.mark.parametrize(("declarations", "state", "message"), [
    ([], "gone", "workspace_onboarding_state: value 'gone' is not valid; valid: present, absent."),
    ([], None, "workspace_onboarding_state: value is required; valid: present, absent."),
    ({"workspace": "data"}, "present", "workspace_onboarding_workspaces must be a list of Workspace declarations, not 'dict'."),
])
def test_the_role_variables_are_checked_as_the_declarations(declarations, state, message):
    # playbooks/onboard_workspaces.yml skips the role's argument validation: this check is the one that runs.
    with pytest.raises(AnsibleFilterError, match=message):
        onboarding_plan(declarations, LOOKUP, state=state)
    assert problems(declarations, state=state) == [message]


def test_needs_tells_what_to_look_up_for_well_formed_declarations_with_no_lookup():
    needs = onboarding.needs([{"workspace": "nowhere", "org_tokens": [org("ci")], "deployment_tokens": [grant("ci"), grant("bot")]}])
    assert needs == dict(token_names=["ci", "bot"], every_token=False, custom_roles=False, teams=False, users=False)


def test_needs_asks_for_every_token_and_the_custom_roles_when_declarations_need_them():
    declarations = [{"workspace": "a", "deployment_tokens": [dict(grant("ci"), role="DAG_RUNNER")]},
                    {"workspace": "b", "exclusive": "yes", "org_tokens": [org("ci")]}]
    needs = onboarding.needs(declarations)
    assert (needs["every_token"], needs["custom_roles"]) == (True, True)
    assert onboarding.needs(declarations[:1], default_exclusive=True)["every_token"], "the role's default exclusive"
    own = [{"workspace": "a", "workspace_tokens": [{"name": "a-ci", "role": "WORKSPACE_MEMBER"}]}]
    assert onboarding.needs(own)["every_token"], "declared tokens are found among every token"
    assert onboarding.needs([{"workspace": "a", "org_tokens": [{"token_id": "ct1", "role": "WORKSPACE_MEMBER"}]}])["every_token"], \
        "a token named by ID is checked in the listing"


def test_a_limit_plans_only_its_workspaces_but_checks_every_declaration():
    declarations = [{"workspace": "data", "org_tokens": [org("ci")]}, {"workspace": "analytics", "org_tokens": [org("bot")]}]
    plan = onboarding_plan(declarations, LOOKUP, limit=["CW2"])
    assert list(edits_by_token(plan)) == ["bot"]
    assert plan["workspaces"] == {"cw2": "analytics"}
    assert onboarding_plan(declarations, LOOKUP)["workspaces"] == {"cw1": "data", "cw2": "analytics"}
    with pytest.raises(AnsibleFilterError, match=r"No Workspace is named 'analytcs'; did you mean 'analytics'\?"):
        onboarding_plan(declarations + [{"workspace": "analytcs", "org_tokens": [org("bot")]}], LOOKUP, limit=["cw2"])


def test_deployment_roles_are_checked_in_every_entry_before_the_plan_is_made():
    roles = {"custom": [{"name": "DAG_RUNNER", "scopeType": "DEPLOYMENT", "restrictedWorkspaceIds": []}],
             "default": [{"name": "DEPLOYMENT_ADMIN", "scopeType": "DEPLOYMENT"}]}
    declarations = [{"workspace": "data", "deployment_tokens": [grant("ci", role="DAG_RUNNER")]},
                    {"workspace": "analytics", "deployment_tokens": [grant("ci"), grant("bot", role="DAG_RUNNR")]}]
    with pytest.raises(AnsibleFilterError) as failed:
        onboarding_plan(declarations, LOOKUP, deployment_roles=roles, limit=["data"])
    assert str(failed.value).startswith("workspace_onboarding_workspaces[1] (Workspace 'analytics') deployment_tokens[1] (token 'bot'): "
                                        "role 'DAG_RUNNR' is neither a default Deployment role nor a custom Deployment role")
    assert "DAG_RUNNER (custom)" in str(failed.value)
    declarations[1]["deployment_tokens"][1]["role"] = "DAG_RUNNER"
    assert len(onboarding_plan(declarations, LOOKUP, deployment_roles=roles)["tokens"]) == 2


def test_tokens_declared_by_name_are_resolved_before_any_write():
    plan = onboarding_plan([{"workspace": "data", "org_tokens": [org("ci")]}], LOOKUP, HOLDERS)
    assert [(e["token_id"], "token_name" in e, e["label"].split(":")[0]) for e in plan["tokens"]] == [("ct-ci", False, "ci")]
    with pytest.raises(AnsibleFilterError, match=r"No ORGANIZATION token is named 'cii'; did you mean 'ci'\?"):
        onboarding_plan([{"workspace": "data", "org_tokens": [org("ci")]}, {"workspace": "analytics", "org_tokens": [org("cii")]}],
                        LOOKUP, HOLDERS)
    with pytest.raises(AnsibleFilterError, match=r"No ORGANIZATION token is named 'data-own': 'data-own' \(ct-ws\) is a WORKSPACE token "
                                                 r"of Workspace cw1; this task needs an Organization token\."):
        onboarding_plan([{"workspace": "data", "org_tokens": [org("data-own")]}], LOOKUP, HOLDERS)


def test_an_unknown_key_fails_naming_it_and_the_closest_valid_one():
    """org_token: for org_tokens: in entry 500 of 1 000 fails before any look-up (it was ignored: rc 0, no roles)."""
    declarations = [{"workspace": "w{0}".format(i), "org_tokens": [org("ci")]} for i in range(1000)]
    declarations[499] = {"workspace": "w499", "org_token": [org("ci")]}
    [message] = problems(declarations)
    assert message.startswith("workspace_onboarding_workspaces[499] (Workspace 'w499'): unknown key 'org_token' "
                              "(did you mean 'org_tokens'?); valid keys: workspace, workspace_id, org_tokens"), message
    [message] = problems([{"workspace": "data", "deployment_tokens": [dict(grant("ci"), deployment=["etl"])]}])
    assert "deployment_tokens[0] (token 'ci'): unknown key 'deployment' (did you mean 'deployments'?)" in message, message


def test_an_unknown_token_id_fails_in_the_plan_before_any_write():
    declarations = [{"workspace": "data", "org_tokens": [org("ci"), {"token_id": "ct-nope", "role": "WORKSPACE_MEMBER"}]}]
    with pytest.raises(AstroInputError, match="No token has the ID 'ct-nope'"):
        onboarding_plan(declarations, LOOKUP, HOLDERS)


def test_a_limit_compares_ids_with_ids():
    """A Workspace renamed to another Workspace's ID is not in that Workspace's limit."""
    lookup = {"workspaces": LOOKUP["workspaces"] + [{"id": "cw5", "name": "cw1"}], "deployments": LOOKUP["deployments"]}
    declarations = [{"workspace_id": "cw5", "org_tokens": [org("bot")]}, {"workspace": "data", "org_tokens": [org("ci")]}]
    plan = onboarding_plan(declarations, lookup, limit=["cw1"])
    assert plan["workspaces"] == {"cw1": "data"} and list(edits_by_token(plan)) == ["ci"]
    assert onboarding_plan(declarations, lookup, limit=["analytics"])["workspaces"] == {}, "a name stands for its Workspaces"


def test_the_schema_is_the_roles_argument_spec():
    """meta/argument_specs.yml (what ansible-doc -t role shows) documents exactly the keys and types the plan enforces."""
    spec_file = Path(__file__).resolve().parents[4] / "roles" / "workspace_onboarding" / "meta" / "argument_specs.yml"
    options = yaml.safe_load(spec_file.read_text())["argument_specs"]["main"]["options"]["workspace_onboarding_workspaces"]["options"]
    documented = {key: ({sub: o["type"] for sub, o in option["options"].items()} if "options" in option else option["type"])
                  for key, option in options.items()}
    assert documented == onboarding.SCHEMA


# The declared Workspace and Deployment tokens: what to create or check, the checks, and the check-mode plan.
OWN_LOOKUP = {
    "workspaces": [{"id": "cw1", "name": "data"}, {"id": "cw2", "name": "analytics"}],
    "deployments": [{"id": "cd1", "name": "etl", "workspace_id": "cw1"}, {"id": "cd2", "name": "staging", "workspace_id": "cw1"}],
}


def listed(token_id, name, scope, entity_id, role, description="", created_at="2029-12-01T00:00:00Z", expiry=None):
    """A token as token_info lists it."""
    return dict(id=token_id, name=name, scope=scope, description=description, created_at=created_at, expiry=expiry,
                roles=[dict(entityType=scope, entityId=entity_id, role=role)])


def declared(secrets="/s", **extra):
    return [dict({"workspace": "data",
                  "workspace_tokens": [{"name": "data-ci", "role": "WORKSPACE_OPERATOR", "secret_file": secrets + "/data-ci"}],
                  "deployment_own_tokens": [{"deployment": "etl", "name": "etl-bot", "role": "DEPLOYMENT_ADMIN",
                                             "secret_file": secrets + "/etl-bot"}]}, **extra)]


@pytest.fixture
def secrets(tmp_path):
    """A directory that holds the declared tokens' secret files (a token that exists and has its file costs nothing)."""
    for name in ("data-ci", "etl-bot"):
        (tmp_path / name).write_text("a secret")
    return str(tmp_path)


def token_writes(declarations, tokens, state="present"):
    return onboarding_plan(declarations, OWN_LOOKUP, tokens, state=state)["token_writes"]


def test_missing_tokens_are_created_and_existing_unchanged_ones_cost_nothing(secrets):
    writes = token_writes(declared(), [])
    assert [(w["arguments"]["name"], w["arguments"]["scope"], w["arguments"].get("workspace_id"), w["arguments"].get("deployment_id"),
             w["workspace_id"]) for w in writes] == [("data-ci", "workspace", "cw1", None, "cw1"), ("etl-bot", "deployment", None, "cd1", "cw1")]
    tokens = [listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), listed("ct2", "etl-bot", "DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")]
    assert token_writes(declared(secrets), tokens) == []


def test_an_existing_token_whose_secret_file_is_missing_goes_to_api_token(secrets):
    # A failed run may have lost the create's answer: api_token finds its record and hands a secret over.
    os.remove(os.path.join(secrets, "etl-bot"))
    tokens = [listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), listed("ct2", "etl-bot", "DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")]
    assert [w["arguments"]["name"] for w in token_writes(declared(secrets), tokens)] == ["etl-bot"]


@pytest.mark.parametrize("entry, token", [
    ({"role": "WORKSPACE_AUTHOR"}, {}),
    ({"description": "new"}, {}),
    ({"expiry_days": 30}, {}),
    ({"rotate_after_days": 10}, {"created_at": "2000-01-01T00:00:00Z"}),
])
def test_a_token_that_may_need_a_change_goes_to_api_token(entry, token, secrets):
    declarations = declared(secrets)
    declarations[0]["workspace_tokens"][0].update(entry)
    tokens = [dict(listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), **token),
              listed("ct2", "etl-bot", "DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")]
    assert [w["arguments"]["name"] for w in token_writes(declarations, tokens)] == ["data-ci"]


def test_a_new_token_without_secret_file_and_an_ambiguous_name_fail_before_any_write():
    tokens = [listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR"), listed("ct9", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_OPERATOR")]
    with pytest.raises(AstroInputError) as ambiguous:
        token_writes(declared(), tokens)
    assert str(ambiguous.value).startswith("workspace_onboarding_workspaces[0] (Workspace 'data') workspace_tokens[0] (token 'data-ci'): 2 tokens")
    assert "ct1, ct9" in str(ambiguous.value)
    declarations = declared()
    del declarations[0]["deployment_own_tokens"][0]["secret_file"]
    with pytest.raises(AstroInputError) as secretless:
        token_writes(declarations, tokens[:1])
    assert str(secretless.value).startswith("workspace_onboarding_workspaces[0] (Workspace 'data') deployment_own_tokens[0] (token "
                                            "'etl-bot'): the token does not exist yet") and "set secret_file" in str(secretless.value)


def test_absent_declarations_create_nothing():
    assert token_writes(declared(state="absent"), []) == []
    assert token_writes(declared(), [], state="absent") == []


@pytest.mark.parametrize("change, message", [
    ({"role": "DEPLOYMENT_ADMIN"}, "workspace_tokens[0] (token 'data-ci'): role 'DEPLOYMENT_ADMIN' is not valid; valid: WORKSPACE_OWNER"),
    ({"name": ""}, "workspace_tokens[0] (token ''): name is required"),
    ({"expiry_days": 4000}, "expiry_days 4000 is not valid; it must be a whole number of days, 1 to 3650."),
    ({"rotate_after_days": 0}, "rotate_after_days 0 is not valid; it must be a whole number of days, 1 or more."),
    ({"rotate_after_days": 5, "secret_file": None}, "rotate_after_days needs secret_file"),
    ({"secretfile": "/x"}, "unknown key 'secretfile' (did you mean 'secret_file'?); valid keys: name, role"),
])
def test_a_malformed_token_entry_is_named_before_any_lookup(change, message):
    declarations = declared()
    declarations[0]["workspace_tokens"][0].update(change)
    [problem] = problems(declarations)
    assert problem.startswith("workspace_onboarding_workspaces[0] (Workspace 'data') workspace_tokens[0]") and message in problem


def test_two_declared_tokens_with_one_secret_file_fail_before_any_lookup():
    declarations = declared() + [{"workspace": "analytics", "workspace_tokens": [
        {"name": "analytics-ci", "role": "WORKSPACE_MEMBER", "secret_file": "/s/../s/etl-bot"}]}]
    [problem] = problems(declarations)
    assert problem == ("workspace_onboarding_workspaces[1] (Workspace 'analytics') workspace_tokens[0] (token 'analytics-ci'): "
                       "secret_file '/s/../s/etl-bot' is also the secret_file of workspace_onboarding_workspaces[0] (Workspace "
                       "'data') deployment_own_tokens[0] (token 'etl-bot'); give each token a path of its own, or one secret "
                       "would overwrite the other."), problem


def test_a_deployment_token_needs_its_deployment_and_a_deployment_role():
    declarations = declared()
    declarations[0]["deployment_own_tokens"][0]["role"] = "WORKSPACE_OWNER"
    assert onboarding.needs(declarations)["custom_roles"], "its role is checked against the organization's roles"
    roles = {"custom": [], "default": [{"name": "DEPLOYMENT_ADMIN", "scopeType": "DEPLOYMENT"}]}
    with pytest.raises(AstroInputError, match=r"deployment_own_tokens\[0\] \(token 'etl-bot'\): role 'WORKSPACE_OWNER' is neither"):
        onboarding_plan(declarations, OWN_LOOKUP, [], deployment_roles=roles)
    del declarations[0]["deployment_own_tokens"][0]["deployment"]
    assert "deployment is required" in problems(declarations)[0]


def test_roles_of_a_token_not_created_yet_wait_for_its_creation():
    declarations = [{"workspace": "data", "workspace_tokens": [{"name": "data-ci", "role": "WORKSPACE_MEMBER", "secret_file": "/s/d"}],
                     "deployment_tokens": [
                         {"token": "data-ci", "token_scope": "workspace", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl"]},
                         {"token": "ci", "role": "DEPLOYMENT_ADMIN", "deployments": ["etl"]}]}]
    plan = onboarding_plan(declarations, OWN_LOOKUP, [listed("ct-ci", "ci", "ORGANIZATION", "corg", "ORGANIZATION_MEMBER")])
    assert [(e["arguments"].get("token_id"), e["new_token"]) for e in plan["edits"]] == [(None, ("data-ci", "cw1")), ("ct-ci", None)]


# What the run changed, by Workspace: one line a change, with the names the plan found.
PLANNED = {"workspaces": {"cwa": "analytics", "CWB": "billing"}, "deployments": {"cd1": "etl"}}
GIVEN = {"entity_type": "WORKSPACE", "entity_id": "cwa", "entity_name": None, "role_before": None, "role_after": "WORKSPACE_OPERATOR",
         "workspace_id": "cwa", "workspace_name": None, "token_id": "ct1", "token_name": "ci-deployer"}
CHANGED = dict(GIVEN, entity_type="DEPLOYMENT", entity_id="cd1", role_before="DEPLOYMENT_ADMIN", role_after="DAG_RUNNER")
REMOVED = dict(GIVEN, role_before="WORKSPACE_MEMBER", role_after=None, token_name="old-reader")
CREATED = ({"arguments": {"name": "analytics-ci", "scope": "workspace", "secret_file": "/secure/analytics-ci.token"},
            "workspace_id": "CWA"}, {"actions": ["create"]})


def test_changes_are_gathered_by_workspace_with_the_names_the_plan_found():
    by_workspace = onboarding.changes_by_workspace(PLANNED, [CREATED], [{"roles_changed": [GIVEN]}, {"failed": True}, {"roles_changed": [REMOVED]}])
    assert list(by_workspace) == ["cwa", "cwb"], "every Workspace acted on has a key, by lower-case ID"
    assert by_workspace["cwb"] == []
    assert [line.split(":")[0] for line in by_workspace["cwa"]] == ["token analytics-ci (workspace)", "ci-deployer", "old-reader"]


def test_each_change_is_one_line_naming_token_entity_and_roles():
    by_workspace = onboarding.changes_by_workspace(PLANNED, [CREATED], [{"roles_changed": [GIVEN, CHANGED, REMOVED]}])
    assert by_workspace == {"cwb": [], "cwa": [
        "token analytics-ci (workspace): create; new secret in /secure/analytics-ci.token",
        "ci-deployer: +WORKSPACE analytics (cwa): WORKSPACE_OPERATOR",
        "ci-deployer: +DEPLOYMENT etl (cd1) in analytics: DAG_RUNNER (was DEPLOYMENT_ADMIN)",
        "old-reader: -WORKSPACE analytics (cwa): WORKSPACE_MEMBER",
    ]}


def test_a_name_that_would_break_the_line_is_shown_escaped():
    line = onboarding.role_line(dict(GIVEN, entity_name="two\nlines", token_name="tab\there\x1b[2K"), {})
    assert "\n" not in line and "\t" not in line and "\x1b" not in line, line
    assert line.startswith("tab\\u0009here\\u001b[2K: ") and "two\\u000alines (cwa)" in line, line


def test_an_update_without_a_new_secret_names_no_file():
    assert onboarding.token_line(CREATED[0]["arguments"], ["update", "role"]) == "token analytics-ci (workspace): update, role"


def test_a_failed_write_says_which_tokens_changed_and_which_did_not():
    message = onboarding.write_failure(["a: 1", "b: 2", "c: 3"], [{"roles_changed": [GIVEN]}, {"failed": True, "msg": "refused"},
                                                                  {"roles_changed": []}])
    assert message == ("Writing the roles failed for b: 2. Already changed: a: 1. Not changed: c: 3. Fix the cause and run "
                       "again: the run is idempotent. First error: refused")


def test_a_write_that_may_have_landed_is_not_called_failed():
    maybe = {"failed": True, "possibly_applied": True, "msg": "The roles write of token ct1 may have been applied; run again to see."}
    message = onboarding.write_failure(["a: 1", "b: 2"], [{"roles_changed": [GIVEN]}, maybe])
    assert message.startswith("Writing the roles of b: 2 may have been applied; run again to see. Already changed: a: 1.")
    assert "failed for" not in message
    both = onboarding.write_failure(["a: 1", "b: 2"], [{"failed": True, "msg": "refused"}, maybe])
    assert both.startswith("Writing the roles failed for a: 1; may have been applied: b: 2. ")


def test_a_write_that_may_make_a_secret_says_so_with_its_entry():
    """new_secret marks the writes whose secret_file the action checks before the first write: a create, or a rotation
    that may be due; a role change of an existing token makes none."""
    tokens = [dict(listed("ct1", "data-ci", "WORKSPACE", "cw1", "WORKSPACE_AUTHOR"))]
    declarations = declared()
    declarations[0]["deployment_own_tokens"][0]["rotate_after_days"] = 10
    writes = token_writes(declarations, tokens)
    assert [(w["arguments"]["name"], w["new_secret"]) for w in writes] == [("data-ci", False), ("etl-bot", True)]
    assert writes[1]["place"] == ("workspace_onboarding_workspaces[0] (Workspace 'data') deployment_own_tokens[0] "
                                  "(token 'etl-bot')")
    old = [dict(listed("ct2", "etl-bot", "DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN", created_at="2029-12-01T00:00:00Z"))]
    due = [w for w in token_writes(declarations, tokens + old) if w["arguments"]["name"] == "etl-bot"]
    assert [w["new_secret"] for w in due] == [True]  # made 31 days before NOW, rotate_after_days 10
    young = [dict(old[0], created_at="2029-12-30T00:00:00Z", last_rotated_at=None)]
    assert [w["new_secret"] for w in token_writes(declarations, tokens + young) if w["arguments"]["name"] == "etl-bot"] in ([], [False])


def test_defaults_are_merged_into_every_declaration_and_the_declaration_wins_whole():
    defaults = {"exclusive": True, "org_tokens": [org("ci", "WORKSPACE_OPERATOR")], "state": "present"}
    merged = onboarding.with_defaults([{"workspace": "data"},
                                       {"workspace": "analytics", "org_tokens": [org("bot")], "exclusive": None}], defaults)
    assert merged == [{"exclusive": True, "org_tokens": [org("ci", "WORKSPACE_OPERATOR")], "state": "present", "workspace": "data"},
                      {"exclusive": None, "org_tokens": [org("bot")], "state": "present", "workspace": "analytics"}]
    assert onboarding.with_defaults([{"workspace": "data"}], {}) == [{"workspace": "data"}]
    assert onboarding.with_defaults([{"workspace": "data"}], None) == [{"workspace": "data"}]
    # The merged declarations are planned as if written out.
    plan = onboarding_plan([dict(merged[0], exclusive=False)], LOOKUP)
    assert [(t["token_name"], t["workspace_roles"][0]["role"]) for t in plan["tokens"]] == [("ci", "WORKSPACE_OPERATOR")]


@pytest.mark.parametrize("defaults, message", [
    ({"exclusve": True}, "workspace_onboarding_defaults: unknown key 'exclusve' (did you mean 'exclusive'?); valid keys: org_tokens,"),
    ({"workspace": "data"}, "workspace_onboarding_defaults: unknown key 'workspace'"),
    ({"org_tokens": [{"tokn": "ci", "role": "WORKSPACE_MEMBER"}]},
     "workspace_onboarding_defaults org_tokens[0]: unknown key 'tokn' (did you mean 'token'?)"),
    ({"org_tokens": ["ci"]}, "workspace_onboarding_defaults org_tokens[0] is not a mapping: 'ci'."),
    (["exclusive"], "workspace_onboarding_defaults must be a mapping of declaration keys, not 'list'."),
])
def test_bad_defaults_fail_naming_the_bad_key(defaults, message):
    with pytest.raises(AstroInputError) as raised:
        onboarding.with_defaults([{"workspace": "data"}], defaults)
    assert str(raised.value).startswith(message), str(raised.value)


# Teams and users in the declarations: their Workspace and Deployment roles, one team_roles / user_roles edit each.
TEAMS = [
    {"id": "cteng", "name": "engineers", "description": "pipelines", "organization_role": "ORGANIZATION_MEMBER",
     "workspace_roles": [{"workspace_id": "cw1", "role": "WORKSPACE_OWNER"}],
     "deployment_roles": [{"deployment_id": "cd1", "role": "DEPLOYMENT_ADMIN"}]},
    {"id": "ctbi", "name": "analysts", "organization_role": "ORGANIZATION_MEMBER",
     "workspace_roles": [{"workspace_id": "cw2", "role": "WORKSPACE_MEMBER"}], "deployment_roles": []},
    {"id": "ctops", "name": "ops", "organization_role": "ORGANIZATION_MEMBER",
     "workspace_roles": [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER"}],
     "deployment_roles": [{"deployment_id": "cd2", "role": "DAG_RUNNER"}]},
]
USERS = [
    {"id": "cugrace", "email": "grace@acme.example", "organization_role": "ORGANIZATION_MEMBER",
     "workspace_roles": [{"workspace_id": "cw2", "role": "WORKSPACE_OWNER"}], "deployment_roles": [{"deployment_id": "cd3", "role": "DEPLOYMENT_ADMIN"}]},
    {"id": "cukat", "email": "katherine@acme.example", "organization_role": "ORGANIZATION_MEMBER", "workspace_roles": [], "deployment_roles": []},
]
PEOPLE = {"teams": TEAMS, "users": USERS}


def people_plan(declarations, tokens=None, **options):
    return onboarding_plan(declarations, LOOKUP, tokens, people=PEOPLE, **options)


def test_one_edit_per_team_and_user_for_all_workspaces():
    plan = people_plan([
        {"workspace": "data", "teams": [{"team": "analysts", "role": "WORKSPACE_AUTHOR", "deployment_role": "DEPLOYMENT_ADMIN",
                                         "deployments": "all"}],
         "users": [{"email": "katherine@acme.example", "role": "WORKSPACE_MEMBER"}]},
        {"workspace_id": "CW2", "teams": [{"team_id": "CTBI", "role": "WORKSPACE_OPERATOR", "deployment_role": "DEPLOYMENT_ADMIN",
                                           "deployments": ["reports"]}],
         "users": [{"user_id": "cukat", "role": "WORKSPACE_AUTHOR"}]},
    ])
    assert plan["tokens"] == [], "no token is declared"
    assert plan["people"] == [
        {"module": "team_roles", "team_id": "ctbi", "label": "team analysts (ctbi): 2 Workspace and 3 Deployment role(s)",
         "workspace_roles": [{"workspace_id": "cw1", "role": "WORKSPACE_AUTHOR", "state": "present"},
                             {"workspace_id": "cw2", "role": "WORKSPACE_OPERATOR", "state": "present"}],
         "deployment_roles": [{"deployment_id": "cd1", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN", "state": "present"},
                              {"deployment_id": "cd2", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN", "state": "present"},
                              {"deployment_id": "cd3", "workspace_id": "cw2", "role": "DEPLOYMENT_ADMIN", "state": "present"}]},
        {"module": "user_roles", "user_id": "cukat", "label": "user katherine@acme.example (cukat): 2 Workspace and 0 Deployment role(s)",
         "workspace_roles": [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER", "state": "present"},
                             {"workspace_id": "cw2", "role": "WORKSPACE_AUTHOR", "state": "present"}],
         "deployment_roles": []},
    ]


@pytest.mark.parametrize(("entry", "option", "message"), [
    ({"team": "enginers", "role": "WORKSPACE_MEMBER"}, "teams",
     "workspace_onboarding_workspaces[0] (Workspace 'data') teams[0] (team 'enginers'): No team is named 'enginers'; "
     "did you mean 'engineers'?"),
    ({"team": "Ops", "role": "WORKSPACE_MEMBER"}, "teams", "names are case-sensitive: did you mean 'ops'?"),
    ({"team_id": "ctnope", "role": "WORKSPACE_MEMBER"}, "teams", "teams[0] (team 'ctnope'): no team has the ID 'ctnope'"),
    ({"email": "grace@acme.exmple", "role": "WORKSPACE_MEMBER"}, "users",
     "users[0] (user 'grace@acme.exmple'): No user of the Organization has the e-mail 'grace@acme.exmple'; did you mean "
     "'grace@acme.example'"),
    ({"user_id": "cunope", "role": "WORKSPACE_MEMBER"}, "users", "users[0] (user 'cunope'): no user has the ID 'cunope'"),
    ({"team": "ops", "role": "WORKSPACE_MEMBER", "deployment_role": "DEPLOYMENT_ADMIN", "deployments": ["reports"]}, "teams",
     "teams[0] (team 'ops'): No Deployment is named 'reports' in Workspace data (cw1); there are: 'etl', 'staging'."),
])
def test_an_unknown_team_or_e_mail_fails_naming_the_close_ones(entry, option, message):
    with pytest.raises(AstroInputError) as failed:
        people_plan([{"workspace": "data", option: [entry]}])
    assert message in str(failed.value)


def test_people_declared_without_their_listing_fail_the_plan():
    with pytest.raises(AstroInputError, match=r"teams\[0\] \(team 'ops'\): the plan needs the Organization's teams"):
        onboarding_plan([{"workspace": "data", "teams": [{"team": "ops", "role": "WORKSPACE_MEMBER"}]}], LOOKUP)


@pytest.mark.parametrize(("entry", "message"), [
    ({"team": "ops"}, "teams[0] (team 'ops'): role is required; valid: WORKSPACE_OWNER, WORKSPACE_OPERATOR"),
    ({"team": "ops", "role": "WORKSPACE_BOSS"}, "teams[0] (team 'ops'): role 'WORKSPACE_BOSS' is not valid; valid: WORKSPACE_OWNER"),
    ({"team": "ops", "team_id": "ctops", "role": "WORKSPACE_MEMBER"}, "give exactly one of team and team_id, not team and team_id."),
    ({"role": "WORKSPACE_MEMBER"}, "teams[0] (team None): give exactly one of team and team_id, not neither."),
    ({"team": "ops", "role": "WORKSPACE_MEMBER", "deployment_role": "DEPLOYMENT_ADMIN"}, "deployment_role needs deployments"),
    ({"team": "ops", "role": "WORKSPACE_MEMBER", "deployments": "all"}, "deployments needs deployment_role"),
    ({"team": "ops", "role": "WORKSPACE_MEMBER", "deployment_role": "DEPLOYMENT_ADMIN", "deployments": []},
     "deployments [] is not valid; give names or IDs of Deployments of the Workspace, or all."),
    ({"team": "ops", "rol": "WORKSPACE_MEMBER"}, "teams[0] (team 'ops'): unknown key 'rol' (did you mean 'role'?); valid keys: team, team_id, role"),
    ({"team": ["ops"], "role": "WORKSPACE_MEMBER"}, "team must be a string, not ['ops']."),
])
def test_a_malformed_people_entry_is_named_before_any_lookup(entry, message):
    [problem] = problems([{"workspace": "data", "teams": [entry]}])
    assert problem.startswith("workspace_onboarding_workspaces[0] (Workspace 'data') teams[0]") and message in problem, problem
    users = dict((("email" if k == "team" else "user_id" if k == "team_id" else k), v) for k, v in entry.items())
    assert problems([{"workspace": "data", "users": [users]}]), "the users entries are checked alike"


def test_needs_lists_the_teams_and_users_only_when_declared_or_exclusive_over_them():
    assert onboarding.needs([{"workspace": "a", "teams": [{"team": "x", "role": "WORKSPACE_MEMBER"}]}])["teams"]
    assert not onboarding.needs([{"workspace": "a", "teams": [{"team": "x", "role": "WORKSPACE_MEMBER"}]}])["users"]
    assert onboarding.needs([{"workspace": "a", "exclusive": True, "users": []}])["users"], "exclusive with users: [] removes every user"
    assert not onboarding.needs([{"workspace": "a", "exclusive": True}])["users"], "exclusive without the key leaves people alone"
    assert onboarding.needs([{"workspace": "a", "users": [{"email": "x", "role": "WORKSPACE_MEMBER", "deployment_role": "DAG_RUNNER",
                                                          "deployments": "all"}]}])["custom_roles"]


def test_exclusive_removes_the_undeclared_people_in_that_workspace_only_where_listed():
    declared = {"workspace": "data", "exclusive": True,
                "teams": [{"team": "engineers", "role": "WORKSPACE_OWNER", "deployment_role": "DEPLOYMENT_ADMIN", "deployments": ["staging"]}],
                "users": []}
    plan = people_plan([declared], tokens=[])
    edits = {e.get("team_id") or e.get("user_id"): e for e in plan["people"]}
    # engineers keeps its Workspace role, gains staging and loses its undeclared role on etl; ops is not declared and
    # loses every role in data; analysts and grace hold roles in analytics only, and are not touched.
    assert edits["cteng"]["deployment_roles"] == [
        {"deployment_id": "cd2", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN", "state": "present"},
        {"deployment_id": "cd1", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN", "state": "absent"}]
    assert edits["ctops"]["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER", "state": "absent"}]
    assert edits["ctops"]["deployment_roles"] == [{"deployment_id": "cd2", "workspace_id": "cw1", "role": "DAG_RUNNER", "state": "absent"}]
    assert set(edits) == {"cteng", "ctops"}
    assert plan["undeclared"] == [{"workspace": "data", "workspace_roles": ["team ops (ctops): WORKSPACE_MEMBER"],
                                   "deployment_roles": ["team engineers (cteng): DEPLOYMENT_ADMIN: etl", "team ops (ctops): DAG_RUNNER: staging"]}]
    without_the_key = people_plan([{k: v for k, v in declared.items() if k != "teams"}], tokens=[])
    assert without_the_key["people"] == [] and without_the_key["undeclared"] == [], "exclusive leaves the teams alone without teams:"
    everyone = people_plan([dict(declared, workspace="analytics", teams=[])], tokens=[])
    assert everyone["undeclared"][0]["workspace_roles"] == ["team analysts (ctbi): WORKSPACE_MEMBER",
                                                            "user grace@acme.example (cugrace): WORKSPACE_OWNER"]


def test_exclusive_tokens_and_people_of_one_workspace_are_one_summary():
    plan = people_plan([{"workspace": "data", "exclusive": True, "org_tokens": [org("ci")], "teams": []}], tokens=HOLDERS)
    [summary] = plan["undeclared"]
    assert summary["workspace_roles"] == ["old (ct-old): WORKSPACE_OWNER", "team engineers (cteng): WORKSPACE_OWNER",
                                          "team ops (ctops): WORKSPACE_MEMBER"]


def test_absent_removes_the_declared_people_roles_and_refuses_to_strand_a_deployment_role():
    removal = {"workspace": "data", "state": "absent", "teams": [{"team": "engineers", "role": "WORKSPACE_OWNER"}]}
    with pytest.raises(AstroInputError) as stranded:
        people_plan([removal])
    assert str(stranded.value) == (
        "team engineers (cteng) would lose its role in the Workspace data but keep its Deployment role(s) there: etl "
        "(DEPLOYMENT_ADMIN); a Deployment role needs a Workspace role in its Workspace. Give those Deployments in its "
        "entry's deployments (or all) to remove them too.")
    removal["teams"][0]["deployments"] = "all"
    [edit] = people_plan([removal])["people"]
    assert edit["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_OWNER", "state": "absent"}]
    assert edit["deployment_roles"] == [{"deployment_id": "cd1", "workspace_id": "cw1", "state": "absent"},
                                        {"deployment_id": "cd2", "workspace_id": "cw1", "state": "absent"}]
    # Another role declared for removal than the one held: the Workspace role stays, and so may the Deployment role.
    other = people_plan([dict(removal, teams=[{"team": "engineers", "role": "WORKSPACE_MEMBER"}])])["people"]
    assert other[0]["workspace_roles"] == [{"workspace_id": "cw1", "role": "WORKSPACE_MEMBER", "state": "absent"}]


def test_a_subject_declared_with_two_roles_on_one_workspace_fails():
    with pytest.raises(AstroInputError, match=r"user katherine@acme.example \(cukat\) is declared with role WORKSPACE_MEMBER and "
                                              r"with role WORKSPACE_OWNER on WORKSPACE cw1"):
        people_plan([{"workspace": "data", "users": [{"email": "katherine@acme.example", "role": "WORKSPACE_MEMBER"},
                                                     {"user_id": "CUKAT", "role": "WORKSPACE_OWNER"}]}])


def test_people_outside_the_limit_are_checked_not_planned():
    declarations = [{"workspace": "data", "teams": [{"team": "ops", "role": "WORKSPACE_AUTHOR"}]},
                    {"workspace": "analytics", "users": [{"email": "katherine@acme.example", "role": "WORKSPACE_MEMBER"}]}]
    assert [e["module"] for e in people_plan(declarations, limit=["cw2"])["people"]] == ["user_roles"]
    declarations[0]["teams"][0]["team"] = "opps"
    with pytest.raises(AstroInputError, match="No team is named 'opps'"):
        people_plan(declarations, limit=["cw2"])


def test_people_changes_are_lines_of_their_workspace_naming_the_subject_beside_its_id():
    planned = dict(PLANNED, deployments={"cd1": "etl"})
    edit = {"module": "team_roles", "subject": "team ops (ctops)",
            "arguments": {"team_id": "ctops", "workspace_roles": [], "deployment_roles": [
                {"deployment_id": "cd1", "workspace_id": "cwa", "role": "DEPLOYMENT_ADMIN", "state": "present"}]}}
    given = {"entity_type": "WORKSPACE", "entity_id": "cwa", "role_before": None, "role_after": "WORKSPACE_MEMBER", "workspace_id": "cwa"}
    # A Deployment change whose result does not say its Workspace lands on the Workspace the plan gave it.
    deployment = {"entity_type": "DEPLOYMENT", "entity_id": "cd1", "role_before": "DAG_RUNNER", "role_after": None}
    by_workspace = onboarding.changes_by_workspace(planned, [], [{"roles_changed": [GIVEN]}], [(edit, {"roles_changed": [given, deployment]})])
    assert by_workspace["cwa"] == ["ci-deployer: +WORKSPACE analytics (cwa): WORKSPACE_OPERATOR",
                                   "team ops (ctops): +WORKSPACE analytics (cwa): WORKSPACE_MEMBER",
                                   "team ops (ctops): -DEPLOYMENT etl (cd1) in analytics: DAG_RUNNER"]


def test_a_subject_name_that_would_forge_a_line_is_escaped_in_lines_labels_and_summaries():
    hostile = dict(TEAMS[2], name="ops\n+WORKSPACE evil (cw9): WORKSPACE_OWNER\u202e")
    plan = onboarding_plan([{"workspace": "data", "exclusive": True, "teams": []}], LOOKUP, [],
                           people={"teams": [hostile], "users": []})
    [edit] = plan["people"]
    texts = [edit["label"]] + plan["undeclared"][0]["workspace_roles"] + plan["undeclared"][0]["deployment_roles"]
    assert all("\n" not in text and "\u202e" not in text and "ops\\u000a+WORKSPACE evil" in text for text in texts), texts
    line = onboarding.changes_by_workspace(PLANNED, [], [], [(plan["people_edits"][0], {"roles_changed": [dict(
        GIVEN, entity_id="cwa", role_before="WORKSPACE_MEMBER", role_after=None)]})])["cwa"][0]
    assert line.startswith("team ops\\u000a+WORKSPACE evil (cw9): WORKSPACE_OWNER\\u202e (ctops): -WORKSPACE analytics (cwa)"), line


def test_a_removal_that_would_strand_a_dag_role_fails_the_plan():
    """The onboarding keeps DAG roles as they are; a DAG role needs its Deployment role, so exclusive fails, naming it."""
    with_dag = dict(TEAMS[2], dag_roles=[{"deployment_id": "cd2", "dag_id": "nightly", "dag_tag": None, "role": "DAG_VIEWER"}])
    people = {"teams": [with_dag], "users": []}
    with pytest.raises(AstroInputError) as stranded:
        onboarding_plan([{"workspace": "data", "exclusive": True, "teams": []}], LOOKUP, [], people=people)
    assert str(stranded.value).startswith("team ops (ctops) would lose its role on the Deployment staging but keep its DAG role "
                                          "DAG_VIEWER there (nightly); a DAG role needs a Deployment role"), str(stranded.value)
    kept = onboarding_plan([{"workspace": "data", "exclusive": True, "teams": [
        {"team": "ops", "role": "WORKSPACE_MEMBER", "deployment_role": "DAG_RUNNER", "deployments": ["staging"]}]}], LOOKUP, [], people=people)
    assert kept["undeclared"] == [], "declared with its Deployment role, the team keeps everything"
