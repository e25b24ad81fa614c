# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn the names users write into the IDs the API wants.

Names are not unique in Astro. Where the CLI would prompt, an unattended run must not
guess: none or several matches fail, listing the candidates.
"""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.role_list import (
    DEPLOYMENT,
    DEPLOYMENT_ADMIN,
    ORGANIZATION,
    WORKSPACE,
    check_deployment_role,
)


def given(value, option):
    """The option's value, or None when it was left out; an empty or blank value is refused."""
    if value is not None and not value.strip():
        raise AstroInputError("{0} is empty ({1!r}); give a value or leave the option out.".format(option, value))
    return value


def as_id(value):
    """An ID as the API spells it: Astro IDs are lower-case, and the Astro CLI lower-cases the IDs users type."""
    return None if value is None else value.lower()


def given_id(value, option):
    """given() for an ID option, lower-cased (names, unlike IDs, are matched exactly)."""
    return as_id(given(value, option))


def _only_match(matches, what, name, describe):
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AstroInputError("No {0} is named {1}.".format(what, shown(name)))
    raise AstroInputError("{0} {1}s are named {2}; name one by ID instead: {3}.".format(
        len(matches), what, shown(name), "; ".join(describe(m) for m in matches)))


def _describe_token(token):
    return "{0} (scope {1}, description {2!r})".format(token.get("id"), token.get("scope"), token.get("description") or "")


def resolve_token_id(client, token_id, token_name, scopes, workspace_id=None):
    """token_id as given (lower-cased), or the ID of the one token of one of `scopes` named token_name."""
    if given(token_id, "token_id"):
        return as_id(token_id)
    given(token_name, "token_name")
    if tuple(scopes) == (ORGANIZATION,):
        tokens = client.list_tokens(organization_only=True)
    elif tuple(scopes) == (WORKSPACE,) and workspace_id:
        tokens = client.list_tokens(workspace_id=workspace_id)
    else:
        tokens = client.list_tokens()
    matches = [t for t in tokens if t.get("name") == token_name and t.get("scope") in scopes]
    what = "{0} token".format(" or ".join(scopes))
    return _only_match(matches, what, token_name, _describe_token)["id"]


def resolve_workspace_id(client, workspace_id, workspace_name):
    if given(workspace_id, "workspace_id") or not given(workspace_name, "workspace_name"):
        return as_id(workspace_id)
    workspaces = client.list_workspaces(names=[workspace_name])
    matches = [w for w in workspaces if w.get("name") == workspace_name]
    return _only_match(matches, "Workspace", workspace_name, lambda w: w.get("id"))["id"]


def resolve_deployment(client, deployment_id, deployment_name, workspace_id=None):
    """(deployment ID, its Workspace ID if the lookup told it) for an ID or a name."""
    if given(deployment_id, "deployment_id") or not given(deployment_name, "deployment_name"):
        return as_id(deployment_id), None
    deployments = client.list_deployments(names=[deployment_name], workspace_ids=[workspace_id] if workspace_id else None)
    matches = [d for d in deployments if d.get("name") == deployment_name]
    match = _only_match(matches, "Deployment", deployment_name,
                        lambda d: "{0} (Workspace {1})".format(d.get("id"), d.get("workspaceId")))
    return match["id"], match.get("workspaceId")


def check_deployment_roles(client, wanted, warn):
    """Each (role, Workspace ID or None) of `wanted` must be a Deployment role of the organization: one look-up for all.

    DEPLOYMENT_ADMIN needs none. Nothing public says a Workspace token may list the organization's roles, so a 403
    on the look-up does not stop the task: warn(message) says the roles are unchecked, and the API judges them when
    they are written (its 400 then fails the task, before anything is changed).
    """
    wanted = [(role, workspace_id) for role, workspace_id in wanted if role and role != DEPLOYMENT_ADMIN]
    if not wanted:
        return
    try:
        custom_roles, default_roles = client.list_roles(scope_types=[DEPLOYMENT])
    except AstroAPIError as exc:
        if exc.status != 403:
            raise
        warn("Deployment role {0} could not be checked: listing the organization's roles answered 403 ({1}) "
             "[requestId: {2}]. The Astro API checks it when the roles are written.".format(
                 ", ".join(sorted({role for role, workspace_id in wanted})), exc.api_message or "no message", exc.request_id or "none"))
        return
    for role, workspace_id in wanted:
        check_deployment_role(role, custom_roles, workspace_id, default_roles)


def resolve_workspace(client, workspace_id, workspace_name):
    """The Workspace (as the API lists it) of an ID or a name, in one request; an ID that matches none fails."""
    if given_id(workspace_id, "workspace_id"):
        workspace_id = as_id(workspace_id)
        matches = [w for w in client.list_workspaces(workspace_ids=[workspace_id]) if as_id(w.get("id")) == workspace_id]
        if not matches:
            raise AstroInputError("No Workspace has the ID {0}.".format(shown(workspace_id)))
        return matches[0]
    given(workspace_name, "workspace_name")
    matches = [w for w in client.list_workspaces(names=[workspace_name]) if w.get("name") == workspace_name]
    return _only_match(matches, "Workspace", workspace_name, lambda w: w.get("id"))


def resolve_workspace_names(client, names):
    """{name: Workspace ID} for every name, with one list request for all of them (none when `names` is empty)."""
    names = sorted(set(names))
    if not names:
        return {}
    workspaces = client.list_workspaces(names=names)
    return dict((name, _only_match([w for w in workspaces if w.get("name") == name], "Workspace", name,
                                   lambda w: w.get("id"))["id"]) for name in names)


def resolve_deployment_names(client, wanted):
    """{(name, Workspace ID or None): Deployment ID} for each (Deployment name, Workspace ID or None) of `wanted`.

    One list request for all of them (none when `wanted` is empty), filtered by the Workspaces when every name
    is looked up within one; a name without a Workspace must match one Deployment of the organization.
    """
    wanted = sorted(set(wanted), key=lambda pair: (pair[0], pair[1] or ""))
    if not wanted:
        return {}
    workspace_ids = {workspace_id for name, workspace_id in wanted}
    deployments = client.list_deployments(names=sorted({name for name, workspace_id in wanted}),
                                          workspace_ids=None if None in workspace_ids else sorted(workspace_ids))
    found = {}
    for name, workspace_id in wanted:
        matches = [d for d in deployments if d.get("name") == name and (not workspace_id or d.get("workspaceId") == workspace_id)]
        found[(name, workspace_id)] = _only_match(
            matches, "Deployment" if not workspace_id else "Deployment of Workspace {0}".format(workspace_id), name,
            lambda d: "{0} (Workspace {1})".format(d.get("id"), d.get("workspaceId")))["id"]
    return found
