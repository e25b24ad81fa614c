# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn the names users write into the IDs the API wants.

Names are not unique in Astro. Where the CLI would prompt, an unattended run must not
guess: none or several matches fail, listing the candidates.
"""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.role_list import ORGANIZATION, WORKSPACE


def given(value, option):
    """The option's value, or None when it was left out; an empty or blank value is refused."""
    if value is not None and not value.strip():
        raise AstroInputError("{0} is empty ({1!r}); give a value or leave the option out.".format(option, value))
    return value


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
    """token_id as given, or the ID of the one token of one of `scopes` named token_name."""
    if given(token_id, "token_id"):
        return token_id
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
        return workspace_id
    workspaces = client.list_workspaces(names=[workspace_name])
    matches = [w for w in workspaces if w.get("name") == workspace_name]
    return _only_match(matches, "Workspace", workspace_name, lambda w: w.get("id"))["id"]


def resolve_deployment(client, deployment_id, deployment_name, workspace_id=None):
    """(deployment ID, its Workspace ID if the lookup told it) for an ID or a name."""
    if given(deployment_id, "deployment_id") or not given(deployment_name, "deployment_name"):
        return deployment_id, None
    deployments = client.list_deployments(names=[deployment_name], workspace_ids=[workspace_id] if workspace_id else None)
    matches = [d for d in deployments if d.get("name") == deployment_name]
    match = _only_match(matches, "Deployment", deployment_name,
                        lambda d: "{0} (Workspace {1})".format(d.get("id"), d.get("workspaceId")))
    return match["id"], match.get("workspaceId")
