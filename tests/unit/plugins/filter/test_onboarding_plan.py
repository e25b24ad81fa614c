# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The onboarding plan: declarations in, one token_roles edit per token out; no HTTP."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.astro.platform.plugins.filter.onboarding_plan import onboarding_plan

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
    return {e.get("declared_name") or e["token_id"]: e for e in plan["tokens"]}


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
    assert tokens["ci"]["token_scope"] == "organization"
    assert tokens["ct-ci-ws"]["deployment_roles"] == [{"deployment_id": "cd1", "workspace_id": "cw1", "role": "DEPLOYMENT_ADMIN",
                                                       "state": "absent"}]
    assert "ci (ct-ci-ws): DEPLOYMENT_ADMIN: etl" in plan["undeclared"][0]["deployment_roles"]
    assert "ct-ci" not in tokens  # the declared one keeps its roles


def test_exclusive_with_an_ambiguous_declared_name_fails_before_anything_is_written():
    other_ci = {"id": "ct-ci2", "name": "ci", "scope": "ORGANIZATION", "roles": [{"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"}]}
    with pytest.raises(AnsibleFilterError, match=r"2 tokens are named 'ci'; name one by token_id instead: ct-ci, ct-ci2"):
        onboarding_plan([{"workspace": "data", "exclusive": True, "org_tokens": [org("ci")]}], LOOKUP, HOLDERS + [other_ci])


def test_exclusive_from_the_default_and_as_a_string_and_ignored_with_absent():
    declared = {"workspace": "data", "org_tokens": [org("ci")], "deployment_tokens": [grant("ci", ["etl"])]}
    assert onboarding_plan([declared], LOOKUP, HOLDERS, exclusive=True)["undeclared"]
    assert not onboarding_plan([dict(declared, exclusive="no")], LOOKUP, HOLDERS, exclusive=True)["undeclared"]
    assert not onboarding_plan([dict(declared, exclusive=True, state="absent")], LOOKUP, HOLDERS)["undeclared"]


def test_exclusive_without_the_token_list_fails():
    with pytest.raises(AnsibleFilterError, match="exclusive"):
        onboarding_plan([{"workspace": "data", "exclusive": True}], LOOKUP)


@pytest.mark.parametrize(("declarations", "message"), [
    ([{"workspace": "nope"}], "No Workspace is named 'nope'; there are: 'analytics', 'data', 'twin'."),
    ([{"workspace": "Data"}], "No Workspace is named 'Data'; names are case-sensitive: did you mean 'data'?"),
    ([{"workspace": "analytic"}], "No Workspace is named 'analytic'; did you mean 'analytics'?"),
    ([{"workspace": "twin"}], "2 Workspaces are named 'twin'; name one by ID instead: cw3; cw4."),
    ([{"workspace_id": "cw9"}], "No Workspace has the ID 'cw9'."),
    ([{"workspace": "data"}, {"workspace_id": "cw1"}], "Workspace data (cw1) is declared twice"),
    ([{"workspace": "data", "deployment_tokens": [grant("ci", ["etl", "reports"])]}],
     "Deployment(s) reports of the token ci are not in the Workspace data, whose Deployments are: etl, staging."),
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


def test_the_plan_is_data_even_when_the_names_it_read_were_trusted_templates():
    trust = pytest.importorskip("ansible_collections.astro.platform.plugins.plugin_utils.trust")
    if not trust.HAS_DATA_TAGGING:
        pytest.skip("ansible-core < 2.19 has no trust tags; as_data marks values unsafe there")
    from ansible.template import is_trusted_as_template, trust_as_template
    lookup = {"workspaces": [dict(w, name=trust_as_template(w["name"])) for w in LOOKUP["workspaces"]],
              "deployments": [dict(d, name=trust_as_template(d["name"])) for d in LOOKUP["deployments"]]}
    holders = [dict(h, name=trust_as_template(h["name"])) for h in HOLDERS]
    plan = onboarding_plan([{"workspace": "data", "exclusive": True, "org_tokens": [org("ci")]}], lookup, holders)
    assert plan["undeclared"][0]["workspace"] == "data"

    def strings(value):
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in strings(k) + strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    assert strings(plan) and not any(is_trusted_as_template(s) for s in strings(plan))


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
    assert onboarding_plan(declarations, None, needs_only=True)["problems"] == [str(raised.value)]


@pytest.mark.parametrize(("declarations", "state", "message"), [
    ([], "gone", "workspace_onboarding_state: value 'gone' is not valid; valid: present, absent."),
    ([], None, "workspace_onboarding_state: value is required; valid: present, absent."),
    ({"workspace": "data"}, "present", "workspace_onboarding_workspaces must be a list of Workspace declarations, not 'dict'."),
])
def test_the_role_variables_are_checked_as_the_declarations(declarations, state, message):
    # playbooks/onboard_workspaces.yml skips the role's argument validation: this check is the one that runs.
    with pytest.raises(AnsibleFilterError, match=message):
        onboarding_plan(declarations, LOOKUP, state=state)
    assert onboarding_plan(declarations, None, state=state, needs_only=True)["problems"] == [message]


def test_needs_only_tells_what_to_look_up_for_well_formed_declarations_with_no_lookup():
    needs = onboarding_plan([{"workspace": "nowhere", "org_tokens": [org("ci")], "deployment_tokens": [grant("ci"), grant("bot")]}],
                            None, needs_only=True)
    assert needs == dict(problems=[], token_names=["ci", "bot"], every_token=False, custom_roles=False, own_tokens=False)


def test_needs_only_asks_for_every_token_and_the_custom_roles_when_declarations_need_them():
    declarations = [{"workspace": "a", "deployment_tokens": [dict(grant("ci"), role="DAG_RUNNER")]},
                    {"workspace": "b", "exclusive": "yes", "org_tokens": [org("ci")]}]
    needs = onboarding_plan(declarations, None, needs_only=True)
    assert (needs["every_token"], needs["custom_roles"], needs["own_tokens"]) == (True, True, False)
    assert onboarding_plan(declarations[:1], None, exclusive=True, needs_only=True)["every_token"], "the role's default exclusive"
    own = [{"workspace": "a", "workspace_tokens": [{"name": "a-ci", "role": "WORKSPACE_MEMBER"}]}]
    assert onboarding_plan(own, None, needs_only=True)["own_tokens"] is True


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
    assert [(e["token_id"], e["declared_name"], "token_name" in e) for e in plan["tokens"]] == [("ct-ci", "ci", False)]
    with pytest.raises(AnsibleFilterError, match=r"No ORGANIZATION token is named 'cii'; did you mean 'ci'\?"):
        onboarding_plan([{"workspace": "data", "org_tokens": [org("ci")]}, {"workspace": "analytics", "org_tokens": [org("cii")]}],
                        LOOKUP, HOLDERS)
    with pytest.raises(AnsibleFilterError, match=r"No ORGANIZATION token is named 'data-own': ct-ws is a WORKSPACE token of Workspace cw1"):
        onboarding_plan([{"workspace": "data", "org_tokens": [org("data-own")]}], LOOKUP, HOLDERS)
