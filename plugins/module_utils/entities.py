# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The names Astro gives its entities, token scopes and fixed roles (docs/astro-api/SEMANTICS.md).

Constants only: every other module_utils, module and plugin imports them from here.
"""

from __future__ import annotations

ORGANIZATION = "ORGANIZATION"
WORKSPACE = "WORKSPACE"
DEPLOYMENT = "DEPLOYMENT"

# SEMANTICS "Valid role names": a token's own role on its Organization, a role on a Workspace.
ORGANIZATION_ROLES = ("ORGANIZATION_OWNER", "ORGANIZATION_BILLING_ADMIN", "ORGANIZATION_MEMBER",
                      "ORGANIZATION_OBSERVE_ADMIN", "ORGANIZATION_OBSERVE_MEMBER")
WORKSPACE_ROLES = ("WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR", "WORKSPACE_MEMBER", "WORKSPACE_ACCESSOR")
# The Workspace role Astro grants by itself with a Deployment role in that Workspace (SEMANTICS "Entries the server adds").
WORKSPACE_ACCESSOR = "WORKSPACE_ACCESSOR"
# The one Deployment role that is neither a custom role nor needs the organization's role list to be known.
DEPLOYMENT_ADMIN = "DEPLOYMENT_ADMIN"
# The Organization role that can touch every Workspace (its holders inherit Workspace Owner everywhere), and the owner
# of one Workspace (SEMANTICS "Who may do what").
ORGANIZATION_OWNER = "ORGANIZATION_OWNER"
WORKSPACE_OWNER = "WORKSPACE_OWNER"
OWN_ROLES = {ORGANIZATION: ORGANIZATION_ROLES, WORKSPACE: WORKSPACE_ROLES}

# The scopes a token of each `token_scope` option value may have (None: the option left out). Only Organization
# and Workspace tokens can be given roles on other entities.
TOKEN_SCOPES = {"organization": (ORGANIZATION,), "workspace": (WORKSPACE,), None: (ORGANIZATION, WORKSPACE)}
# The token scope each value of api_token's `scope` option stands for.
SCOPE_OPTIONS = {"organization": ORGANIZATION, "workspace": WORKSPACE, "deployment": DEPLOYMENT}
