# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.token_roles: several roles of one token in one verified write, as real playbooks against the emulator.

Each change is run in check mode (changed predicted, nothing written), for real with --diff (exactly the listed
entities change, every other role is kept, one write), then again (changed false, no write, the minimum of requests),
in one ansible-playbook process (playbook_runner.converge).
Refusals must happen before anything is written.
"""

from __future__ import annotations

import copy
import re

from playbook_runner import converge
from playbook_runner import refused as refused_tasks


def role_on(roles, entity_type, entity_id):
    return next((r["role"] for r in roles if r["entityType"] == entity_type and r["entityId"] == entity_id), None)


def unedited(roles, edits):
    """The entries of `roles` on entities no edit names, in their order."""
    entities = {(entity_type, entity_id) for entity_type, entity_id, role in edits}
    return [r for r in roles if (r["entityType"], r["entityId"]) not in entities]


def entity_names(emulator):
    """{ID: name} of the emulator's Workspaces and Deployments."""
    state = emulator.control.state()
    return {item["id"]: item["name"] for item in state["workspaces"] + state["deployments"]}


def changed(entity_type, entity_id, role_before, role_after, workspace_id, token, names):
    """An entry of roles_changed; token: the token as the emulator holds it; names: entity_names()."""
    return dict(entity_type=entity_type, entity_id=entity_id, entity_name=names[entity_id], role_before=role_before,
                role_after=role_after, workspace_id=workspace_id, workspace_name=names.get(workspace_id),
                token_id=token["id"], token_name=token["name"])


def expected_changes(token, edits, task_args, names, workspace_of=None):
    """roles_changed as it must be: the changed edits in the order listed, each with its Workspace as the task gave it.

    workspace_of: {Deployment ID: Workspace ID}, for tasks that name their Deployments rather than give IDs.
    """
    before = token["roles"]
    if workspace_of is None:
        workspace_of = {e["deployment_id"]: e.get("workspace_id") for e in task_args.get("deployment_roles") or []}
    return [changed(t, i, role_on(before, t, i), r, i if t == "WORKSPACE" else workspace_of[i], token, names)
            for t, i, r in edits if role_on(before, t, i) != r]


def converge_roles(ansible, emulator, task, token_id, edits, requests_when_unchanged, workspace_of=None):
    """playbook_runner.converge of a token_roles task that changes something; asserts the predicted and the real
    roles_changed, the roles of the listed entities after it, every other role kept, one write to that token, and
    the re-run's exact request counts. Returns the real step.

    edits: (entity_type, entity_id, role or None) the task asks for, in the order it lists them (workspace_roles
    first); requests_when_unchanged: the exact request counts by operationId of the re-run.
    """
    control = emulator.control
    before = control.token(token_id)["roles"]
    changes = expected_changes(control.token(token_id), edits, task["astro.platform.token_roles"], entity_names(emulator), workspace_of)
    assert changes, "the test must ask for at least one change"

    done = converge(ansible, emulator, task, writes=["UpdateApiTokenRoles"], requests_when_unchanged=requests_when_unchanged)
    predicted, result, rerun = done.checked.result, done.real.result, done.again.result
    assert predicted["roles_changed"] == changes and predicted["attempts"] == 0
    after = control.token(token_id)["roles"]
    for entity_type, entity_id, role in edits:
        assert role_on(after, entity_type, entity_id) == role, (entity_type, entity_id)
    assert unedited(after, edits) == unedited(before, edits), "a role that was not listed was touched"
    assert result["roles_changed"] == changes
    assert result["attempts"] == 1
    assert result["token"]["roles"] == after and result["token"]["id"] == token_id
    assert predicted["token"]["roles"] == after, "check mode predicted another list"
    [write] = done.real.writes
    assert write["method"] == "POST" and token_id in write["path"]
    assert rerun["roles_changed"] == [] and rerun["attempts"] == 0
    assert rerun["token"]["roles"] == after
    return done.real


def refused(ansible, emulator, tasks):
    """playbook_runner.refused, every token's roles unchanged."""
    return refused_tasks(ansible, emulator, tasks, stored)


def stored(emulator):
    """What the emulator holds, without its clock (which moves while a playbook runs)."""
    state = emulator.control.state()
    state.pop("clock", None)
    return state


def assert_message(message, *patterns):
    for pattern in patterns:
        assert re.search(pattern, message), "{0!r} not in message {1!r}".format(pattern, message)


def test_an_organization_token_gets_and_loses_several_roles_in_one_write_by_id(ansible, emulator, seed):
    token = seed.token("ci-deployer")
    data_platform, analytics, ml_research = seed.workspace("data-platform"), seed.workspace("analytics"), seed.workspace("ml-research")
    reporting_prod, etl_staging = seed.deployment("reporting-prod"), seed.deployment("etl-staging")
    task = {"name": "several roles", "astro.platform.token_roles": {
        "token_id": token,
        "workspace_roles": [
            {"workspace_id": analytics, "role": "WORKSPACE_MEMBER"},
            {"workspace_id": ml_research, "role": "WORKSPACE_OPERATOR"},
            {"workspace_id": data_platform, "state": "absent"},
        ],
        "deployment_roles": [
            {"deployment_id": reporting_prod, "role": "DEPLOYMENT_ADMIN"},
            {"deployment_id": etl_staging, "workspace_id": data_platform, "role": "DAG_RUNNER"},
        ],
    }}
    edits = [("WORKSPACE", analytics, "WORKSPACE_MEMBER"), ("WORKSPACE", ml_research, "WORKSPACE_OPERATOR"),
             ("WORKSPACE", data_platform, None),
             ("DEPLOYMENT", reporting_prod, "DEPLOYMENT_ADMIN"), ("DEPLOYMENT", etl_staging, "DAG_RUNNER")]
    before = emulator.control.token(token)["roles"]
    # The seed's other roles of ci-deployer (organization, etl-prod, a DAG of etl-prod) must survive untouched.
    assert len(unedited(before, edits)) == 3
    # Unchanged by ID, the minimum: one custom-role list (DAG_RUNNER must be checked, one page for all entries)
    # and one read of the token (the only way to know its roles). No token list, no write.
    real = converge_roles(ansible, emulator, task, token, edits, requests_when_unchanged={"ListRoles": 1, "GetApiToken": 1})
    names = entity_names(emulator)
    assert "-WORKSPACE data-platform ({0}): WORKSPACE_AUTHOR".format(data_platform) in real.output
    for entity_type, entity_id, role in edits:
        if role:
            assert "+{0} {1} ({2}): {3}".format(entity_type, names[entity_id], entity_id, role) in real.output
    # Its untouched DAG entry names its Deployment too.
    assert " (deployment etl-prod ({0})): ".format(seed.deployment("etl-prod")) in real.output
    assert "roles of token ci-deployer ({0})".format(token) in real.output
    ci = emulator.control.token(token)
    assert real.result["roles_changed"] == [
        changed("WORKSPACE", analytics, None, "WORKSPACE_MEMBER", analytics, ci, names),
        changed("WORKSPACE", ml_research, None, "WORKSPACE_OPERATOR", ml_research, ci, names),
        changed("WORKSPACE", data_platform, "WORKSPACE_AUTHOR", None, data_platform, ci, names),
        changed("DEPLOYMENT", reporting_prod, None, "DEPLOYMENT_ADMIN", None, ci, names),  # no workspace_id given
        changed("DEPLOYMENT", etl_staging, None, "DAG_RUNNER", data_platform, ci, names)]
    assert real.result["roles_changed"][0]["entity_name"] == "analytics"


def test_the_real_run_costs_one_read_one_look_up_per_kind_one_write_one_verifying_read(ansible, emulator, seed):
    token, analytics, training = seed.token("never-used-reader"), seed.workspace("analytics"), seed.deployment("training")
    task = {"name": "two roles", "astro.platform.token_roles": {
        "token_id": token,
        "workspace_roles": [{"workspace_id": analytics, "role": "WORKSPACE_ACCESSOR"}],
        "deployment_roles": [{"deployment_id": training, "role": "DEPLOYMENT_ADMIN"}],
    }}
    emulator.control.clear_log()
    run = ansible.run([task], diff=False)
    assert run.rc == 0, run.output
    # DEPLOYMENT_ADMIN needs no roles list; read, the look-up of the Deployment and of the Workspace the token gets
    # its first role on (which also tell the names the diff shows), write, verifying read.
    requests = emulator.control.requests()
    assert [(r["method"], r["operationId"]) for r in requests] == [
        ("GET", "GetApiToken"), ("GET", "ListDeployments"), ("GET", "ListWorkspaces"),
        ("POST", "UpdateApiTokenRoles"), ("GET", "GetApiToken")]
    assert requests[1]["query"]["deploymentIds"] == [training] and requests[2]["query"]["workspaceIds"] == [analytics]


def test_an_organization_token_by_name_costs_one_token_list_page_more(ansible, emulator, seed):
    token, analytics, training = seed.token("never-used-reader"), seed.workspace("analytics"), seed.deployment("training")
    task = {"name": "by name", "astro.platform.token_roles": {
        "token_name": "never-used-reader",
        "workspace_roles": [{"workspace_id": analytics, "role": "WORKSPACE_MEMBER"}],
        "deployment_roles": [{"deployment_id": training, "role": "DAG_RUNNER"}],
    }}
    edits = [("WORKSPACE", analytics, "WORKSPACE_MEMBER"), ("DEPLOYMENT", training, "DAG_RUNNER")]
    # Unchanged by name: the custom-role list (DAG_RUNNER), one page of Organization tokens (workspace_roles
    # make it an Organization token, so only those are listed) to find the ID, and the read of the token.
    converge_roles(ansible, emulator, task, token, edits, requests_when_unchanged={"ListRoles": 1, "ListApiTokens": 1, "GetApiToken": 1})
    listed = [r for r in emulator.control.requests() if r["operationId"] == "ListApiTokens"]  # of all three steps
    assert listed and all(r["query"].get("includeOnlyOrganizationTokens") == ["true"] for r in listed)


def test_a_workspace_token_gets_roles_on_deployments_of_its_own_workspace(ansible, emulator, seed):
    token, data_platform = seed.token("data-platform-ci"), seed.workspace("data-platform")
    etl_prod, etl_staging = seed.deployment("etl-prod"), seed.deployment("etl-staging")
    task = {"name": "own deployments", "astro.platform.token_roles": {
        "token_scope": "workspace", "token_name": "data-platform-ci",
        "deployment_roles": [
            {"deployment_id": etl_prod, "workspace_id": data_platform, "role": "DEPLOYMENT_ADMIN"},
            {"deployment_id": etl_staging, "workspace_id": data_platform, "role": "DAG_RUNNER"},
        ],
    }}
    edits = [("DEPLOYMENT", etl_prod, "DEPLOYMENT_ADMIN"), ("DEPLOYMENT", etl_staging, "DAG_RUNNER")]
    # Unchanged: the custom-role list, one page of the tokens of the one Workspace every entry names, the read.
    real = converge_roles(ansible, emulator, task, token, edits, requests_when_unchanged={"ListRoles": 1, "ListApiTokens": 1, "GetApiToken": 1})
    listed = [r for r in emulator.control.requests() if r["operationId"] == "ListApiTokens"]  # of all three steps
    assert listed and all(r["query"].get("workspaceId") == [data_platform] for r in listed)
    ci, names = emulator.control.token(token), entity_names(emulator)
    assert real.result["roles_changed"] == [
        changed("DEPLOYMENT", etl_prod, None, "DEPLOYMENT_ADMIN", data_platform, ci, names),
        changed("DEPLOYMENT", etl_staging, "DEPLOYMENT_ADMIN", "DAG_RUNNER", data_platform, ci, names)]
    assert real.result["roles_changed"][0]["workspace_name"] == "data-platform"
    assert role_on(emulator.control.token(token)["roles"], "WORKSPACE", data_platform) == "WORKSPACE_AUTHOR", "its own role is kept"


def test_a_workspace_token_is_refused_roles_outside_its_workspace_before_any_write(ansible, emulator, seed):
    token, data_platform, analytics = seed.token("data-platform-ci"), seed.workspace("data-platform"), seed.workspace("analytics")
    etl_prod, reporting_prod = seed.deployment("etl-prod"), seed.deployment("reporting-prod")
    messages = refused(ansible, emulator, [
        {"name": "deployment of another workspace", "astro.platform.token_roles": {
            "token_id": token,
            "deployment_roles": [
                {"deployment_id": etl_prod, "workspace_id": data_platform, "role": "DEPLOYMENT_ADMIN"},
                {"deployment_id": reporting_prod, "workspace_id": analytics, "role": "DEPLOYMENT_ADMIN"},
            ]}},
        {"name": "workspace roles", "astro.platform.token_roles": {
            "token_id": token, "workspace_roles": [{"workspace_id": data_platform, "role": "WORKSPACE_OWNER"}]}},
        {"name": "workspace roles with workspace scope", "astro.platform.token_roles": {
            "token_scope": "workspace", "token_name": "data-platform-ci",
            "workspace_roles": [{"workspace_id": analytics, "role": "WORKSPACE_MEMBER"}]}},
    ])
    assert_message(messages["deployment of another workspace"], token, r"belongs to Workspace data-platform \({0}\)".format(data_platform),
                   r"not of Workspace analytics \({0}\)".format(analytics))
    assert data_platform + "," not in messages["deployment of another workspace"], "its own Workspace is not 'elsewhere'"
    assert_message(messages["workspace roles"], token, r"scope WORKSPACE", r"only ORGANIZATION tokens")
    assert_message(messages["workspace roles with workspace scope"], r"token_scope is workspace", r"only Organization tokens")


def test_a_deployment_token_is_refused_before_any_write(ansible, emulator, seed):
    token, etl_prod, etl_staging = seed.token("etl-prod-deployer"), seed.deployment("etl-prod"), seed.deployment("etl-staging")
    messages = refused(ansible, emulator, [
        {"name": "by id", "astro.platform.token_roles": {
            "token_id": token, "deployment_roles": [{"deployment_id": etl_staging, "role": "DEPLOYMENT_ADMIN"}]}},
        {"name": "removal by id", "astro.platform.token_roles": {
            "token_id": token, "deployment_roles": [{"deployment_id": etl_prod, "state": "absent"}]}},
        {"name": "by name", "astro.platform.token_roles": {
            "token_name": "etl-prod-deployer", "deployment_roles": [{"deployment_id": etl_staging, "role": "DEPLOYMENT_ADMIN"}]}},
    ])
    for name in ("by id", "removal by id"):
        assert_message(messages[name], token, r"scope DEPLOYMENT", r"only ORGANIZATION or WORKSPACE tokens")
    assert_message(messages["by name"], r"No ORGANIZATION or WORKSPACE token is named 'etl-prod-deployer': 'etl-prod-deployer' "
                   r"\({0}\) is a DEPLOYMENT token".format(token))


def test_bad_input_fails_clearly_naming_the_bad_value_before_any_write(ansible, emulator, seed):
    token, data_platform, analytics = seed.token("ci-deployer"), seed.workspace("data-platform"), seed.workspace("analytics")
    etl_prod, etl_staging = seed.deployment("etl-prod"), seed.deployment("etl-staging")
    cases = [
        ("one deployment twice", dict(deployment_roles=[
            {"deployment_id": etl_staging, "role": "DEPLOYMENT_ADMIN"},
            {"deployment_id": etl_prod, "role": "DEPLOYMENT_ADMIN"},
            {"deployment_id": etl_staging, "role": "DAG_RUNNER"}]),
         [r"DEPLOYMENT '{0}' is listed twice".format(etl_staging), r"DEPLOYMENT_ADMIN and once with DAG_RUNNER"]),
        ("one workspace present and absent", dict(workspace_roles=[
            {"workspace_id": analytics, "role": "WORKSPACE_MEMBER"}, {"workspace_id": analytics, "state": "absent"}]),
         [r"WORKSPACE '{0}' is listed twice".format(analytics), r"WORKSPACE_MEMBER and once with none \(absent\)"]),
        ("unknown custom role", dict(deployment_roles=[{"deployment_id": etl_prod, "role": "DEPLOYMENT_BOSS"}]),
         [r"'DEPLOYMENT_BOSS'", r"valid roles: DEPLOYMENT_ACCESSOR, DEPLOYMENT_ADMIN \(default\), ANALYTICS_VIEWER, DAG_RUNNER \(custom\)"]),
        ("restricted custom role", dict(deployment_roles=[
            {"deployment_id": etl_prod, "workspace_id": data_platform, "role": "ANALYTICS_VIEWER"}]),
         [r"ANALYTICS_VIEWER", r"may only be used in Workspaces analytics \({0}\)".format(analytics),
          r"not in Workspace data-platform \({0}\)".format(data_platform)]),
        ("deployment role missing", dict(deployment_roles=[{"deployment_id": etl_prod}]),
         [r"state is present but all of the following are missing: role", r"deployment_roles"]),
        ("workspace role missing", dict(workspace_roles=[{"workspace_id": analytics, "state": "present"}]),
         [r"state is present but all of the following are missing: role", r"workspace_roles"]),
        ("unknown workspace role", dict(workspace_roles=[{"workspace_id": analytics, "role": "WORKSPACE_BOSS"}]),
         [r"WORKSPACE_BOSS", r"WORKSPACE_OWNER", r"WORKSPACE_ACCESSOR"]),
        ("empty workspace id", dict(workspace_roles=[
            {"workspace_id": analytics, "role": "WORKSPACE_MEMBER"}, {"workspace_id": "", "role": "WORKSPACE_MEMBER"}]),
         [r"workspace_roles\[1\]\.workspace_id is empty \(''\)"]),
        ("empty workspace id of a deployment", dict(deployment_roles=[
            {"deployment_id": etl_prod, "workspace_id": "", "role": "DEPLOYMENT_ADMIN"}]),
         [r"deployment_roles\[0\]\.workspace_id is empty \(''\)"]),
        ("blank deployment id", dict(deployment_roles=[{"deployment_id": "  ", "role": "DEPLOYMENT_ADMIN"}]),
         [r"deployment_roles\[0\]\.deployment_id is empty \('  '\)"]),
    ]
    tasks = [{"name": name, "astro.platform.token_roles": dict(args, token_id=token)} for name, args, patterns in cases]
    tasks.append({"name": "empty token name", "astro.platform.token_roles": {
        "token_name": "", "deployment_roles": [{"deployment_id": etl_prod, "role": "DEPLOYMENT_ADMIN"}]}})
    messages = refused(ansible, emulator, tasks)
    for name, args, patterns in cases:
        assert_message(messages[name], *patterns)
    assert_message(messages["empty token name"], r"token_name is empty \(''\)")


def test_entities_by_name_cost_one_look_up_per_kind(ansible, emulator, seed):
    """The by-ID change above, by names: one Workspace list and one Deployment list for all the names of the task."""
    token = seed.token("ci-deployer")
    data_platform, analytics, ml_research = seed.workspace("data-platform"), seed.workspace("analytics"), seed.workspace("ml-research")
    reporting_prod, etl_staging = seed.deployment("reporting-prod"), seed.deployment("etl-staging")
    task = {"name": "several roles by name", "astro.platform.token_roles": {
        "token_name": "ci-deployer",
        "workspace_roles": [
            {"workspace_name": "analytics", "role": "WORKSPACE_MEMBER"},
            {"workspace_name": "ml-research", "role": "WORKSPACE_OPERATOR"},
            {"workspace_id": data_platform, "state": "absent"},
        ],
        "deployment_roles": [
            {"deployment_name": "reporting-prod", "role": "DEPLOYMENT_ADMIN"},
            {"deployment_name": "etl-staging", "workspace_name": "data-platform", "role": "DAG_RUNNER"},
        ],
    }}
    edits = [("WORKSPACE", analytics, "WORKSPACE_MEMBER"), ("WORKSPACE", ml_research, "WORKSPACE_OPERATOR"),
             ("WORKSPACE", data_platform, None),
             ("DEPLOYMENT", reporting_prod, "DEPLOYMENT_ADMIN"), ("DEPLOYMENT", etl_staging, "DAG_RUNNER")]
    # The by-ID minimum plus the token name's list and exactly one list per entity kind, not one per entry.
    real = converge_roles(ansible, emulator, task, token, edits, requests_when_unchanged={
        "ListWorkspaces": 1, "ListDeployments": 1, "ListApiTokens": 1, "ListRoles": 1, "GetApiToken": 1},
        workspace_of={reporting_prod: None, etl_staging: data_platform})
    assert real.result["roles_changed"][-1]["workspace_id"] == data_platform


def test_unknown_or_ambiguous_names_fail_listing_candidates(ansible, emulator, demo_seed, seed):
    data = copy.deepcopy(demo_seed)
    data["deployments"].append({"id": "cetlprodtwin0000000000000", "name": "etl-prod", "workspaceId": seed.workspace("analytics"),
                                "status": "HEALTHY"})
    emulator.control.reset(data)
    entry = {"token_name": "ci-deployer"}
    messages = refused(ansible, emulator, [
        {"name": "ambiguous", "astro.platform.token_roles": dict(entry, deployment_roles=[
            {"deployment_name": "etl-prod", "role": "DEPLOYMENT_ADMIN"}])},
        {"name": "unknown workspace", "astro.platform.token_roles": dict(entry, workspace_roles=[
            {"workspace_name": "analytics", "role": "WORKSPACE_MEMBER"}, {"workspace_name": "no-such-space", "role": "WORKSPACE_MEMBER"}])},
        {"name": "not in that workspace", "astro.platform.token_roles": dict(entry, deployment_roles=[
            {"deployment_name": "training", "workspace_name": "analytics", "role": "DEPLOYMENT_ADMIN"}])},
        {"name": "both", "astro.platform.token_roles": dict(entry, workspace_roles=[
            {"workspace_name": "analytics", "workspace_id": seed.workspace("analytics"), "role": "WORKSPACE_MEMBER"}])},
    ])
    assert_message(messages["ambiguous"], r"2 Deployments are named 'etl-prod'", seed.deployment("etl-prod"), "cetlprodtwin0000000000000")
    assert_message(messages["unknown workspace"], r"No Workspace is named 'no-such-space'")
    assert_message(messages["not in that workspace"], r"No Deployment is named 'training' in Workspace {0}; there are: 'etl-prod'".format(seed.workspace("analytics")))
    assert_message(messages["both"], r"mutually exclusive: workspace_id\|workspace_name")

    # In its Workspace the name is unique: it resolves, and the twin is untouched.
    emulator.control.clear_log()
    run = ansible.run([{"name": "in workspace", "astro.platform.token_roles": dict(entry, deployment_roles=[
        {"deployment_name": "etl-prod", "workspace_name": "analytics", "role": "DEPLOYMENT_ADMIN"}])}])
    assert run.rc == 0, run.output
    assert role_on(emulator.control.token(seed.token("ci-deployer"))["roles"], "DEPLOYMENT", "cetlprodtwin0000000000000") == "DEPLOYMENT_ADMIN"
    assert emulator.control.counts()["ListDeployments"] == 2, "one for the name, one first-role look-up before the write"
