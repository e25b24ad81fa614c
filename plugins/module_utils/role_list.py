# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of a token's role list: no HTTP, so tests can hammer it.

A role list is what the API returns in ApiToken.roles: a list of dicts
{entityType, entityId, role} (+ deploymentId for DAG and DAG_TAG entries).
Writing it replaces the token's whole list, so every edit here returns a new
list in which every entry but the edited one is kept exactly as it was.
"""

from __future__ import annotations

import re

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, ORGANIZATION, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError, shown


# SEMANTICS "IDs and time": a cuid, 25 lowercase letters and digits starting with c.
ASTRO_ID = re.compile(r"c[a-z0-9]{24}")


def looks_like_astro_id(value):
    return isinstance(value, str) and ASTRO_ID.fullmatch(value) is not None


def _is_entry_for(entry, entity_type, entity_id):
    return entry.get("entityType") == entity_type and entry.get("entityId") == entity_id


def role_on(roles, entity_type, entity_id):
    """The role the list gives on that entity, or None."""
    for entry in roles or ():
        if _is_entry_for(entry, entity_type, entity_id):
            return entry.get("role")
    return None


def with_role(roles, entity_type, entity_id, role):
    """A new list with that entity's role set to `role` (None: removed); every other entry unchanged, in place."""
    edited = []
    placed = False
    for entry in roles or ():
        if not _is_entry_for(entry, entity_type, entity_id):
            edited.append(entry)
        elif role is not None and not placed:
            # Keep the entry's position, so a diff shows a changed line, not a move.
            edited.append(dict(entry, role=role))
            placed = True
    if role is not None and not placed:
        edited.append({"entityType": entity_type, "entityId": entity_id, "role": role})
    return edited


def roles_by_entity(roles):
    """{(entity_type, entity_id): role} as role_on reads each entity (its first entry), in one pass over the list.

    For the functions below that ask about many entities of a long list: one look-up each instead of one pass each.
    """
    found = {}
    for entry in roles or ():
        found.setdefault((entry.get("entityType"), entry.get("entityId")), entry.get("role"))
    return found


def with_roles(roles, edits):
    """with_role for each (entity_type, entity_id, role) of `edits`, in one new list, made in one pass.

    As applying with_role to each edit in turn: an edited entity keeps its first entry's position (its other
    entries go), a removed one loses all its entries, and new entries follow in the order of the edits.
    """
    wanted = {}
    for entity_type, entity_id, role in edits:
        wanted[(entity_type, entity_id)] = role
    edited, placed = [], set()
    for entry in roles or ():
        key = (entry.get("entityType"), entry.get("entityId"))
        if key not in wanted:
            edited.append(entry)
        elif wanted[key] is not None and key not in placed:
            edited.append(dict(entry, role=wanted[key]))
            placed.add(key)
    for (entity_type, entity_id), role in wanted.items():
        if role is not None and (entity_type, entity_id) not in placed:
            edited.append({"entityType": entity_type, "entityId": entity_id, "role": role})
    return edited


def missing_edits(roles, edits):
    """The edits the list does not reflect (a concurrent writer overwrote them, say)."""
    held = roles_by_entity(roles)
    return [edit for edit in edits if held.get((edit[0], edit[1])) != edit[2]]


def removals_not_held(roles, edits, only_if_held):
    """The removals of `edits` that must not be made, as (entity_type, entity_id, role held, role declared).

    only_if_held maps (entity_type, entity_id) to the role a removal is declared for: it is made only where the
    token holds that very role, so that removing what was declared never takes away a role someone else gave.
    """
    kept = []
    held_roles = roles_by_entity(roles)
    for entity_type, entity_id, role in edits:
        declared = (only_if_held or {}).get((entity_type, entity_id))
        held = held_roles.get((entity_type, entity_id))
        if role is None and declared is not None and held not in (None, declared):
            kept.append((entity_type, entity_id, held, declared))
    return kept


def without_entities(edits, entities):
    """The edits on none of these (entity_type, entity_id, ...) entities."""
    skipped = set((entity[0], entity[1]) for entity in entities)
    return [edit for edit in edits if (edit[0], edit[1]) not in skipped]


def check_one_edit_per_entity(edits):
    """Two different roles asked for on one entity in one edit cannot both hold: refuse before anything is written."""
    asked = {}
    for entity_type, entity_id, role in edits:
        earlier = asked.setdefault((entity_type, entity_id), role)
        if earlier != role:
            raise AstroInputError("{0} {1} is listed twice, once with role {2} and once with {3}; list it once.".format(
                entity_type, shown(entity_id), earlier or "none (absent)", role or "none (absent)"))


def own_role_entry(token):
    """The entry of the role a token holds on the entity it is scoped to (SEMANTICS: its own role)."""
    for entry in token.get("roles") or ():
        if entry.get("entityType") == token.get("scope"):
            return entry
    return None


def home_workspace_id(token):
    """The Workspace a WORKSPACE token belongs to."""
    own = own_role_entry(token) if token.get("scope") == WORKSPACE else None
    return own and own.get("entityId")


def first_roles(roles, edits):
    """(entity_type, entity_id) of each WORKSPACE or DEPLOYMENT the edits give a role on where the list holds none yet."""
    held = roles_by_entity(roles)
    return sorted({(entity_type, entity_id) for entity_type, entity_id, role in edits
                   if role is not None and entity_type in (WORKSPACE, DEPLOYMENT) and held.get((entity_type, entity_id)) is None})


def named_entities(roles):
    """(WORKSPACE or DEPLOYMENT, ID) of each entity a role list names: its Workspaces and Deployments, and the
    Deployment of each DAG or DAG_TAG entry."""
    found = set()
    for entry in roles or ():
        if entry.get("entityType") in (WORKSPACE, DEPLOYMENT):
            found.add((entry["entityType"], entry.get("entityId")))
        if entry.get("deploymentId"):
            found.add((DEPLOYMENT, entry["deploymentId"]))
    return sorted(found)


# What a verifying read says of a roles write (read_back_verdict).
IN_EFFECT = "in effect"
OVERWRITTEN = "overwritten"
UNEXPECTED = "unexpected"


def read_back_verdict(before, written, fresh, edits, echoes=None, implied=()):
    """(verdict, lost edits) of the list `fresh` read back after writing `written` over `before` to make `edits`.

    IN_EFFECT: every edit holds, as written or in a form the server echoes for it (echoes: {role: other forms}); an
    entry the server keeps on its own for a removal (implied: (entity_type, entity_id) it adds itself) and entries it
    added beside ours are not ours to judge.
    OVERWRITTEN: an edit is lost and the list shows another writer: a lost edit's entity holds what it held before
    our write, or an entry we wrote besides our edits is gone or changed. Redoing the edit on `fresh` is right.
    UNEXPECTED: an edit is lost, yet the rest of the list is as written and the entity holds neither our role nor its
    old one: no other writer explains it, and writing again would not help.
    """
    echoes = echoes or {}
    implied = set(implied)

    def same(read, role):
        return read == role or (role is not None and read in echoes.get(role, ()))

    held = roles_by_entity(fresh)
    lost = [edit for edit in edits if not same(held.get((edit[0], edit[1])), edit[2])
            and not (edit[2] is None and (edit[0], edit[1]) in implied)]
    if not lost:
        return IN_EFFECT, []
    was = roles_by_entity(before)
    edited = set((edit[0], edit[1]) for edit in edits)
    others_as_written = all(same(held.get(key), role) for key, role in roles_by_entity(written).items() if key not in edited)
    stale = any(held.get((edit[0], edit[1])) == was.get((edit[0], edit[1])) for edit in lost)
    return (OVERWRITTEN if stale or not others_as_written else UNEXPECTED), lost


# A team's or a user's roles are one set (SEMANTICS.md "Teams and users"): organizationRole, workspaceRoles,
# deploymentRoles, dagRoles. As a role list (the token's shape) they go through the same edits, diff and read-back
# verdict as a token's; subject_role_set turns the list back into the body of the write that replaces the set.
DAG = "DAG"
DAG_TAG = "DAG_TAG"


def subject_role_list(subject, organization_id):
    """The role set of a team or user (as GET /teams/{id} or /users/{id} answers it) as a role list: its Organization
    role on organization_id, then its Workspace, Deployment and DAG roles, in the API's order."""
    roles = []
    if subject.get("organizationRole"):
        roles.append({"entityType": ORGANIZATION, "entityId": organization_id, "role": subject["organizationRole"]})
    roles += [{"entityType": WORKSPACE, "entityId": e.get("workspaceId"), "role": e.get("role")} for e in subject.get("workspaceRoles") or ()]
    roles += [{"entityType": DEPLOYMENT, "entityId": e.get("deploymentId"), "role": e.get("role")} for e in subject.get("deploymentRoles") or ()]
    for entry in subject.get("dagRoles") or ():
        by_tag = entry.get("dagId") is None and entry.get("dagTag") is not None
        roles.append({"entityType": DAG_TAG if by_tag else DAG, "entityId": entry.get("dagTag") if by_tag else entry.get("dagId"),
                      "deploymentId": entry.get("deploymentId"), "role": entry.get("role")})
    return roles


def subject_role_set(roles):
    """The role list of subject_role_list as the whole set a roles write sends (UpdateTeamRolesRequest /
    UpdateUserRolesRequest): every list present, so nothing is left to a default, and the DAG roles kept (the Astro
    CLI's writes drop them)."""
    role_set = dict(workspaceRoles=[], deploymentRoles=[], dagRoles=[])
    for entry in roles or ():
        entity_type, entity_id, role = entry.get("entityType"), entry.get("entityId"), entry.get("role")
        if entity_type == ORGANIZATION:
            role_set["organizationRole"] = role
        elif entity_type == WORKSPACE:
            role_set["workspaceRoles"].append({"workspaceId": entity_id, "role": role})
        elif entity_type == DEPLOYMENT:
            role_set["deploymentRoles"].append({"deploymentId": entity_id, "role": role})
        elif entity_type in (DAG, DAG_TAG):
            role_set["dagRoles"].append({"deploymentId": entry.get("deploymentId"), "dagId" if entity_type == DAG else "dagTag": entity_id,
                                         "role": role})
    return role_set
