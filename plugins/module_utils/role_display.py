# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A role list and its entities as a person reads them: in diffs, results, warnings and errors."""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, ORGANIZATION, WORKSPACE
# printable is the one escaping of every name a person reads (errors.py holds it, so that shown() quotes the same).
from ansible_collections.astro.platform.plugins.module_utils.errors import printable

__all__ = ["printable", "named", "describe_entry", "render_roles"]


def named(entity_id, names=None):
    """An entity as a person reads it: `name (ID)` when `names` (a mapping of ID to name) knows its name, else its ID.

    A name is API data: a line break or other control character in it is shown escaped (printable), on one line.
    """
    name = (names or {}).get(entity_id) if entity_id else None
    if not name:
        return printable(str(entity_id))
    return "{0} ({1})".format(printable(name), printable(entity_id))


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
