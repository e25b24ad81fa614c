# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The inventory plugin's pure parts: the host-name rule its documentation states, and the cache entry check."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.astro.platform.plugins.inventory.astro import (
    DEPLOYMENT_FIELDS, WORKSPACE_FIELDS, api_objects, group_safe, host_safe, inventory_data, unique_names)
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_template

SOURCE = {"organization_id": "corg", "api_url": "https://api.example/v1", "include_deployments": True, "filters": {}}
ENTRY = {
    "source": SOURCE,
    "workspaces": [{"id": "cw1", "name": "data-platform", "description": None}],
    "deployments": [{"id": "cd1", "name": "etl", "description": "ETL", "status": "HEALTHY", "workspaceId": "cw1"}],
}


@pytest.mark.parametrize("name, host", [
    ("data-platform", "data-platform"), ("../../x", "___.._x"), ("a b", "a_b"), ("..", "__"), (".hidden", "_hidden"),
    ("{{ x }}", "___x___"), ("db1.example.com", "db1.example.com"), ("ünï", "_n_"), ("", ""), (None, ""),
])
def test_host_names_follow_the_documented_rule(name, host):
    assert host_safe(name) == host


def test_reserved_shared_and_taken_names_get_the_id():
    items = [{"id": "c1", "name": "a b"}, {"id": "c2", "name": "a/b"}, {"id": "c3", "name": "localhost"}, {"id": "c4", "name": ""},
             {"id": "c5", "name": "taken"}, {"id": "c6", "name": "fine"}, {"id": "../c7", "name": "all"}]
    assert unique_names(items, lambda item: host_safe(item["name"]), taken={"taken"}) == {
        "c1": "a_b_c1", "c2": "a_b_c2", "c3": "localhost_c3", "c4": "_c4", "c5": "taken_c5", "c6": "fine", "../c7": "all____c7"}


def test_a_cache_entry_is_rebuilt_as_plain_strings_of_the_known_fields():
    entry = copy.deepcopy(ENTRY)
    entry["workspaces"][0].update(name=as_template("{{ x }}"), extra="dropped")
    data = inventory_data(entry, SOURCE)
    assert data["workspaces"] == [{"id": "cw1", "name": "{{ x }}", "description": None}]
    assert data["workspaces"][0]["name"].__class__ is str  # no tag left
    assert data["deployments"] == ENTRY["deployments"]


def bad(path, value):
    entry = copy.deepcopy(ENTRY)
    target = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return entry


@pytest.mark.parametrize("entry, reason", [
    ("not a dict", "not an entry of this plugin"),
    (bad(("hosts",), []), "not an entry of this plugin"),
    (bad(("source", "organization_id"), "cother"), "written for other"),
    (bad(("workspaces",), {"id": "cw1"}), "a list was expected, not dict"),
    (bad(("workspaces", 0), "cw1"), "an object was expected, not str"),
    (bad(("workspaces", 0, "name"), {"__ansible_unsafe": "x"}), "the field name is dict, not a string"),
    (bad(("workspaces", 0, "id"), ""), "an object has no id"),
    (bad(("deployments", 0, "workspaceId"), "cw9"), "a Deployment of a Workspace it does not have"),
])
def test_a_cache_entry_of_another_shape_is_refused(entry, reason):
    with pytest.raises(ValueError, match=reason):
        inventory_data(entry, SOURCE)


def test_api_objects_keep_only_their_fields():
    assert api_objects([{"id": "c1", "name": "n", "workspaceId": "cw", "secret": "x"}], DEPLOYMENT_FIELDS) == [
        {"id": "c1", "name": "n", "description": None, "status": None, "workspaceId": "cw"}]
    assert api_objects([{"id": "c1"}], WORKSPACE_FIELDS) == [{"id": "c1", "name": None, "description": None}]


def test_group_names_get_a_group_safe_id():
    items = [{"id": "c-1.x", "name": "a-b"}, {"id": "c2", "name": "a_b"}]
    assert unique_names(items, lambda item: "astro_workspace_" + group_safe(item["name"]), safe=group_safe) == {
        "c-1.x": "astro_workspace_a_b_c_1_x", "c2": "astro_workspace_a_b_c2"}
