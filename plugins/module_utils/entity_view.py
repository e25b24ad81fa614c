# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection shows of a Workspace or a Deployment: deployment_info's results, the inventory's host variables."""

from __future__ import annotations


def workspace_summary(workspace):
    """id, name and description of a Workspace as the API lists it."""
    return dict(id=workspace.get("id"), name=workspace.get("name"), description=workspace.get("description"))


def deployment_summary(deployment):
    """id, name, description, status and workspace_id of a Deployment as the API lists it."""
    return dict(id=deployment.get("id"), name=deployment.get("name"), description=deployment.get("description"),
                status=deployment.get("status"), workspace_id=deployment.get("workspaceId"))
