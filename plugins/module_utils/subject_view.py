# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What modules show of a team or a user (a subject): the Astro CLI's list columns, then the whole role set.

A subject's roles are one set (SEMANTICS.md "Teams and users"): one Organization role, at most one role per
Workspace and per Deployment, and DAG roles. Built field by field from the API's answer.
"""

from __future__ import annotations


def _role_in(entries, id_field, entity_id):
    """The role an entry of workspaceRoles / deploymentRoles gives on entity_id (IDs compared lower-cased), or None."""
    wanted = (entity_id or "").lower()
    return next((e.get("role") for e in entries or [] if (e.get(id_field) or "").lower() == wanted), None)


def subject_roles(subject):
    """organization_role, workspace_roles, deployment_roles and dag_roles of a team or user, in snake_case."""
    return dict(
        organization_role=subject.get("organizationRole"),
        workspace_roles=[dict(workspace_id=e.get("workspaceId"), role=e.get("role")) for e in subject.get("workspaceRoles") or []],
        deployment_roles=[dict(deployment_id=e.get("deploymentId"), role=e.get("role")) for e in subject.get("deploymentRoles") or []],
        dag_roles=[dict(deployment_id=e.get("deploymentId"), dag_id=e.get("dagId"), dag_tag=e.get("dagTag"), role=e.get("role"))
                   for e in subject.get("dagRoles") or []],
    )


def _scoped(details, subject, workspace_id, deployment_id):
    """The CLI's ROLE column of a Workspace's or a Deployment's list, when the list is one's."""
    if workspace_id:
        details["workspace_role"] = _role_in(subject.get("workspaceRoles"), "workspaceId", workspace_id)
    if deployment_id:
        details["deployment_role"] = _role_in(subject.get("deploymentRoles"), "deploymentId", deployment_id)
    return details


def team_details(team, workspace_id=None, deployment_id=None):
    """A team as team_info returns it: the columns of `astro organization team list` (ID, NAME, DESCRIPTION,
    ORG ROLE, IDP MANAGED, CREATE DATE), the ROLE of `astro workspace|deployment team list`, its whole role set."""
    details = dict(
        id=team.get("id"),
        name=team.get("name"),
        description=team.get("description") or "",
        idp_managed=bool(team.get("isIdpManaged")),
        created_at=team.get("createdAt"),
        **subject_roles(team)
    )
    return _scoped(details, team, workspace_id, deployment_id)


def user_details(user, workspace_id=None, deployment_id=None):
    """A user as user_info returns it: the columns of `astro organization|workspace|deployment user list`
    (FULLNAME, EMAIL, ID, the role of that scope, CREATE DATE), the status, and the whole role set."""
    details = dict(
        id=user.get("id"),
        full_name=user.get("fullName"),
        email=user.get("username"),
        status=user.get("status"),
        created_at=user.get("createdAt"),
        **subject_roles(user)
    )
    return _scoped(details, user, workspace_id, deployment_id)


def holds_role_in(details, workspace_id=None, deployment_id=None):
    """Whether a subject's details (team_details, user_details) show a role on the Workspace and the Deployment
    asked about: the API filters already; checked again, so a server that ignores a filter cannot widen a list."""
    return ((not workspace_id or details.get("workspace_role") is not None)
            and (not deployment_id or details.get("deployment_role") is not None))
