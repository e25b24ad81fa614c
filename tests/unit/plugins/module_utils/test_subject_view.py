# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What team_info and user_info show of a team or a user, and how an e-mail finds a user (pure functions)."""

from __future__ import annotations

import pytest

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.resolve import user_by_email
from ansible_collections.astro.platform.plugins.module_utils.subject_view import holds_role_in, team_details, user_details

TEAM = {
    "id": "cteam", "name": "data-engineers", "isIdpManaged": True, "createdAt": "2024-01-20T10:00:00Z",
    "organizationRole": "ORGANIZATION_MEMBER",
    "workspaceRoles": [{"workspaceId": "cws", "role": "WORKSPACE_OWNER"}],
    "deploymentRoles": [{"deploymentId": "cdep", "role": "DAG_RUNNER"}],
    "dagRoles": [{"deploymentId": "cdep", "dagTag": "nightly", "role": "DAG_VIEWER"}],
}
USER = {"id": "cuser", "username": "grace@acme.example", "fullName": "Grace Hopper", "status": "PENDING",
        "createdAt": "2024-01-03T09:00:00Z", "avatarUrl": ""}


def test_team_details_has_the_cli_columns_and_the_whole_role_set():
    details = team_details(TEAM)
    assert details == dict(
        id="cteam", name="data-engineers", description="", idp_managed=True, created_at="2024-01-20T10:00:00Z",
        organization_role="ORGANIZATION_MEMBER", workspace_roles=[dict(workspace_id="cws", role="WORKSPACE_OWNER")],
        deployment_roles=[dict(deployment_id="cdep", role="DAG_RUNNER")],
        dag_roles=[dict(deployment_id="cdep", dag_id=None, dag_tag="nightly", role="DAG_VIEWER")])


def test_the_role_column_of_a_workspace_or_deployment_list_matches_ids_without_case():
    details = team_details(TEAM, workspace_id="CWS", deployment_id="cother")
    assert details["workspace_role"] == "WORKSPACE_OWNER" and details["deployment_role"] is None
    assert holds_role_in(details, workspace_id="CWS") and not holds_role_in(details, deployment_id="cother")
    assert "workspace_role" not in team_details(TEAM) and holds_role_in(team_details(TEAM))


def test_user_details_without_roles_lists_empty_sets():
    details = user_details(USER, workspace_id="cws")
    assert (details["email"], details["full_name"], details["status"]) == ("grace@acme.example", "Grace Hopper", "PENDING")
    assert (details["organization_role"], details["workspace_roles"], details["workspace_role"]) == (None, [], None)
    assert not holds_role_in(details, workspace_id="cws")


def test_an_email_finds_exactly_one_user():
    assert user_by_email([USER, dict(USER, id="c2", username="ada@acme.example")], "grace@acme.example")["id"] == "cuser"


@pytest.mark.parametrize("email,close", [("Grace@acme.example", "grace@acme.example"), ("grace@acme.exmaple", "grace@acme.example")])
def test_an_email_of_nobody_names_the_close_ones_and_says_inviting_is_out_of_scope(email, close):
    with pytest.raises(AstroInputError) as failure:
        user_by_email([USER, dict(USER, id="c2", username="q@z.io")], email)
    message = str(failure.value)
    assert repr(email) in message and "did you mean {0!r}".format(close) in message and "does not invite people" in message
    assert "q@z.io" not in message


def test_an_email_two_users_share_fails_listing_their_ids():
    with pytest.raises(AstroInputError, match="2 users have the e-mail 'grace@acme.example'.*cuser; c2"):
        user_by_email([USER, dict(USER, id="c2")], "grace@acme.example")
