# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules and the onboarding playbook against the emulator's strict modes, where the real API may be less kind
than the emulator by default: a server that refuses pages of more than 100 tokens or roles, that reads a custom
Deployment role back by its ID, and that adds a Workspace Accessor of its own beside a Deployment role.
Every run must end right (every declared role held, nothing else lost) and a re-run must write nothing."""

from __future__ import annotations

import pytest
from test_onboarding import all_roles, declaration, expected_after_onboarding, playbook, run_onboarding

NOTE = "The Astro API refused pages of 1000"


def limits_asked(emulator, list_path_end):
    return [entry["query"].get("limit") for entry in emulator.control.requests()
            if entry["method"] == "GET" and entry["path"].endswith(list_path_end)]


def test_a_server_that_takes_pages_of_100_only_is_asked_100_after_one_refusal_and_it_is_said_at_v(ansible, emulator, seed):
    emulator.control.set_modes(largest_page=100)
    tasks = [
        {"name": "tokens", "astro.platform.token_info": {}},
        {"name": "tokens again", "astro.platform.token_info": {}},
        {"name": "custom role", "astro.platform.deployment_token": {
            "token_name": "never-used-reader", "deployment_name": "etl-staging", "role": "DAG_RUNNER"}},
    ]
    run = ansible.run(tasks, verbosity=1)
    assert run.rc == 0, run.output[-3000:]
    assert {t["name"] for t in run.task("tokens")["tokens"]} == {t["name"] for t in seed.data["tokens"]}
    assert limits_asked(emulator, "/tokens") == [["1000"], ["100"], ["100"], ["100"]], "one refusal, then 100 for the run"
    assert limits_asked(emulator, "/roles") == [["1000"], ["100"]]
    assert sum(1 for e in emulator.control.requests() if e["status"] == 400) == 2
    notes = [w for r in run.results for w in r["result"].get("warnings", []) if NOTE in w]
    assert len(notes) == 2 and "pages of 100" in notes[0], notes
    assert {"entityType": "DEPLOYMENT", "entityId": seed.deployment("etl-staging"), "role": "DAG_RUNNER"} in \
        emulator.control.token(seed.token("never-used-reader"))["roles"]


def test_the_page_size_note_is_not_shown_without_v(ansible, emulator):
    emulator.control.set_modes(largest_page=100)
    run = ansible.run([{"name": "tokens", "astro.platform.token_info": {}}], verbosity=0)
    assert run.rc == 0 and NOTE not in run.output


@pytest.mark.parametrize("module, args", [
    ("deployment_token", {"token_name": "never-used-reader", "deployment_name": "etl-staging", "role": "DAG_RUNNER"}),
    ("token_roles", {"token_name": "never-used-reader", "deployment_roles": [
        {"deployment_name": "etl-staging", "workspace_name": "data-platform", "role": "DAG_RUNNER"}]}),
])
def test_a_custom_role_read_back_by_id_is_written_once_and_then_left_alone(ansible, emulator, seed, module, args):
    emulator.control.set_modes(custom_role_echo="id")
    token = seed.token("never-used-reader")
    task = {"name": "give", "astro.platform." + module: args}
    first = ansible.run([task])
    assert first.rc == 0, first.output[-3000:]
    assert first.task("give")["changed"] and first.task("give").get("attempts", 1) == 1
    assert len(emulator.control.writes()) == 1, "one write, not a rewrite for an echo taken for an overwrite"
    emulator.control.clear_log()
    again = ansible.run([task])
    assert again.rc == 0 and not again.task("give")["changed"], again.output[-3000:]
    assert emulator.control.writes() == []
    assert {"entityType": "DEPLOYMENT", "entityId": seed.deployment("etl-staging"), "role": "DAG_RUNNER"} in \
        emulator.control.token(token)["roles"]


def test_an_accessor_the_server_adds_is_no_overwrite(ansible, emulator, seed):
    emulator.control.set_modes(server_adds_accessor=True)
    token = seed.token("never-used-reader")
    task = {"name": "give", "astro.platform.deployment_token": {
        "token_id": token, "deployment_name": "training", "role": "DEPLOYMENT_ADMIN"}}
    run = ansible.run([task])
    assert run.rc == 0 and run.task("give")["changed"], run.output[-3000:]
    assert len(emulator.control.writes()) == 1
    roles = emulator.control.token(token)["roles"]
    assert {"entityType": "WORKSPACE", "entityId": seed.workspace("ml-research"), "role": "WORKSPACE_ACCESSOR"} in roles


def test_onboarding_under_every_strict_mode_ends_right_and_an_exclusive_rerun_writes_nothing(
        ansible, emulator, seed, installed_collection, tmp_path):
    inventory = tmp_path / "workspaces.astro.yml"
    inventory.write_text("plugin: astro.platform.astro\n")
    onboard = playbook(installed_collection, "onboard_workspaces.yml")
    emulator.control.set_modes(largest_page=100, custom_role_echo="id", server_adds_accessor=True)
    before = all_roles(emulator, seed)
    workspaces = {"astro_workspaces": declaration(seed)}
    run_onboarding(ansible, emulator, onboard, inventory, workspaces)
    expected = expected_after_onboarding(before, seed)
    after = all_roles(emulator, seed)
    for token_id, roles in expected.items():
        assert set(roles) <= set(after[token_id]), "token {0} lacks declared roles".format(token_id)
    added = {token_id: set(after[token_id]) - set(roles) for token_id, roles in expected.items() if set(after[token_id]) - set(roles)}
    assert all('"WORKSPACE_ACCESSOR"' in entry for entries in added.values() for entry in entries), added
    again = run_onboarding(ansible, emulator, onboard, inventory, workspaces)
    assert again.changed_tasks == [] and emulator.control.writes() == [], again.changed_tasks
    # analytics exclusive, declared as before: the Accessor the server added beside ci-deployer's DAG_RUNNER stays.
    exclusive = {"astro_workspaces": [dict(declaration(seed)[1], exclusive=True)]}
    run_onboarding(ansible, emulator, onboard, inventory, exclusive)
    settled = all_roles(emulator, seed)
    rerun = run_onboarding(ansible, emulator, onboard, inventory, exclusive)
    assert emulator.control.writes() == [], "the exclusive re-run tried to remove the server's own entry again"
    assert all_roles(emulator, seed) == settled and rerun.changed_tasks == []
