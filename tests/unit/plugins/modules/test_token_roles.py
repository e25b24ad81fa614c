# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""token_roles refuses two roles on one entity from its entries alone, before it has a client to make any request."""

from __future__ import annotations

import pytest

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.modules.token_roles import edits_of


def workspace_entry(workspace_id, role):
    return dict(workspace_id=workspace_id, workspace_name=None, role=role, state="present" if role else "absent")


@pytest.mark.parametrize("first, second", [("WORKSPACE_MEMBER", "WORKSPACE_OWNER"), ("WORKSPACE_MEMBER", None), (None, "WORKSPACE_OWNER")])
def test_conflicting_edits_fail_before_any_call(first, second):
    deployment = dict(deployment_id="cd2", deployment_name=None, workspace_id=None, workspace_name=None, role="DAG_RUNNER",
                      state="present")
    with pytest.raises(AstroInputError) as raised:
        edits_of([workspace_entry("cw1", first), workspace_entry("cw1", second)], [deployment])
    message = str(raised.value)
    assert "WORKSPACE 'cw1'" in message and (first or "none (absent)") in message and (second or "none (absent)") in message


def test_entries_become_edits_in_order_workspaces_first():
    deployment = dict(deployment_id="cd2", deployment_name=None, workspace_id="cw1", workspace_name=None, role=None, state="absent")
    assert edits_of([workspace_entry("cw1", "WORKSPACE_MEMBER")], [deployment]) == [
        ("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("DEPLOYMENT", "cd2", None)]
