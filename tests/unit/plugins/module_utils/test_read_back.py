# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a verifying read says of a roles write: our change in effect, an overwrite, or an answer nothing explains."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.astro.platform.plugins.module_utils.role_list import (
    IN_EFFECT,
    OVERWRITTEN,
    UNEXPECTED,
    read_back_verdict,
    with_roles,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import server_implied_entries

ORG = {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"}
W1 = {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}
DEPLOY = ("DEPLOYMENT", "cd1", "CUSTOM_RELEASER")
CUSTOM_ID = "ccustomrole00000000000001"


def test_our_change_read_back_as_written_is_in_effect():
    before = [ORG]
    written = with_roles(before, [DEPLOY])
    assert read_back_verdict(before, written, written, [DEPLOY]) == (IN_EFFECT, [])


def test_an_entry_the_server_added_beside_ours_is_not_an_overwrite():
    before = [ORG]
    written = with_roles(before, [DEPLOY])
    accessor = {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_ACCESSOR"}
    assert read_back_verdict(before, written, written + [accessor], [DEPLOY]) == (IN_EFFECT, [])


def test_a_custom_role_echoed_by_id_is_in_effect_once_its_forms_are_known():
    before = [ORG]
    written = with_roles(before, [DEPLOY])
    fresh = with_roles(before, [DEPLOY[:2] + (CUSTOM_ID,)])
    assert read_back_verdict(before, written, fresh, [DEPLOY])[0] == UNEXPECTED
    assert read_back_verdict(before, written, fresh, [DEPLOY], echoes={"CUSTOM_RELEASER": {CUSTOM_ID}}) == (IN_EFFECT, [])


def test_a_stale_list_written_over_ours_is_an_overwrite():
    before = [ORG, W1]
    written = with_roles(before, [DEPLOY])
    assert read_back_verdict(before, written, before, [DEPLOY]) == (OVERWRITTEN, [DEPLOY])


def test_another_writer_that_changed_another_entry_is_an_overwrite():
    before = [ORG, W1]
    edit = ("WORKSPACE", "cw2", "WORKSPACE_OWNER")
    written = with_roles(before, [edit])
    fresh = with_roles(before, [("WORKSPACE", "cw1", "WORKSPACE_OWNER"), ("WORKSPACE", "cw2", "WORKSPACE_AUTHOR")])
    assert read_back_verdict(before, written, fresh, [edit])[0] == OVERWRITTEN


def test_an_answer_that_is_neither_ours_nor_an_overwrite_is_unexpected():
    before = [ORG, W1]
    edit = ("WORKSPACE", "cw1", "WORKSPACE_OWNER")
    written = with_roles(before, [edit])
    fresh = with_roles(before, [("WORKSPACE", "cw1", "WORKSPACE_OPERATOR")])
    assert read_back_verdict(before, written, fresh, [edit]) == (UNEXPECTED, [edit])


def test_a_removal_the_server_keeps_by_itself_is_not_lost():
    accessor = ("WORKSPACE", "cw1", "WORKSPACE_ACCESSOR")
    before = with_roles([ORG], [DEPLOY, accessor])
    removal = ("WORKSPACE", "cw1", None)
    written = with_roles(before, [removal])
    implied = server_implied_entries(before, {"cd1": "cw1"})
    assert implied == [("WORKSPACE", "cw1")]
    assert read_back_verdict(before, written, before, [removal], implied=implied) == (IN_EFFECT, [])
    assert read_back_verdict(before, written, before, [removal])[0] == OVERWRITTEN


def test_only_an_accessor_beside_a_deployment_role_of_a_known_workspace_is_implied():
    roles = with_roles([ORG], [DEPLOY, ("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("WORKSPACE", "cw2", "WORKSPACE_ACCESSOR")])
    assert server_implied_entries(roles, {"cd1": "cw1"}) == []
    assert server_implied_entries(roles, {}) == []
    assert server_implied_entries(with_roles([ORG], [DEPLOY]), {"cd1": "cw2"}) == [("WORKSPACE", "cw2")]


entries = st.tuples(st.sampled_from(["WORKSPACE", "DEPLOYMENT"]), st.sampled_from(["ca", "cb", "cc"]),
                    st.sampled_from([None, "WORKSPACE_MEMBER", "DEPLOYMENT_ADMIN"]))


@given(st.lists(entries, max_size=4), st.lists(entries, min_size=1, max_size=3))
def test_our_own_write_read_back_is_always_in_effect(before_edits, edits):
    edits = list({(t, i): (t, i, r) for t, i, r in edits}.values())
    before = with_roles([ORG], before_edits)
    written = with_roles(before, edits)
    assert read_back_verdict(before, written, written, edits) == (IN_EFFECT, [])
