# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    as_id,
    check_deployment_roles,
    close_names,
    id_option,
    name_hint,
    resolve_deployment_names,
    resolve_token_id,
    resolve_workspace,
    resolve_workspace_names,
)

CUSTOM = [{"name": "DAG_RUNNER", "scopeType": "DEPLOYMENT", "restrictedWorkspaceIds": []}]
DEFAULT = [{"name": "DEPLOYMENT_ADMIN", "scopeType": "DEPLOYMENT"}, {"name": "DEPLOYMENT_ACCESSOR", "scopeType": "DEPLOYMENT"}]


class Roles:
    """The roles look-up of the client: answers the lists, or raises `error`."""

    def __init__(self, error=None):
        self.error = error
        self.calls = 0

    def list_roles(self, scope_types=None):
        self.calls += 1
        if self.error:
            raise self.error
        return CUSTOM, DEFAULT


def test_ids_are_lower_cased_as_the_cli_does_and_none_stays_none():
    assert as_id("CLVDX7Z3C000008KV5TDW5TC5") == "clvdx7z3c000008kv5tdw5tc5"
    assert as_id(None) is None and id_option(None, "workspace_id") is None
    with pytest.raises(AstroInputError, match="workspace_id is empty"):
        id_option(" ", "workspace_id")


def test_default_and_custom_deployment_roles_pass_with_one_look_up_and_deployment_admin_needs_none():
    client, warnings = Roles(), []
    check_deployment_roles(client, [("DEPLOYMENT_ADMIN", None)], warnings.append)
    assert client.calls == 0
    check_deployment_roles(client, [("DEPLOYMENT_ACCESSOR", None), ("DAG_RUNNER", "cw1"), ("DEPLOYMENT_ADMIN", None)], warnings.append)
    assert client.calls == 1 and warnings == []
    with pytest.raises(AstroInputError, match="'DEPLOYMENT_BOSS'.*DEPLOYMENT_ACCESSOR, DEPLOYMENT_ADMIN \\(default\\), DAG_RUNNER \\(custom\\)"):
        check_deployment_roles(client, [("DEPLOYMENT_BOSS", None)], warnings.append)


def test_a_403_from_the_roles_look_up_warns_and_leaves_the_role_to_the_api():
    forbidden = AstroAPIError(403, "GET", "/organizations/corg/roles", "may not list roles", request_id="req-9")
    warnings = []
    check_deployment_roles(Roles(forbidden), [("DEPLOYMENT_BOSS", None), ("DAG_RUNNER", None)], warnings.append)
    assert len(warnings) == 1
    assert "DAG_RUNNER, DEPLOYMENT_BOSS could not be checked" in warnings[0] and "403" in warnings[0] and "req-9" in warnings[0]


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_other_errors_of_the_roles_look_up_still_fail(status):
    error = AstroAPIError(status, "GET", "/organizations/corg/roles", "nope")
    with pytest.raises(AstroAPIError):
        check_deployment_roles(Roles(error), [("DAG_RUNNER", None)], [].append)


def test_close_names_put_a_match_but_for_case_first_then_near_names_at_most_ten():
    names = ["analytics", "Analytics-Dev", "ANALYTICS", "data-platform"] + ["analytics-{0}".format(i) for i in range(20)]
    found = close_names("Analytics", names)
    assert found[:2] == ["ANALYTICS", "analytics"] and "data-platform" not in found and len(found) == 10
    assert close_names("zzz", names) == []


def test_name_hint_gives_the_case_hint_the_near_names_or_some_of_the_names():
    assert name_hint("Analytics", ["analytics", "ml"], "Workspaces") == "names are case-sensitive: did you mean 'analytics'?"
    assert name_hint("analytic", ["analytics", "ml"], "Workspaces") == "did you mean 'analytics'?"
    assert name_hint("zzz", ["b", "a", "a"], "Workspaces") == "there are: 'a', 'b'."
    assert name_hint("zzz", ["n{0:02d}".format(i) for i in range(12)], "Workspaces").endswith("'n09' and 2 more.")
    assert name_hint("zzz", [], "Workspaces") == "there are no Workspaces."


class Tokens:
    """The token lists of the client; counts the lists asked for."""

    TOKENS = [{"id": "corg", "name": "ci", "scope": "ORGANIZATION", "roles": []},
              {"id": "cws", "name": "data-ci", "scope": "WORKSPACE",
               "roles": [{"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"}]}]

    def __init__(self):
        self.lists = []

    def list_tokens(self, workspace_id=None, deployment_id=None, organization_only=None):
        self.lists.append(dict(workspace_id=workspace_id, organization_only=organization_only))
        return [t for t in self.TOKENS if not organization_only or t["scope"] == "ORGANIZATION"]


def test_a_token_name_of_another_scope_says_which_scope_the_task_needs_at_one_list_more_on_failure():
    client = Tokens()
    with pytest.raises(AstroInputError) as raised:
        resolve_token_id(client, None, "data-ci", ("ORGANIZATION",), needs="a Workspace role needs an Organization token")
    assert str(raised.value) == ("No ORGANIZATION token is named 'data-ci': 'data-ci' (cws) is a WORKSPACE token of Workspace cw1; "
                                 "a Workspace role needs an Organization token.")
    assert len(client.lists) == 2
    client = Tokens()
    assert resolve_token_id(client, None, "ci", ("ORGANIZATION",)) == "corg" and len(client.lists) == 1, "no extra list on success"


class Lists:
    """The Workspace and Deployment lists of the client, counting calls."""

    def __init__(self, workspaces=(), deployments=()):
        self.workspaces, self.deployments, self.calls = list(workspaces), list(deployments), []

    def list_workspaces(self, names=None, workspace_ids=None):
        self.calls.append(("workspaces", names, workspace_ids))
        return [w for w in self.workspaces if (not names or w["name"] in names) and (not workspace_ids or w["id"] in workspace_ids)]

    def list_deployments(self, names=None, workspace_ids=None, deployment_ids=None):
        self.calls.append(("deployments", names, workspace_ids))
        return [d for d in self.deployments if (not names or d["name"] in names) and (not workspace_ids or d["workspaceId"] in workspace_ids)]


WORKSPACES = [{"id": "cw1", "name": "data"}, {"id": "cw2", "name": "analytics"}, {"id": "cw3", "name": "twin"}, {"id": "cw4", "name": "twin"}]
DEPLOYMENTS = [{"id": "cd1", "name": "etl", "workspaceId": "cw1"}, {"id": "cd2", "name": "etl", "workspaceId": "cw2"},
               {"id": "cd3", "name": "reports", "workspaceId": "cw2"}]


def test_many_names_cost_one_request_per_kind_and_none_for_no_names():
    client = Lists(WORKSPACES, DEPLOYMENTS)
    assert resolve_workspace_names(client, []) == {} and resolve_deployment_names(client, []) == {}
    assert client.calls == []
    assert resolve_workspace_names(client, ["data", "analytics", "data"]) == {"data": "cw1", "analytics": "cw2"}
    wanted = [("etl", "cw1"), ("etl", "cw2"), ("reports", None)]
    assert resolve_deployment_names(client, wanted) == {("etl", "cw1"): "cd1", ("etl", "cw2"): "cd2", ("reports", None): "cd3"}
    assert client.calls == [("workspaces", ["analytics", "data"], None), ("deployments", ["etl", "reports"], None)]
    resolve_deployment_names(client, [("etl", "cw2"), ("reports", "cw2")])
    assert client.calls[-1] == ("deployments", ["etl", "reports"], ["cw2"]), "filtered by Workspace when every name has one"


def test_unknown_or_ambiguous_names_fail_listing_candidates():
    client = Lists(WORKSPACES, DEPLOYMENTS)
    with pytest.raises(AstroInputError, match="2 Workspaces are named 'twin'; name one by ID instead: cw3; cw4"):
        resolve_workspace_names(client, ["data", "twin"])
    with pytest.raises(AstroInputError, match="No Workspace is named 'nowhere'"):
        resolve_workspace_names(client, ["nowhere"])
    with pytest.raises(AstroInputError, match=r"2 Deployments are named 'etl'.*cd1 \(Workspace cw1\); cd2 \(Workspace cw2\)"):
        resolve_deployment_names(client, [("etl", None)])
    with pytest.raises(AstroInputError, match="No Deployment is named 'reports' in Workspace cw1; there are: 'etl'"):
        resolve_deployment_names(client, [("reports", "cw1")])
    with pytest.raises(AstroInputError, match="No Workspace is named 'Data'; names are case-sensitive: did you mean 'data'"):
        resolve_workspace_names(client, ["Data"])


def test_resolve_workspace_by_id_or_name_in_one_request():
    client = Lists(WORKSPACES)
    assert resolve_workspace(client, "CW2", None)["name"] == "analytics"
    assert resolve_workspace(client, None, "data")["id"] == "cw1"
    assert len(client.calls) == 2
    with pytest.raises(AstroInputError, match="No Workspace has the ID 'cw9'"):
        resolve_workspace(client, "cw9", None)
