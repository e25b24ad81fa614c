# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shipped playbooks that write refuse to act on what the user did not name: no declarations file, no host, no
confirmation for the demo against something other than the local emulator. Each fails before any request."""

from __future__ import annotations

import pytest


def playbook(installed_collection, name):
    return installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / name


def failure(run):
    """The message of the run's one failed task (as recorded: ansible-core 2.16 shows it JSON-escaped)."""
    failed = [r["result"].get("msg", "") for r in run.results if r["status"] == "failed"]
    assert run.rc != 0 and len(failed) == 1, run.output
    return failed[0]


@pytest.mark.parametrize("extra_vars", [{"astro_onboarding_hosts": "localhost"}, {}])
def test_onboarding_without_a_declarations_file_fails_and_never_reads_the_demo_data(ansible, emulator, installed_collection,
                                                                                    extra_vars):
    # The command: -e astro_onboarding_hosts=localhost, no declarations file. It used to apply the demo's
    # playbooks/vars/onboarding.yml, shipped in the collection, to whatever ASTRO_* pointed at.
    emulator.control.clear_log()
    run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), extra_vars=extra_vars, verbosity=0)
    message = failure(run)
    assert message.startswith("Set astro_onboarding_vars_file to your declarations file"), message
    assert message.endswith("Nothing was read or written."), message
    assert "Read the declarations" not in run.stdout, "the declarations were read"
    assert emulator.control.requests() == []


@pytest.mark.parametrize("core", [None, "2.16"])
def test_onboarding_whose_host_pattern_matches_nothing_fails(ansible, emulator, installed_collection, tmp_path, core):
    # No inventory: the play's hosts (group astro_workspaces) match nothing; it used to say "skipping: no hosts matched"
    # and exit 0, having done nothing.
    declarations = tmp_path / "declarations.yml"
    declarations.write_text("astro_workspaces:\n  - workspace: analytics\n")
    emulator.control.clear_log()
    for extra_vars, pattern in [({}, '"astro_workspaces"'), ({"astro_onboarding_hosts": "no_such_group"}, '"no_such_group"')]:
        run = ansible.run(playbook=playbook(installed_collection, "onboard_workspaces.yml"), verbosity=0, core=core,
                          extra_vars=dict(extra_vars, astro_onboarding_vars_file=str(declarations)))
        message = failure(run)
        assert message.startswith("The host pattern {0} (astro_onboarding_hosts) matches no host".format(pattern)), message
        assert "astro_onboarding_vars_file" not in message, "the declarations file was given"
    assert emulator.control.requests() == []


@pytest.mark.parametrize("api_url", [None, "https://api.astronomer.io/v1", "https://127.0.0.1.example.com/v1"])
def test_the_demo_refuses_an_api_that_is_not_local(ansible, emulator, installed_collection, api_url):
    env = {"ASTRO_API_URL": api_url} if api_url else {"ASTRO_API_URL": ""}
    run = ansible.run(playbook=playbook(installed_collection, "demo.yml"), env=env, verbosity=0)
    shown = api_url or "https://api.astronomer.io/v1"
    message = failure(run)
    assert message.startswith("The demo writes token roles, and ASTRO_API_URL ({0}) is not a local emulator".format(shown))
    assert "astro_demo_confirm_organization" in message
    assert "Add an Organization token to a Workspace" not in run.stdout, "the demo went on after the refusal"
    assert "Onboard Astro Workspaces" not in run.stdout and "Audit Astro API tokens" not in run.stdout


def test_the_demo_against_another_url_needs_the_organization_confirmed(ansible, emulator, installed_collection):
    # Only the refusal runs (--tags of no task: the tasks tagged always), so that no request leaves for that URL.
    env = {"ASTRO_API_URL": "https://api.astronomer.io/v1", "ANSIBLE_RUN_TAGS": "no-task-has-this-tag"}
    demo = playbook(installed_collection, "demo.yml")
    for confirmation in ["", "clorgnotthisone0000000000", emulator.organization_id.upper()]:
        refused = ansible.run(playbook=demo, env=env, verbosity=0, extra_vars={"astro_demo_confirm_organization": confirmation})
        assert refused.rc != 0 and "is not a local emulator" in refused.output, (confirmation, refused.output)
    # (the imported onboarding's own check runs too: on localhost, it has its hosts)
    confirmed = ansible.run(playbook=demo, env=env, verbosity=0, extra_vars={
        "astro_demo_confirm_organization": emulator.organization_id, "astro_onboarding_hosts": "localhost"})
    assert confirmed.rc == 0, confirmed.output
    assert "Refuse to write the demo's roles anywhere but to a local emulator, unless confirmed" in confirmed.stdout
    # Without ASTRO_ORGANIZATION_ID, an empty confirmation does not match the empty Organization.
    unset = ansible.run(playbook=demo, env=dict(env, ASTRO_ORGANIZATION_ID=""), verbosity=0,
                        extra_vars={"astro_demo_confirm_organization": ""})
    assert unset.rc != 0 and "is not a local emulator" in unset.output, unset.output
    assert emulator.control.requests() == []
