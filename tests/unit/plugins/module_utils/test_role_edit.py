# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import threading

import pytest

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError, AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.role_edit import set_token_role, token_lock

ORG_ROLE = {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"}
DAG_ROLE = {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"}


class InMemoryTokens:
    """The two token calls of the API, in memory; `after_write` lets a test play a concurrent writer."""

    api_url = "http://in-memory/v1"
    organization_id = "corg"

    def __init__(self, roles, after_write=None):
        self.token = {"id": "ctok", "name": "ci", "scope": "ORGANIZATION", "roles": list(roles)}
        self.after_write = after_write
        self.calls = []

    def get_token(self, token_id):
        self.calls.append("GET")
        return dict(self.token, roles=list(self.token["roles"]))

    def replace_token_roles(self, token_id, roles):
        self.calls.append("POST")
        self.token["roles"] = list(roles)
        if self.after_write:
            self.after_write(self)


def edit(api, role="WORKSPACE_MEMBER", **kwargs):
    return set_token_role(api, "ctok", "WORKSPACE", "cw1", role, sleep=lambda s: None, **kwargs)


def test_unchanged_costs_one_read_and_no_write():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}])
    result = edit(api)
    assert result["changed"] is False and result["attempts"] == 0 and api.calls == ["GET"]


def test_a_change_is_read_write_verify_and_keeps_other_roles():
    api = InMemoryTokens([ORG_ROLE, DAG_ROLE])
    result = edit(api)
    assert api.calls == ["GET", "POST", "GET"]
    assert api.token["roles"] == [ORG_ROLE, DAG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}]
    assert result["changed"] and result["attempts"] == 1
    assert result["role_before"] is None and result["role_after"] == "WORKSPACE_MEMBER"
    assert "+" not in result["diff"]["before"] and "WORKSPACE cw1: WORKSPACE_MEMBER" in result["diff"]["after"]


def test_check_mode_predicts_without_writing():
    api = InMemoryTokens([ORG_ROLE])
    result = edit(api, check_mode=True)
    assert result["changed"] is True and api.calls == ["GET"] and api.token["roles"] == [ORG_ROLE]
    assert result["token"]["roles"][-1]["entityId"] == "cw1"


def test_an_overwrite_by_a_concurrent_writer_is_repaired_on_the_fresh_list():
    other = {"entityType": "WORKSPACE", "entityId": "cw2", "role": "WORKSPACE_OWNER"}

    def stale_writer(api):  # another controller writes a list it read before our write
        api.after_write = None
        api.token["roles"] = [ORG_ROLE, other]

    api = InMemoryTokens([ORG_ROLE], after_write=stale_writer)
    result = edit(api)
    assert result["attempts"] == 2
    assert api.token["roles"] == [ORG_ROLE, other, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}]


def test_endless_overwrites_fail_after_the_attempt_budget_naming_the_token():
    def always_overwrite(api):
        api.token["roles"] = [ORG_ROLE]

    api = InMemoryTokens([ORG_ROLE], after_write=always_overwrite)
    with pytest.raises(AstroError, match="ctok.*cw1.*5 times"):
        edit(api)
    assert api.calls.count("POST") == 5


def test_a_precheck_failure_stops_before_any_write():
    def refuse(token):
        raise AstroInputError("wrong scope")

    api = InMemoryTokens([ORG_ROLE])
    with pytest.raises(AstroInputError):
        edit(api, precheck=refuse)
    assert api.calls == ["GET"]


def test_removing_a_role_removes_only_that_one():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"}, DAG_ROLE])
    result = edit(api, role=None)
    assert api.token["roles"] == [ORG_ROLE, DAG_ROLE] and result["role_before"] == "WORKSPACE_OWNER"


def test_the_lock_serializes_edits_of_one_token(tmp_path):
    api = InMemoryTokens([])
    inside, overlaps = [], []

    def hold():
        with token_lock(api, "ctok", str(tmp_path)):
            if inside:
                overlaps.append(True)
            inside.append(True)
            threading.Event().wait(0.05)
            inside.pop()

    # flock locks belong to open file descriptions, so threads with their own open() contend like processes.
    threads = [threading.Thread(target=hold) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
