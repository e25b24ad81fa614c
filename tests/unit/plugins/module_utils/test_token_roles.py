# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.token_roles import (
    check_deployment_role,
    home_workspace_id,
    render_roles,
    role_on,
    with_role,
)

ids = st.text(alphabet="abc0123", min_size=1, max_size=3).map(lambda s: "c" + s)
role_names = st.sampled_from(["WORKSPACE_MEMBER", "WORKSPACE_OWNER", "DEPLOYMENT_ADMIN", "CUSTOM_X", "DAG_VIEWER", "ORGANIZATION_MEMBER"])
entity_types = st.sampled_from(["ORGANIZATION", "WORKSPACE", "DEPLOYMENT", "DAG", "DAG_TAG"])


@st.composite
def role_entries(draw):
    entry = {"entityType": draw(entity_types), "entityId": draw(ids), "role": draw(role_names)}
    if entry["entityType"] in ("DAG", "DAG_TAG"):
        entry["deploymentId"] = draw(ids)
    return entry


role_lists = st.lists(role_entries(), max_size=12, unique_by=lambda e: (e["entityType"], e["entityId"], e.get("deploymentId")))
edits = st.tuples(st.sampled_from(["WORKSPACE", "DEPLOYMENT"]), ids, st.none() | role_names)


def _other(roles, entity_type, entity_id):
    return [e for e in roles if not (e["entityType"] == entity_type and e["entityId"] == entity_id)]


@given(role_lists, edits)
def test_an_edit_preserves_every_other_entry_exactly_and_in_order(roles, edit):
    entity_type, entity_id, role = edit
    original = [dict(e) for e in roles]
    edited = with_role(roles, entity_type, entity_id, role)
    assert _other(edited, entity_type, entity_id) == _other(original, entity_type, entity_id)
    assert role_on(edited, entity_type, entity_id) == role
    assert roles == original, "the input list must not be mutated"


@given(role_lists, edits)
def test_an_edit_is_idempotent(roles, edit):
    once = with_role(roles, *edit)
    assert with_role(once, *edit) == once


@given(role_lists, edits)
def test_an_edit_touches_at_most_one_entry(roles, edit):
    edited = with_role(roles, *edit)
    assert abs(len(edited) - len(roles)) <= 1


def test_a_changed_role_keeps_its_position():
    roles = [{"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"},
             {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"},
             {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"}]
    edited = with_role(roles, "WORKSPACE", "cw1", "WORKSPACE_AUTHOR")
    assert [e["role"] for e in edited] == ["ORGANIZATION_MEMBER", "WORKSPACE_AUTHOR", "DAG_VIEWER"]


def test_a_dag_entry_with_the_same_id_is_not_the_deployment():
    roles = [{"entityType": "DAG", "entityId": "cd1", "deploymentId": "cd1", "role": "DAG_VIEWER"}]
    assert with_role(roles, "DEPLOYMENT", "cd1", None) == roles


def test_render_roles_is_one_line_per_role_in_a_stable_order():
    roles = [{"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"},
             {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"},
             {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"}]
    assert render_roles(roles) == ("ORGANIZATION corg: ORGANIZATION_MEMBER\n"
                                   "DEPLOYMENT cd1: DEPLOYMENT_ADMIN\n"
                                   "DAG etl (deployment cd1): DAG_VIEWER\n")
    assert render_roles(list(reversed(roles))) == render_roles(roles)


CUSTOM = [{"name": "DAG_OPERATOR", "scopeType": "DEPLOYMENT", "restrictedWorkspaceIds": []},
          {"name": "ML_ONLY", "scopeType": "DEPLOYMENT", "restrictedWorkspaceIds": ["cwml"]},
          {"name": "WS_CUSTOM", "scopeType": "WORKSPACE", "restrictedWorkspaceIds": []}]


def test_deployment_roles_are_admin_or_a_custom_deployment_role():
    check_deployment_role("DEPLOYMENT_ADMIN", [])
    check_deployment_role("DAG_OPERATOR", CUSTOM, "cwany")
    check_deployment_role("ML_ONLY", CUSTOM, "cwml")
    with pytest.raises(AstroInputError) as raised:
        check_deployment_role("WS_CUSTOM", CUSTOM)
    assert "'WS_CUSTOM'" in str(raised.value) and "DEPLOYMENT_ADMIN, DAG_OPERATOR, ML_ONLY" in str(raised.value)
    with pytest.raises(AstroInputError, match="ML_ONLY.*cwml.*cwother"):
        check_deployment_role("ML_ONLY", CUSTOM, "cwother")


def test_home_workspace_is_the_own_role_of_a_workspace_token():
    roles = [{"entityType": "DEPLOYMENT", "entityId": "cd", "role": "DEPLOYMENT_ADMIN"},
             {"entityType": "WORKSPACE", "entityId": "cw", "role": "WORKSPACE_OWNER"}]
    token = {"scope": "WORKSPACE", "roles": roles}
    assert home_workspace_id(token) == "cw"
    assert home_workspace_id(dict(token, scope="ORGANIZATION")) is None
