# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.role_display import render_roles
from ansible_collections.astro.platform.plugins.module_utils.role_list import (
    check_one_edit_per_entity,
    home_workspace_id,
    missing_edits,
    removals_not_held,
    role_on,
    subject_role_list,
    subject_role_set,
    with_role,
    with_roles,
    without_entities,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import (
    check_deployment_role,
    check_home_workspace,
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


DEFAULT = [{"name": "DEPLOYMENT_ADMIN", "scopeType": "DEPLOYMENT"}, {"name": "DEPLOYMENT_ACCESSOR", "scopeType": "DEPLOYMENT"},
           {"name": "WORKSPACE_OWNER", "scopeType": "WORKSPACE"}]


def test_deployment_roles_are_default_or_custom_deployment_roles():
    check_deployment_role("DEPLOYMENT_ADMIN", [])
    check_deployment_role("DEPLOYMENT_ACCESSOR", CUSTOM, "cwany", DEFAULT)
    check_deployment_role("DAG_OPERATOR", CUSTOM, "cwany")
    check_deployment_role("ML_ONLY", CUSTOM, "cwml")
    for role in ("WS_CUSTOM", "WORKSPACE_OWNER"):
        with pytest.raises(AstroInputError) as raised:
            check_deployment_role(role, CUSTOM, None, DEFAULT)
        message = str(raised.value)
        assert repr(role) in message
        assert "valid roles: DEPLOYMENT_ACCESSOR, DEPLOYMENT_ADMIN (default), DAG_OPERATOR, ML_ONLY (custom)" in message
    with pytest.raises(AstroInputError, match="DEPLOYMENT_ACCESSOR"):
        check_deployment_role("DEPLOYMENT_ACCESSOR", CUSTOM)  # not a default role where the API lists none
    with pytest.raises(AstroInputError, match="ML_ONLY.*cwml.*cwother"):
        check_deployment_role("ML_ONLY", CUSTOM, "cwother")


def test_home_workspace_is_the_own_role_of_a_workspace_token():
    roles = [{"entityType": "DEPLOYMENT", "entityId": "cd", "role": "DEPLOYMENT_ADMIN"},
             {"entityType": "WORKSPACE", "entityId": "cw", "role": "WORKSPACE_OWNER"}]
    token = {"scope": "WORKSPACE", "roles": roles}
    assert home_workspace_id(token) == "cw"
    assert home_workspace_id(dict(token, scope="ORGANIZATION")) is None


# with_roles, missing_edits, check_one_edit_per_entity: several edits of one token's list at once.

edit_lists = st.lists(edits, max_size=8)
# One edit per entity, as check_one_edit_per_entity lets through to with_roles.
distinct_edit_lists = st.lists(edits, max_size=8, unique_by=lambda e: (e[0], e[1]))


@st.composite
def accepted_edit_lists(draw):
    """Edit lists check_one_edit_per_entity lets through: one role per entity, some edits listed more than once."""
    distinct = draw(distinct_edit_lists)
    repeated = draw(st.lists(st.sampled_from(distinct), max_size=4)) if distinct else []
    return draw(st.permutations(distinct + repeated))


def _edited_entities(edit_list):
    return {(entity_type, entity_id) for entity_type, entity_id, role in edit_list}


def _unedited(roles, edit_list):
    entities = _edited_entities(edit_list)
    return [e for e in roles if (e["entityType"], e["entityId"]) not in entities]


@given(role_lists, edit_lists)
def test_with_roles_keeps_every_entry_of_an_unedited_entity_exactly_and_in_order(roles, edit_list):
    original = [dict(e) for e in roles]
    edited = with_roles(roles, edit_list)
    assert _unedited(edited, edit_list) == _unedited(original, edit_list)
    assert roles == original, "the input list must not be mutated"


@given(role_lists, accepted_edit_lists())
def test_with_roles_makes_every_edit_hold(roles, edit_list):
    edited = with_roles(roles, edit_list)
    for entity_type, entity_id, role in edit_list:
        assert role_on(edited, entity_type, entity_id) == role
        assert len([e for e in edited if (e["entityType"], e["entityId"]) == (entity_type, entity_id)]) == (0 if role is None else 1)


@given(role_lists, distinct_edit_lists)
def test_with_roles_adds_or_removes_no_entry_but_those_of_the_edits(roles, edit_list):
    edited = with_roles(roles, edit_list)
    added = [e for e in edit_list if e[2] is not None and role_on(roles, e[0], e[1]) is None]
    removed = [e for e in edit_list if e[2] is None and role_on(roles, e[0], e[1]) is not None]
    assert len(edited) == len(roles) + len(added) - len(removed)


@given(role_lists, accepted_edit_lists())
def test_with_roles_is_idempotent(roles, edit_list):
    # Only for lists check_one_edit_per_entity accepts: "absent, then present" on one entity moves its entry each time.
    once = with_roles(roles, edit_list)
    assert with_roles(once, edit_list) == once


@given(role_lists)
def test_with_roles_of_no_edit_is_an_equal_new_list(roles):
    same = with_roles(roles, [])
    assert same == roles and same is not roles


def test_with_roles_of_none_is_an_empty_list():
    assert with_roles(None, []) == []
    assert with_roles(None, [("WORKSPACE", "cw1", None)]) == []
    assert with_roles(None, [("WORKSPACE", "cw1", "WORKSPACE_MEMBER")]) == [
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}]


def test_with_roles_changes_in_place_appends_new_entries_in_edit_order_and_removes():
    roles = [{"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"},
             {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"},
             {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"},
             {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"}]
    edited = with_roles(roles, [("DEPLOYMENT", "cd2", "DAG_RUNNER"), ("WORKSPACE", "cw1", "WORKSPACE_OWNER"),
                                ("DEPLOYMENT", "cd1", None), ("WORKSPACE", "cw2", "WORKSPACE_AUTHOR")])
    assert edited == [{"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"},
                      {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"},
                      {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"},
                      {"entityType": "DEPLOYMENT", "entityId": "cd2", "role": "DAG_RUNNER"},
                      {"entityType": "WORKSPACE", "entityId": "cw2", "role": "WORKSPACE_AUTHOR"}]


@given(role_lists, accepted_edit_lists())
def test_missing_edits_is_empty_after_with_roles(roles, edit_list):
    assert missing_edits(with_roles(roles, edit_list), edit_list) == []


@given(role_lists, edit_lists)
def test_missing_edits_are_exactly_the_edits_the_list_does_not_hold_in_order(roles, edit_list):
    missing = missing_edits(roles, edit_list)
    assert missing == [e for e in edit_list if role_on(roles, e[0], e[1]) != e[2]]
    assert all(role_on(roles, e[0], e[1]) == e[2] for e in edit_list if e not in missing)


def test_missing_edits_sees_an_overwritten_removal_and_ignores_dag_entries():
    roles = [{"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"},
             {"entityType": "DAG", "entityId": "cd1", "deploymentId": "cd1", "role": "DAG_VIEWER"}]
    asked = [("WORKSPACE", "cw1", None), ("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN"), ("DEPLOYMENT", "cd2", None)]
    assert missing_edits(roles, asked) == asked[:2]


@given(distinct_edit_lists)
def test_one_edit_per_entity_is_accepted(edit_list):
    check_one_edit_per_entity(edit_list)


@given(accepted_edit_lists())
def test_the_same_edit_listed_twice_is_accepted(edit_list):
    check_one_edit_per_entity(edit_list + edit_list)


@given(distinct_edit_lists, st.sampled_from(["WORKSPACE", "DEPLOYMENT"]), ids, st.none() | role_names, st.none() | role_names, st.data())
def test_two_different_roles_on_one_entity_are_refused_naming_the_entity_and_both_roles(edit_list, entity_type, entity_id, first, second, data):
    if first == second:
        second = "OTHER_ROLE" if first is not None else "WORKSPACE_MEMBER"
    others = [e for e in edit_list if (e[0], e[1]) != (entity_type, entity_id)]
    position = data.draw(st.integers(0, len(others)))
    asked = others[:position] + [(entity_type, entity_id, first)] + others[position:] + [(entity_type, entity_id, second)]
    with pytest.raises(AstroInputError) as raised:
        check_one_edit_per_entity(asked)
    message = str(raised.value)
    assert "{0} {1!r}".format(entity_type, entity_id) in message
    for role in (first, second):
        assert (role or "none (absent)") in message
    assert message.index(first or "none (absent)") < message.index(second or "none (absent)"), "earlier role first"


def test_the_same_id_on_a_workspace_and_a_deployment_is_two_entities():
    check_one_edit_per_entity([("WORKSPACE", "cx1", "WORKSPACE_MEMBER"), ("DEPLOYMENT", "cx1", "DEPLOYMENT_ADMIN")])


def test_present_and_absent_on_one_entity_are_refused():
    with pytest.raises(AstroInputError, match=r"DEPLOYMENT 'cd1' is listed twice, once with role DEPLOYMENT_ADMIN and once with none \(absent\)"):
        check_one_edit_per_entity([("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN"), ("WORKSPACE", "cw1", None), ("DEPLOYMENT", "cd1", None)])


def test_check_home_workspace_refuses_only_other_workspaces_of_a_workspace_token():
    workspace_token = {"id": "ctw", "name": "ci", "scope": "WORKSPACE", "roles": [{"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}]}
    check_home_workspace(workspace_token, ["cw1", None, ""])
    with pytest.raises(AstroInputError, match="belongs to Workspace cw1; .* not of Workspace cw2, cw3"):
        check_home_workspace(workspace_token, ["cw3", "cw1", "cw2"])
    check_home_workspace({"id": "cto", "scope": "ORGANIZATION", "roles": []}, ["cw2"])


@given(role_lists, st.lists(st.tuples(st.sampled_from(["WORKSPACE", "DEPLOYMENT"]), ids, role_names), max_size=6,
                            unique_by=lambda removal: (removal[0], removal[1])))
def test_a_removal_declared_with_a_role_removes_only_that_role(roles, removals):
    """Removing what was declared: a role is removed where the token holds the declared one, kept where it holds another."""
    edits = [(entity_type, entity_id, None) for entity_type, entity_id, declared in removals]
    only_if_held = {(entity_type, entity_id): declared for entity_type, entity_id, declared in removals}
    kept = removals_not_held(roles, edits, only_if_held)
    after = with_roles(roles, without_entities(edits, kept))
    for entity_type, entity_id, declared in removals:
        held = role_on(roles, entity_type, entity_id)
        if held in (None, declared):
            assert role_on(after, entity_type, entity_id) is None
        else:
            assert (entity_type, entity_id, held, declared) in kept and role_on(after, entity_type, entity_id) == held
    removed_entities = {(t, i) for t, i, r in edits} - {(t, i) for t, i, h, d in kept}
    assert after == [e for e in roles if (e["entityType"], e["entityId"]) not in removed_entities]


@given(role_lists, st.lists(edits, max_size=6))
def test_without_conditions_nothing_is_kept(roles, some_edits):
    assert removals_not_held(roles, some_edits, None) == [] and without_entities(some_edits, []) == some_edits


@given(st.lists(role_entries(), max_size=12), accepted_edit_lists())
def test_with_roles_in_one_pass_is_with_role_applied_to_each_edit_in_turn(roles, edit_list):
    """Also on lists with several entries for one entity."""
    expected = roles
    for edit in edit_list:
        expected = with_role(expected, *edit)
    assert with_roles(roles, edit_list) == expected


# A team's or user's role set as a role list, and back (the body of the write that replaces the set).

SUBJECT = dict(organizationRole="ORGANIZATION_MEMBER", workspaceRoles=[{"workspaceId": "cw1", "role": "WORKSPACE_OWNER"}],
               deploymentRoles=[{"deploymentId": "cd1", "role": "DEPLOYMENT_ADMIN"}],
               dagRoles=[{"deploymentId": "cd1", "dagId": "etl", "role": "DAG_VIEWER"},
                         {"deploymentId": "cd1", "dagTag": "nightly", "role": "DAG_AUTHOR"}])


def test_a_subject_role_set_round_trips_through_its_role_list():
    roles = subject_role_list(SUBJECT, "corg")
    assert roles == [
        {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"},
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"},
        {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"},
        {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"},
        {"entityType": "DAG_TAG", "entityId": "nightly", "deploymentId": "cd1", "role": "DAG_AUTHOR"}]
    assert subject_role_set(roles) == SUBJECT


def test_an_edited_subject_list_keeps_the_organization_and_dag_roles_in_its_set():
    edited = with_roles(subject_role_list(SUBJECT, "corg"), [("WORKSPACE", "cw1", None), ("WORKSPACE", "cw2", "WORKSPACE_MEMBER")])
    assert subject_role_set(edited) == dict(SUBJECT, workspaceRoles=[{"workspaceId": "cw2", "role": "WORKSPACE_MEMBER"}])


def test_an_empty_subject_is_written_with_every_list_and_no_organization_role():
    assert subject_role_list({}, "corg") == []
    assert subject_role_set([]) == dict(workspaceRoles=[], deploymentRoles=[], dagRoles=[])
