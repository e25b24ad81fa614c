# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A role list and its entities as a person reads them: in diffs, results, warnings and errors."""

from __future__ import annotations

import re

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, ORGANIZATION, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.errors import shown


# Control characters (C0, DEL, C1), line and paragraph separators, zero-width and bidirectional formatting characters
# and the byte order mark: printed raw, each can move the cursor, recolour a terminal, forge a diff line or make a
# name read as another.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def printable(text):
    """text from the API (a name, a description) as a line of a message, warning, diff or label may show it: every
    character of UNPRINTABLE written as \\uXXXX, so it stays on its line and reads as what it is."""
    text = "" if text is None else str(text)
    return UNPRINTABLE.sub(lambda match: "\\u{0:04x}".format(ord(match.group(0))), text)


def named(entity_id, names=None):
    """An entity as a person reads it: `name (ID)` when `names` (a mapping of ID to name) knows its name, else its ID.

    A name is API data: one that a line break or other control character would garble is shown quoted.
    """
    name = (names or {}).get(entity_id) if entity_id else None
    if not name:
        return str(entity_id)
    return "{0} ({1})".format(name if name.isprintable() else shown(name), entity_id)


def describe_entry(entry, names=None):
    """One line of a role list, as diff output shows it; names (ID to name) puts a name beside each ID it knows."""
    where = "{0} {1}".format(entry.get("entityType"), named(entry.get("entityId"), names))
    if entry.get("deploymentId"):
        where += " (deployment {0})".format(named(entry["deploymentId"], names))
    return "{0}: {1}".format(where, entry.get("role"))


def render_roles(roles, names=None):
    """A role list as text, one role a line, in a stable order so diffs show only real changes."""
    return "".join(describe_entry(entry, names) + "\n" for entry in sorted(roles or (), key=_sort_key))


def _sort_key(entry):
    order = {ORGANIZATION: 0, WORKSPACE: 1, DEPLOYMENT: 2}
    return (order.get(entry.get("entityType"), 3), entry.get("entityType") or "", entry.get("deploymentId") or "",
            entry.get("entityId") or "")
