# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets never show. Every integration run is checked by the `ansible` fixture (-vvv, --diff, results, log);
these tests add the worst cases and prove the check itself can fail."""

from __future__ import annotations


def test_a_token_passed_as_a_module_option_is_masked_everywhere(ansible, emulator, seed, api_env):
    task = {"name": "edit", "astro.platform.workspace_org_token": {
        "api_token": api_env["ASTRO_API_TOKEN"], "token_name": "never-used-reader", "workspace_name": "analytics", "role": "WORKSPACE_MEMBER"}}
    failing = {"name": "fail", "ignore_errors": True, "astro.platform.workspace_org_token": {
        "api_token": api_env["ASTRO_API_TOKEN"], "token_name": "no-such-token", "workspace_name": "analytics", "role": "WORKSPACE_MEMBER"}}
    run = ansible.run([task, failing], env={"ASTRO_API_TOKEN": ""})  # the fixture's leak check runs on this
    assert run.task("edit")["changed"] and run.task("fail")["failed"]
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output


def test_results_never_carry_a_token_secret(ansible, emulator, seed):
    run = ansible.run([{"name": "all", "astro.platform.token_info": {}}])
    tokens = run.task("all")["tokens"]
    assert len(tokens) == len(seed.data["tokens"])
    assert all("token" not in t and "secret" not in t for t in tokens)


def test_the_leak_check_catches_a_leak(ansible, emulator, api_env):
    """Control: print the token on purpose; the check must find it, or it proves nothing elsewhere."""
    run = ansible.run([{"name": "leak", "ansible.builtin.debug": {"msg": "{{ lookup('env', 'ASTRO_API_TOKEN') }}"}}], allow_leaks=True)
    assert run.leaks([api_env["ASTRO_API_TOKEN"]]) == [api_env["ASTRO_API_TOKEN"]]
