# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who may hold which role (docs/astro-api/SEMANTICS.md): checks that refuse, before anything is written.

Pure like role_list: the callers pass in what the API answered (the token, the organization's roles).
"""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.module_utils.entities import (
    DEPLOYMENT,
    DEPLOYMENT_ADMIN,
    ORGANIZATION,
    ORGANIZATION_ROLES,
    OWN_ROLES,
    WORKSPACE,
    WORKSPACE_ACCESSOR,
)
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.role_display import named
from ansible_collections.astro.platform.plugins.module_utils.role_list import home_workspace_id, roles_by_entity


def check_home_workspace(token, workspace_ids, names=None):
    """A WORKSPACE token may only get roles on Deployments of its own Workspace: refuse any other Workspace given.

    names: a mapping of Workspace ID to name, read only for the message of a refusal.
    """
    home = home_workspace_id(token)
    elsewhere = sorted({w for w in workspace_ids if w and w != home})
    if home and elsewhere:
        raise AstroInputError("Workspace token {0} ({1!r}) belongs to Workspace {2}; it can only get roles on Deployments "
                              "of that Workspace, not of Workspace {3}.".format(
                                  token.get("id"), token.get("name"), named(home, names), ", ".join(named(w, names) for w in elsewhere)))


def check_token_scope(token, allowed_scopes, purpose):
    """Fail before any write when a token's scope cannot take the role asked for."""
    if token.get("scope") not in allowed_scopes:
        raise AstroInputError("Token {0} ({1!r}) has scope {2}; {3} takes only {4} tokens.".format(
            token.get("id"), token.get("name"), token.get("scope"), purpose, " or ".join(allowed_scopes)))


def check_deployment_role(role, custom_roles, workspace_id=None, default_roles=(), names=None):
    """`role` must be DEPLOYMENT_ADMIN, a default role of scope DEPLOYMENT, or the name of a DEPLOYMENT custom role
    usable in that Workspace.

    custom_roles and default_roles are the `roles` and `defaultRoles` of GET /roles?includeDefaultRoles=true;
    restrictedWorkspaceIds empty means usable everywhere. names: a mapping of Workspace ID to name, read only for
    the message of a refusal.
    """
    defaults = sorted({r.get("name") for r in default_roles if r.get("scopeType") == DEPLOYMENT} | {DEPLOYMENT_ADMIN})
    if role in defaults:
        return
    deployment_roles = [r for r in custom_roles if r.get("scopeType") == DEPLOYMENT]
    match = [r for r in deployment_roles if r.get("name") == role]
    if not match:
        custom = sorted(r.get("name") for r in deployment_roles)
        raise AstroInputError("role {0} is neither a default Deployment role nor a custom Deployment role of the organization; "
                              "valid roles: {1} (default){2}.".format(
                                  shown(role), ", ".join(defaults), ", {0} (custom)".format(", ".join(custom)) if custom else ""))
    restricted = match[0].get("restrictedWorkspaceIds") or []
    if workspace_id and restricted and workspace_id not in restricted:
        raise AstroInputError("custom role {0!r} may only be used in Workspaces {1}, not in Workspace {2}.".format(
            role, ", ".join(named(w, names) for w in restricted), named(workspace_id, names)))


def check_own_role_name(scope, role):
    """An Organization or Workspace token's own role must be one of its scope's roles (Deployment roles need
    the organization's custom roles: check_deployment_role)."""
    valid = OWN_ROLES.get(scope)
    if valid is not None and role not in valid:
        raise AstroInputError("role {0} is not valid for a token of scope {1}; valid roles: {2}.".format(
            shown(role), scope, ", ".join(valid)))


def server_implied_entries(roles, workspace_of):
    """(WORKSPACE, ID) of each Workspace where the server itself keeps WORKSPACE_ACCESSOR for this role list.

    Astro grants a user Workspace Accessor with a Deployment role in that Workspace (SEMANTICS.md "Entries the
    server adds"; assumed for tokens): a WORKSPACE_ACCESSOR entry on a Workspace where the list holds a Deployment
    role is the server's, and removing it would only bring it back. workspace_of maps Deployment IDs to their
    Workspace; a Deployment it does not know implies nothing.
    """
    held = roles_by_entity(roles)
    workspaces = set((workspace_of or {}).get(entity_id) for entity_type, entity_id in held if entity_type == DEPLOYMENT)
    return sorted((WORKSPACE, workspace_id) for workspace_id in workspaces
                  if workspace_id and held.get((WORKSPACE, workspace_id)) in (None, WORKSPACE_ACCESSOR))


def check_organization_role(roles, subject):
    """A team's or user's roles write replaces the whole set and must carry its Organization role (SEMANTICS.md
    "Teams and users"): refuse, before writing, a set without one. subject: the team or user as a message names it."""
    if not any(entry.get("entityType") == ORGANIZATION for entry in roles or ()):
        raise AstroInputError("{0} holds no Organization role, and a roles write must carry one (it replaces the whole set); "
                              "give organization_role (one of {1}). Nothing was written.".format(subject, ", ".join(ORGANIZATION_ROLES)))


def deployments_without_workspace_role(roles, workspace_of):
    """(Deployment ID, its Workspace ID) of each Deployment role of the list whose Workspace (workspace_of: Deployment ID
    to Workspace ID; an unknown one is not judged) holds no role in the list."""
    held = roles_by_entity(roles)
    return sorted((entity_id, workspace_of[entity_id]) for entity_type, entity_id in held
                  if entity_type == DEPLOYMENT and workspace_of.get(entity_id) and (WORKSPACE, workspace_of[entity_id]) not in held)


def check_deployment_roles_have_workspace_roles(roles, workspace_of, subject, names=None):
    """A team's or user's Deployment role needs a role on the Deployment's Workspace (SEMANTICS.md "Teams and users":
    the Terraform provider refuses such a set before sending it; what Astro does with one is not public): refuse a
    role set that would hold one without it, before anything is written. names: ID to name, for the message only."""
    missing = deployments_without_workspace_role(roles, workspace_of)
    if missing:
        raise AstroInputError("{0} would hold a role on {1} without a role on the Deployment's Workspace: a Deployment role of a "
                              "team or user needs a Workspace role there. Add the Workspace to workspace_roles (in the same "
                              "task), or remove the Deployment role. Nothing was written.".format(
                                  subject, "; ".join("Deployment {0} (Workspace {1})".format(named(d, names), named(w, names))
                                                     for d, w in missing)))
