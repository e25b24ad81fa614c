# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The onboarding's plan is checked whole before any write, through playbooks/onboard_workspaces.yml on localhost:
one schema, one reading of `exclusive`, every token named by ID, one secret_file per token, a limit of IDs, and
names that stay names on ansible-core 2.16."""

from __future__ import annotations

import copy

import pytest

from test_onboarding import EDIT_TASK, SUMMARY_TASK, all_roles, declaration, role_task


def onboard(ansible, installed_collection, workspaces, core=None, **options):
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "onboard_workspaces.yml"
    extra_vars = dict(options.pop("extra_vars", {}), astro_workspaces=workspaces, astro_onboarding_hosts="localhost")
    return ansible.run(playbook=playbook, core=core, extra_vars=extra_vars, **options)


def undeclared(run):
    return [item["msg"] for item in role_task(run, SUMMARY_TASK)["results"]]


def test_a_null_exclusive_takes_the_default_as_the_look_ups_do(ansible, emulator, seed, installed_collection):
    """exclusive: null with astro_onboarding_exclusive=true removes what exclusive: true removes (it removed less)."""
    declared = {"workspace": "data-platform", "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"}]}
    explicit = onboard(ansible, installed_collection, [dict(declared, exclusive=True)], check=True)
    assert explicit.rc == 0, explicit.output
    assert undeclared(explicit), "the seed holds undeclared roles in data-platform"
    null = onboard(ansible, installed_collection, [dict(declared, exclusive=None)], check=True,
                   extra_vars={"astro_onboarding_exclusive": True})
    assert null.rc == 0, null.output
    assert undeclared(null) == undeclared(explicit)
    assert emulator.control.writes() == []


def test_a_misspelled_key_fails_naming_the_valid_one_before_any_request(ansible, emulator, seed, installed_collection):
    """org_token: (for org_tokens:) in the last declaration: that Workspace silently got no roles, with rc 0."""
    declarations = declaration(seed)
    declarations[-1]["org_token"] = declarations[-1].pop("org_tokens")
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, declarations)
    assert run.rc != 0, run.output[-3000:]
    assert ("workspace_onboarding_workspaces[2] (Workspace {0!r}): unknown key 'org_token' (did you mean 'org_tokens'?); "
            "valid keys: workspace, workspace_id, org_tokens").format(seed.workspace("ml-research")) in run.output, run.output[-3000:]
    assert emulator.control.requests() == []


def test_an_unknown_token_id_fails_before_any_write(ansible, emulator, seed, installed_collection):
    """A token_id that no token has, in the last declaration: the other tokens were written first, then a 404."""
    declarations = declaration(seed)
    declarations[-1]["org_tokens"].append({"token_id": "clnotatoken000000000000000", "role": "WORKSPACE_MEMBER"})
    before = all_roles(emulator, seed)
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, declarations)
    assert run.rc != 0, run.output[-3000:]
    assert "No token has the ID 'clnotatoken000000000000000'" in run.output, run.output[-3000:]
    assert emulator.control.writes() == [], "tokens were written before the unknown token_id was found"
    assert all_roles(emulator, seed) == before


def test_two_declared_tokens_with_one_secret_file_fail_before_any_request(ansible, emulator, seed, installed_collection, tmp_path):
    shared = str(tmp_path / "one.token")
    declarations = [{"workspace": "analytics",
                     "workspace_tokens": [{"name": "analytics-ci", "role": "WORKSPACE_OPERATOR", "secret_file": shared}],
                     "deployment_own_tokens": [{"deployment": "reporting-prod", "name": "reporting-deployer",
                                                "role": "DEPLOYMENT_ADMIN", "secret_file": shared}]}]
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, declarations)
    assert run.rc != 0, run.output[-3000:]
    assert ("deployment_own_tokens[0] (token 'reporting-deployer'): secret_file {0!r} is also the secret_file of "
            "workspace_onboarding_workspaces[0] (Workspace 'analytics') workspace_tokens[0] (token 'analytics-ci')").format(shared) in run.output
    assert emulator.control.requests() == [] and not (tmp_path / "one.token").exists()


def test_a_limit_compares_ids_with_ids(ansible, emulator, demo_seed, seed, installed_collection):
    """A Workspace renamed to another Workspace's ID is not in that one's limit (its declaration was applied outside it)."""
    renamed = copy.deepcopy(demo_seed)
    analytics, ml_research = seed.workspace("analytics"), seed.workspace("ml-research")
    next(w for w in renamed["workspaces"] if w["id"] == ml_research)["name"] = analytics
    emulator.control.reset(seed=renamed)
    declarations = [{"workspace_id": ml_research, "org_tokens": [{"token": "never-used-reader", "role": "WORKSPACE_OPERATOR"}]},
                    {"workspace_id": analytics, "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_OPERATOR"}]}]
    emulator.control.clear_log()
    run = onboard(ansible, installed_collection, declarations, check=True, extra_vars={"astro_onboarding_ids": [analytics]})
    assert run.rc == 0, run.output[-3000:]
    assert [item["token"]["name"] for item in role_task(run, EDIT_TASK)["results"]] == ["ci-deployer"]


@pytest.mark.parametrize("core", [None, "2.16"])
def test_a_declared_token_name_that_looks_like_a_literal_stays_a_name(ansible, emulator, seed, installed_collection, tmp_path, core):
    """[1,2] was created as a token named [1, 2] on ansible-core 2.16: the plan reaches api_token as data."""
    declarations = [{"workspace": "analytics", "workspace_tokens": [
        {"name": "[1,2]", "role": "WORKSPACE_MEMBER", "secret_file": str(tmp_path / "list.token")},
        {"name": "{'a': 1}", "role": "WORKSPACE_MEMBER", "secret_file": str(tmp_path / "dict.token")},
        {"name": "True", "role": "WORKSPACE_MEMBER", "secret_file": str(tmp_path / "bool.token")}]}]
    run = onboard(ansible, installed_collection, declarations, core=core)
    assert run.rc == 0, run.output[-3000:]
    names = {t["name"] for t in emulator.control.state()["tokens"]}
    assert {"[1,2]", "{'a': 1}", "True"} <= names, sorted(names)
