# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The workspace_roles and deployment_roles options of the modules that edit a subject's roles (token_roles,
team_roles, user_roles): their argument spec, the checks that need no request, the names looked up as IDs, and the
edits for role_edit.set_roles; and the whole edit of team_roles and user_roles (edit_subject_roles). One home, so
that a token's, a team's and a user's entries mean the same."""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_client
from ansible_collections.astro.platform.plugins.module_utils.entities import (
    DEPLOYMENT,
    ORGANIZATION,
    ORGANIZATION_ROLES,
    WORKSPACE,
    WORKSPACE_ROLES,
)
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    as_id,
    check_deployment_roles,
    id_option,
    refuse_blank,
    resolve_deployment_names,
    resolve_workspace_names,
)
from ansible_collections.astro.platform.plugins.module_utils.role_edit import edit_warnings, lock_options, role_edit_argument_spec, set_roles
from ansible_collections.astro.platform.plugins.module_utils.role_list import check_one_edit_per_entity

ENTRY_STATE = dict(type="str", choices=["present", "absent"], default="present")
ENTRY_RULES = dict(required_if=[("state", "present", ("role",))])


def role_entries_argument_spec():
    """The workspace_roles and deployment_roles options (documented in each module: what a role there gives differs)."""
    return dict(
        workspace_roles=dict(type="list", elements="dict", options=dict(
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            role=dict(type="str", choices=list(WORKSPACE_ROLES)),
            state=ENTRY_STATE,
        ), required_one_of=[("workspace_id", "workspace_name")], mutually_exclusive=[("workspace_id", "workspace_name")],
            **ENTRY_RULES),
        deployment_roles=dict(type="list", elements="dict", options=dict(
            deployment_id=dict(type="str"),
            deployment_name=dict(type="str"),
            workspace_id=dict(type="str"),
            workspace_name=dict(type="str"),
            role=dict(type="str"),
            state=ENTRY_STATE,
        ), required_one_of=[("deployment_id", "deployment_name")],
            mutually_exclusive=[("deployment_id", "deployment_name"), ("workspace_id", "workspace_name")], **ENTRY_RULES),
    )


def check_entries(workspace_entries, deployment_entries):
    """The checks of the list options that need no request: blank names and IDs fail; IDs are lower-cased in place."""
    for option, entries, keys in (("workspace_roles", workspace_entries, ("workspace_id",)),
                                  ("deployment_roles", deployment_entries, ("deployment_id", "workspace_id"))):
        for index, entry in enumerate(entries):
            for key in keys:
                entry[key] = id_option(entry[key], "{0}[{1}].{2}".format(option, index, key))
            for key in ("workspace_name", "deployment_name"):
                if key in entry:
                    refuse_blank(entry[key], "{0}[{1}].{2}".format(option, index, key))


def edits_of(workspace_entries, deployment_entries):
    """(entity_type, entity_id, role or None) for each entry, once its names are IDs; two roles on one entity fail.

    Checked here, once for the task and before the role, subject and entity look-ups, rather than in set_roles:
    the modules that edit one role cannot list an entity twice.
    """
    edits = [(entity_type, entry[id_key], entry["role"] if entry["state"] == "present" else None)
             for entries, entity_type, id_key in ((workspace_entries, WORKSPACE, "workspace_id"),
                                                  (deployment_entries, DEPLOYMENT, "deployment_id"))
             for entry in entries]
    check_one_edit_per_entity(edits)
    return edits


def removals_declared_with_role(workspace_entries, deployment_entries):
    """{(entity_type, entity_id): role} of the entries with state absent and a role: removed only where held."""
    return dict([((WORKSPACE, e["workspace_id"]), e["role"]) for e in workspace_entries if e["state"] == "absent" and e["role"]]
                + [((DEPLOYMENT, e["deployment_id"]), e["role"]) for e in deployment_entries if e["state"] == "absent" and e["role"]])


def workspace_of_entries(deployment_entries):
    """{Deployment ID: the Workspace ID its entry gives, or None}."""
    return dict((e["deployment_id"], e["workspace_id"]) for e in deployment_entries)


def describe_changes(changes, subject_fields, deployment_entries):
    """Make each change say which subject (subject_fields: token_id and token_name, say) and which Workspace it is
    about, so callers can report per Workspace."""
    workspace_of = workspace_of_entries(deployment_entries)
    for change in changes:
        change.update(subject_fields,
                      workspace_id=change["entity_id"] if change["entity_type"] == WORKSPACE else workspace_of.get(change["entity_id"]))
    return changes


def ids_for_names(client, workspace_entries, deployment_entries):
    """Put the ID of each entry's Workspace and Deployment name in its *_id option: one request per kind for all names.

    Workspaces first, since a Deployment name is looked up within its entry's Workspace. Nothing is requested when
    the entries give only IDs. Blank names were refused before (check_entries).
    """
    named = [e for e in workspace_entries + deployment_entries if e["workspace_name"] is not None]
    workspace_ids = resolve_workspace_names(client, [e["workspace_name"] for e in named])
    for entry in named:
        entry["workspace_id"] = as_id(workspace_ids[entry["workspace_name"]])
    named = [e for e in deployment_entries if e["deployment_name"] is not None]
    deployment_ids = resolve_deployment_names(client, [(e["deployment_name"], e["workspace_id"]) for e in named])
    for entry in named:
        entry["deployment_id"] = deployment_ids[(entry["deployment_name"], entry["workspace_id"])]


def subject_roles_argument_spec():
    """The options team_roles and user_roles share (doc fragment astro.platform.people.subject_roles), beside the
    lock and settle options of role_edit_argument_spec()."""
    return dict(
        role_edit_argument_spec(),
        organization_role=dict(type="str", choices=list(ORGANIZATION_ROLES)),
        check_deployment_roles=dict(type="bool", default=True),
        check_entities=dict(type="bool", default=True),
        **role_entries_argument_spec()
    )


SUBJECT_ROLES_REQUIRED = ("organization_role", "workspace_roles", "deployment_roles")

# What each change of a team's or user's edit says about its subject: the result's field, and its own name for it.
CHANGE_FIELDS = {"team": (("team_id", "id"), ("team_name", "name")), "user": (("user_id", "id"), ("email", "email"))}


def edit_subject_roles(client, subject_kind, find_subject_id, params, check_mode, warn):
    """The edit of team_roles and user_roles, once their options passed check_entries: the names of the entries as
    IDs, the Deployment roles checked, the subject found (find_subject_id(): its ID, which may cost a look-up by name
    or e-mail), then one verified write of every edit (role_edit.set_roles). Returns the module result (with its
    diff); warn(text) gets the warnings."""
    workspace_entries, deployment_entries = params["workspace_roles"] or [], params["deployment_roles"] or []
    ids_for_names(client, workspace_entries, deployment_entries)
    edits = edits_of(workspace_entries, deployment_entries)
    if params["organization_role"]:
        edits.append((ORGANIZATION, client.organization_id, params["organization_role"]))
    if params["check_deployment_roles"]:
        check_deployment_roles(client, [(e["role"], e["workspace_id"]) for e in deployment_entries if e["state"] == "present"], warn)
    result = set_roles(client, subject_kind, find_subject_id(), edits, check_mode=check_mode, **lock_options(params),
                       only_if_held=removals_declared_with_role(workspace_entries, deployment_entries),
                       workspace_of=workspace_of_entries(deployment_entries), look_up_entities=params["check_entities"])
    subject = result[subject_kind.kind]
    describe_changes(result["roles_changed"], dict((field, subject.get(key)) for field, key in CHANGE_FIELDS[subject_kind.kind]),
                     deployment_entries)
    for warning in edit_warnings(result, subject_kind.kind):
        warn(warning)
    return result


def run_subject_roles_module(module, subject_kind, id_option_name, name_option_name, id_of_name):
    """The run of team_roles and user_roles once their AnsibleModule is made: the checks that need no request (before
    the client is even built), then edit_subject_roles; exits the module. id_of_name(client, name): the subject's ID,
    for a task that names it (by team name, by e-mail)."""
    params = module.params
    try:
        params[id_option_name] = id_option(params[id_option_name], id_option_name)
        refuse_blank(params[name_option_name], name_option_name)
        check_entries(params["workspace_roles"] or [], params["deployment_roles"] or [])
        client = astro_client(module)
        result = edit_subject_roles(client, subject_kind, lambda: params[id_option_name] or id_of_name(client, params[name_option_name]),
                                    params, module.check_mode, module.warn)
    except AstroError as exc:
        module.fail_json(**exc.fail_kwargs())
    if not module._diff:
        result.pop("diff")  # two whole role sets: only worth their transfer when they are shown
    module.exit_json(**result)
