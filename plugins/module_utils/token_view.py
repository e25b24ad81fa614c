# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What modules may show of a token. Built field by field, so a secret can never slip through."""

from __future__ import annotations

import datetime

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.role_list import role_on


def parse_time(value):
    """An API time ("2024-05-12T16:20:00Z", fractions and offsets accepted) as an aware datetime, or None."""
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def expiry_days_of(token):
    """The token's lifetime in days as set at creation, or None when it never expires."""
    if token.get("expiryPeriodInDays") is not None:
        return token["expiryPeriodInDays"]
    start, end = parse_time(token.get("startAt") or token.get("createdAt")), parse_time(token.get("endAt"))
    if end is None:
        return None
    return int(round((end - start).total_seconds() / 86400.0)) if start else -1


def token_summary(token, roles=None):
    """id, name, description, scope, kind and roles; `roles` overrides the token's own (e.g. after an edit)."""
    return dict(
        id=token.get("id"),
        name=token.get("name"),
        description=token.get("description"),
        scope=token.get("scope"),
        kind=token.get("kind"),
        roles=list(token.get("roles") or []) if roles is None else list(roles),
    )


def created_by_name(token):
    """As the Astro CLI prints CREATED BY: the user's full name, or the name of the token that created it."""
    creator = token.get("createdBy") or {}
    return creator.get("fullName") or creator.get("apiTokenName") or creator.get("username") or creator.get("id")


def token_details(token, workspace_id=None, deployment_id=None):
    """The token as token_info returns it: the CLI's list columns and more, never the secret."""
    details = token_summary(token)
    details.update(
        short_token=token.get("shortToken"),
        created_at=token.get("createdAt"),
        created_by=created_by_name(token),
        updated_at=token.get("updatedAt"),
        expiry=token.get("endAt"),
        expiry_days=expiry_days_of(token),
        last_used_at=token.get("lastUsedAt"),
        last_rotated_at=token.get("lastRotatedAt"),
    )
    if workspace_id:
        details["workspace_role"] = role_on(token.get("roles"), WORKSPACE, workspace_id)
    if deployment_id:
        details["deployment_role"] = role_on(token.get("roles"), DEPLOYMENT, deployment_id)
    return details


def roles_within(token, workspace, deployments):
    """The token's roles on a Workspace, on its Deployments and on their DAGs and DAG tags, with names.

    workspace: the Workspace as the API lists it; deployments: its Deployments, likewise. Each entry has
    entity_type, entity_id, entity_name (a DAG's or tag's own ID is its name), role, and the Deployment's ID and
    name for Deployment, DAG and DAG tag roles.
    """
    deployment_names = dict(((d.get("id") or "").lower(), d.get("name")) for d in deployments)
    workspace_id = (workspace.get("id") or "").lower()
    found = []
    for role in token.get("roles") or []:
        entity_type, entity_id = role.get("entityType"), role.get("entityId")
        deployment_id = entity_id if entity_type == DEPLOYMENT else role.get("deploymentId")
        if entity_type == WORKSPACE and (entity_id or "").lower() == workspace_id:
            found.append(dict(entity_type=entity_type, entity_id=entity_id, entity_name=workspace.get("name"),
                              role=role.get("role"), deployment_id=None, deployment_name=None))
        elif entity_type in (DEPLOYMENT, "DAG", "DAG_TAG") and (deployment_id or "").lower() in deployment_names:
            deployment_name = deployment_names[deployment_id.lower()]
            found.append(dict(entity_type=entity_type, entity_id=entity_id,
                              entity_name=deployment_name if entity_type == DEPLOYMENT else entity_id,
                              role=role.get("role"), deployment_id=deployment_id, deployment_name=deployment_name))
    return found
