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
    given_id,
    name_hint,
    resolve_token_id,
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
    assert as_id(None) is None and given_id(None, "workspace_id") is None
    with pytest.raises(AstroInputError, match="workspace_id is empty"):
        given_id(" ", "workspace_id")


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
