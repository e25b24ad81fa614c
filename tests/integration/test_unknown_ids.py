# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Entities given by ID exist before a write; IDs are taken as the Astro CLI takes them; Deployment roles as Astro has them.

What Astro answers to a role on a Workspace or Deployment that does not exist is not public, so every module looks
the entity up before it gives a token its first role there: the emulator's request log must show the look-up and
no write. IDs are lower-cased as the CLI does. Default Deployment roles are valid, and a roles look-up the caller
may not make (403) only warns.
"""

from __future__ import annotations

NO_WORKSPACE = "cnosuchworkspace000000000"
NO_DEPLOYMENT = "cnosuchdeployment00000000"


def failed_without_write(emulator, run, name, *needles):
    result = run.task(name)
    assert result["failed"] is True, "{0}: did not fail: {1}".format(name, result)
    for needle in needles:
        assert needle in result["msg"], "{0}: {1!r} not in {2!r}".format(name, needle, result["msg"])
    assert "nothing was written" in result["msg"] or "as the task says" in result["msg"]
    return result


def test_each_module_fails_on_an_unknown_workspace_or_deployment_id_before_any_write(ansible, emulator, seed):
    ci_deployer, reader = seed.token("ci-deployer"), seed.token("never-used-reader")
    etl_prod = seed.deployment("etl-prod")
    tasks = [
        {"name": "workspace_org_token, unknown Workspace", "astro.platform.workspace_org_token": {
            "token_id": ci_deployer, "workspace_id": NO_WORKSPACE, "role": "WORKSPACE_MEMBER"}},
        {"name": "deployment_token, unknown Deployment", "astro.platform.deployment_token": {
            "token_id": reader, "deployment_id": NO_DEPLOYMENT, "role": "DEPLOYMENT_ADMIN"}},
        {"name": "deployment_token, unknown Workspace", "astro.platform.deployment_token": {
            "token_scope": "organization", "token_id": reader, "workspace_id": NO_WORKSPACE, "deployment_id": etl_prod,
            "role": "DEPLOYMENT_ADMIN"}},
        {"name": "token_roles, unknown Workspace and Deployment", "astro.platform.token_roles": {
            "token_id": reader,
            "workspace_roles": [{"workspace_id": seed.workspace("analytics"), "role": "WORKSPACE_MEMBER"},
                                {"workspace_id": NO_WORKSPACE, "role": "WORKSPACE_MEMBER"}],
            "deployment_roles": [{"deployment_id": NO_DEPLOYMENT, "role": "DEPLOYMENT_ADMIN"},
                                 {"deployment_id": etl_prod, "role": "DEPLOYMENT_ADMIN"}]}},
    ]
    before = emulator.control.state()
    emulator.control.clear_log()
    run = ansible.run([dict(task, ignore_errors=True) for task in tasks])
    failed_without_write(emulator, run, "workspace_org_token, unknown Workspace", "Workspace '{0}' not found".format(NO_WORKSPACE))
    failed_without_write(emulator, run, "deployment_token, unknown Deployment", "Deployment '{0}' not found".format(NO_DEPLOYMENT))
    failed_without_write(emulator, run, "deployment_token, unknown Workspace",
                         "Deployment etl-prod ({0}) is in Workspace data-platform ({1}), not in Workspace {2!r}".format(
                             etl_prod, seed.workspace("data-platform"), NO_WORKSPACE))
    message = failed_without_write(emulator, run, "token_roles, unknown Workspace and Deployment",
                                   "Workspace '{0}'".format(NO_WORKSPACE), "Deployment '{0}'".format(NO_DEPLOYMENT))["msg"]
    assert seed.workspace("analytics") not in message and etl_prod not in message, "only the unknown IDs are named"

    log = emulator.control.requests()
    assert [r for r in log if r["is_write"]] == [], "a write was sent"
    unclocked = lambda state: {k: v for k, v in state.items() if k != "clock"}  # noqa: E731  the wall clock moves on
    assert unclocked(emulator.control.state()) == unclocked(before)
    # Each was looked up by ID, with the list's ID filter: one request per kind for all IDs of one write.
    looked_up = [(r["operationId"], sorted(r["query"].get("workspaceIds") or r["query"].get("deploymentIds") or [])) for r in log
                 if r["operationId"] in ("ListWorkspaces", "ListDeployments")]
    # The same requests ask for the names of the other entities the diff shows (the task would change something);
    # Deployments first, since they tell their Workspace's name too.
    assert looked_up == [
        ("ListDeployments", [etl_prod]),  # ci-deployer holds etl-prod (named, not checked), in data-platform: named too
        ("ListWorkspaces", [NO_WORKSPACE]),
        ("ListDeployments", [NO_DEPLOYMENT]),
        ("ListDeployments", [etl_prod]),
        ("ListWorkspaces", [NO_WORKSPACE]),  # the Workspace the task names, for its name
        ("ListDeployments", sorted([NO_DEPLOYMENT, etl_prod])),
        ("ListWorkspaces", sorted([seed.workspace("analytics"), NO_WORKSPACE])),
    ]


def test_the_onboarding_role_fails_on_an_unknown_workspace_or_deployment_id_before_any_write(ansible, emulator, seed):
    declarations = {
        "unknown Workspace": [{"workspace_id": NO_WORKSPACE, "org_tokens": [{"token": "ci-deployer", "role": "WORKSPACE_MEMBER"}]}],
        "unknown Deployment": [{"workspace": "data-platform", "deployment_tokens": [
            {"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN", "deployments": [seed.deployment("etl-staging"), NO_DEPLOYMENT]}]}],
    }
    for case, workspaces in declarations.items():
        emulator.control.clear_log()
        run = ansible.run([{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                            "vars": {"workspace_onboarding_workspaces": workspaces}}])
        assert run.rc != 0, case
        assert (NO_WORKSPACE if case == "unknown Workspace" else NO_DEPLOYMENT) in run.output, case
        assert emulator.control.writes() == [], case
        assert all(not r["is_write"] for r in emulator.control.requests()), case


def test_upper_case_ids_work_as_the_cli_takes_them(ansible, emulator, seed):
    reader, analytics, ml_research = seed.token("never-used-reader"), seed.workspace("analytics"), seed.workspace("ml-research")
    training, etl_prod = seed.deployment("training"), seed.deployment("etl-prod")
    tasks = [
        {"name": "workspace role", "astro.platform.workspace_org_token": {
            "token_id": reader.upper(), "workspace_id": analytics.upper(), "role": "WORKSPACE_MEMBER"}},
        {"name": "deployment role", "astro.platform.deployment_token": {
            "token_id": reader.upper(), "workspace_id": ml_research.upper(), "deployment_id": training.upper(), "role": "DAG_RUNNER"}},
        {"name": "several roles", "astro.platform.token_roles": {
            "token_id": reader.upper(),
            "workspace_roles": [{"workspace_id": ml_research.upper(), "role": "WORKSPACE_AUTHOR"}],
            "deployment_roles": [{"deployment_id": etl_prod.upper(), "workspace_id": seed.workspace("data-platform").upper(),
                                  "role": "DEPLOYMENT_ADMIN"}]}},
        {"name": "listed", "astro.platform.token_info": {"token_id": reader.upper(), "workspace_id": analytics.upper()}},
    ]
    run = ansible.run(tasks)
    assert run.rc == 0, run.output
    roles = emulator.control.token(reader)["roles"]
    for entity_type, entity_id, role in (("WORKSPACE", analytics, "WORKSPACE_MEMBER"), ("DEPLOYMENT", training, "DAG_RUNNER"),
                                         ("WORKSPACE", ml_research, "WORKSPACE_AUTHOR"), ("DEPLOYMENT", etl_prod, "DEPLOYMENT_ADMIN")):
        assert {"entityType": entity_type, "entityId": entity_id, "role": role} in roles, "stored as Astro spells IDs"
    assert run.task("several roles")["roles_changed"][0]["entity_id"] == ml_research
    assert run.task("listed")["tokens"][0]["workspace_role"] == "WORKSPACE_MEMBER"

    # The same tasks in lower case change nothing: one ID, whatever its case.
    emulator.control.clear_log()
    again = ansible.run([{"name": "same, lower case", "astro.platform.workspace_org_token": {
        "token_id": reader, "workspace_id": analytics, "role": "WORKSPACE_MEMBER"}}])
    assert again.rc == 0 and again.changed_tasks == [] and emulator.control.writes() == []


def test_upper_case_ids_in_onboarding_declarations_work(ansible, emulator, seed):
    reader, ml_research, training = seed.token("never-used-reader"), seed.workspace("ml-research"), seed.deployment("training")
    workspaces = [{"workspace_id": ml_research.upper(),
                   "org_tokens": [{"token_id": reader.upper(), "role": "WORKSPACE_OPERATOR"}],
                   "deployment_tokens": [{"token_id": reader.upper(), "role": "DEPLOYMENT_ADMIN", "deployments": [training.upper()]}]}]
    onboard = [{"name": "onboard", "ansible.builtin.include_role": {"name": "astro.platform.workspace_onboarding"},
                "vars": {"workspace_onboarding_workspaces": workspaces}}]
    run = ansible.run(onboard)
    assert run.rc == 0, run.output
    roles = emulator.control.token(reader)["roles"]
    assert {"entityType": "WORKSPACE", "entityId": ml_research, "role": "WORKSPACE_OPERATOR"} in roles
    assert {"entityType": "DEPLOYMENT", "entityId": training, "role": "DEPLOYMENT_ADMIN"} in roles
    emulator.control.clear_log()
    again = ansible.run(onboard)
    assert again.rc == 0 and emulator.control.writes() == [], again.output


def test_a_default_deployment_role_is_accepted(ansible, emulator, seed):
    reader, etl_prod, training = seed.token("never-used-reader"), seed.deployment("etl-prod"), seed.deployment("training")
    emulator.control.clear_log()
    run = ansible.run([
        {"name": "default role", "astro.platform.deployment_token": {"token_id": reader, "deployment_id": etl_prod, "role": "DEPLOYMENT_ACCESSOR"}},
        {"name": "default role, several", "astro.platform.token_roles": {
            "token_id": reader, "deployment_roles": [{"deployment_id": training, "role": "DEPLOYMENT_ACCESSOR"}]}},
    ])
    assert run.rc == 0, run.output
    roles = emulator.control.token(reader)["roles"]
    assert {"entityType": "DEPLOYMENT", "entityId": etl_prod, "role": "DEPLOYMENT_ACCESSOR"} in roles
    assert {"entityType": "DEPLOYMENT", "entityId": training, "role": "DEPLOYMENT_ACCESSOR"} in roles
    listed = [r for r in emulator.control.requests() if r["operationId"] == "ListRoles"]
    assert len(listed) == 2 and all(r["query"].get("includeDefaultRoles") == ["true"] for r in listed)


def test_a_403_from_the_roles_look_up_warns_and_the_api_judges_the_role(ansible, emulator, seed):
    reader, etl_prod, training = seed.token("never-used-reader"), seed.deployment("etl-prod"), seed.deployment("training")
    control = emulator.control
    # The server would accept DAG_RUNNER: the task warns, writes, and succeeds.
    control.set_faults(fail_next={"status": 403, "count": 1, "operations": ["ListRoles"], "message": "may not list roles"})
    control.clear_log()
    run = ansible.run([{"name": "unchecked role", "astro.platform.deployment_token": {
        "token_id": reader, "deployment_id": etl_prod, "role": "DAG_RUNNER"}}])
    assert run.rc == 0, run.output
    result = run.task("unchecked role")
    assert result["changed"] is True
    assert any("DAG_RUNNER could not be checked" in w and "403" in w for w in result.get("warnings", [])), result.get("warnings")
    assert {"entityType": "DEPLOYMENT", "entityId": etl_prod, "role": "DAG_RUNNER"} in control.token(reader)["roles"]
    assert [r["status"] for r in control.requests() if r["operationId"] == "ListRoles"] == [403]
    assert len(control.writes()) == 1

    # The server refuses DEPLOYMENT_BOSS: the task warns, and the API's own 400 fails it; the token keeps its roles.
    before = control.token(reader)["roles"]
    control.set_faults(fail_next={"status": 403, "count": 1, "operations": ["ListRoles"]})
    refused = ansible.run([{"name": "refused role", "astro.platform.token_roles": {
        "token_id": reader, "deployment_roles": [{"deployment_id": training, "role": "DEPLOYMENT_BOSS"}]}}])
    result = refused.task("refused role")
    assert refused.rc != 0 and result["failed"] and result["status"] == 400 and "DEPLOYMENT_BOSS" in result["msg"]
    assert "DEPLOYMENT_BOSS could not be checked" in refused.output
    assert control.token(reader)["roles"] == before
