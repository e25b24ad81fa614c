# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One line for each change the Workspace onboarding made (controller side): what a Workspace's host reports."""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT
from ansible_collections.astro.platform.plugins.module_utils.errors import shown
from ansible_collections.astro.platform.plugins.module_utils.role_display import named

# The token actions (of astro.platform.api_token) after which the token's new secret is in its secret_file.
NEW_SECRET = ("create", "rotate")


def _text(name):
    """An API name as a line shows it: quoted when a line break or other control character would garble it."""
    name = "" if name is None else str(name)
    return name if name.isprintable() else shown(name)


def role_line(change):
    """`token: +TYPE name (ID)[ in Workspace]: role[ (was role)]`, or `token: -TYPE name (ID)[ in Workspace]: role`."""
    where = "{0} {1}".format(change.get("entity_type"), named(change.get("entity_id"), {change.get("entity_id"): change.get("entity_name")}))
    if change.get("entity_type") == DEPLOYMENT and change.get("workspace_id"):
        where += " in " + _text(change.get("workspace_name") or change["workspace_id"])
    before, after = change.get("role_before"), change.get("role_after")
    if after is None:
        return "{0}: -{1}: {2}".format(_text(change.get("token_name")), where, before)
    return "{0}: +{1}: {2}{3}".format(_text(change.get("token_name")), where, after, " (was {0})".format(before) if before else "")


def token_line(change):
    """`token NAME (scope): actions[; new secret in FILE]`."""
    actions = change.get("actions") or []
    line = "token {0} ({1}): {2}".format(_text(change.get("name")), change.get("scope"), ", ".join(actions))
    if change.get("secret_file") and set(actions) & set(NEW_SECRET):
        line += "; new secret in " + _text(change["secret_file"])
    return line


def change_line(change):
    """The line of a role change (of token_roles' roles_changed) or of a token created or changed (with `actions`)."""
    return token_line(change) if "actions" in change else role_line(change)
