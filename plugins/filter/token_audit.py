# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: token_audit
short_description: The token audit's rows, findings, summary and reports, and who can touch each Workspace
version_added: 1.0.0
description:
  - The reporting step of the playbook C(astro.platform.token_audit), in one pass over the tokens, teams and users,
    with no API call.
  - One row per token and role (a token without a role has one row), with the Workspace and Deployment names; a
    C(DAG) or C(DAG_TAG) role names its Deployment, its Workspace, and its DAG or tag. Each row is flagged with the
    findings C(never expires), C(expired), C(never used) and C(owner/admin role).
  - "Who can touch each Workspace (C(access)): for every Workspace, every token, team and user holding a role on it, on
    one of its Deployments or on a DAG of one, and every Organization owner (a token, team or user whose Organization
    role is C(ORGANIZATION_OWNER) can touch every Workspace), one row per subject and role, saying where the role comes
    from. A user who is a C(WORKSPACE_OWNER) in person, rather than through a team, is flagged C(individual owner)."
  - The roles a user holds through a team are the team's rows; team members are not listed (that would cost a
    request per team).
  - The Markdown and CSV reports escape every value as P(astro.platform.report_cell#filter) does.
author:
  - astro.platform contributors (@astro-platform)
positional: lookup, privileged_roles
options:
  _input:
    description: Every token with its roles, as RV(astro.platform.token_info#module:tokens) returns them.
    type: list
    elements: dict
    required: true
  lookup:
    description: The registered result of M(astro.platform.deployment_info).
    type: dict
    required: true
  privileged_roles:
    description: The roles that the finding C(owner/admin role) flags.
    type: list
    elements: str
    default: [ORGANIZATION_OWNER, WORKSPACE_OWNER, DEPLOYMENT_ADMIN]
  organization:
    description: The Organization's ID, for the summary.
    type: str
  directory:
    description: The directory of the reports, for the summary's report paths.
    type: str
    default: .
  fail_on:
    description: The findings that make C(failure) a message when any token (or, for C(individual owner), any user) has them.
    type: list
    elements: str
    default: []
  teams:
    description: Every team with its roles, as RV(astro.platform.team_info#module:teams) returns them; null leaves teams out.
    type: list
    elements: dict
  users:
    description: Every user with its roles, as RV(astro.platform.user_info#module:users) returns them; null leaves users out.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: The audit's rows, summary and reports
  ansible.builtin.set_fact:
    audit: "{{ tokens.tokens | astro.platform.token_audit(deployments, directory='/tmp/reports') }}"
"""

RETURN = r"""
_value:
  description:
    - C(rows) (one per token and role, with the CSV report's columns).
    - C(access), who can touch each Workspace, one row per Workspace, subject and role, with C(workspace),
      C(workspace_id), C(kind) (C(token), C(team) or C(user)), C(subject) (a token's or team's name, a user's e-mail),
      C(subject_id), C(role), C(through) (where the role comes from) and C(flags).
    - C(access_by_workspace), the same by Workspace ID, as its C(workspace) name and one line per row in C(subjects),
      "kind subject (ID)" then the role, where it comes from and the flags.
    - C(summary) (C(organization), C(tokens), C(teams), C(users), C(role_assignments), the tokens of each finding, the
      C(individual_owners) and the C(reports) paths), the C(markdown), C(csv) and C(json) reports, and C(failure) (the
      message about the findings of O(fail_on), or empty). Data that Ansible never templates again.
  type: dict
"""

import datetime
import json

from ansible_collections.astro.platform.plugins.filter.report_cell import csv_cell, markdown_cell
from ansible_collections.astro.platform.plugins.module_utils.entities import (
    DEPLOYMENT, ORGANIZATION, ORGANIZATION_OWNER, WORKSPACE, WORKSPACE_OWNER)
from ansible_collections.astro.platform.plugins.module_utils.role_display import printable
from ansible_collections.astro.platform.plugins.module_utils.token_view import parse_time
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

COLUMNS = ("token", "token_id", "scope", "role", "on", "workspace", "deployment", "dag", "expires", "last_used", "flags")
ACCESS_COLUMNS = ("workspace", "workspace_id", "kind", "subject", "subject_id", "role", "through", "flags")
# Each finding a token row's flags can name, and its key in the summary.
TOKEN_FINDINGS = {"never expires": "never_expires", "expired": "expired", "never used": "never_used", "owner/admin role": "owner_or_admin"}
# The finding of an access row: a Workspace owner who is a user in person, not a team.
INDIVIDUAL_OWNER = "individual owner"
FINDINGS = dict(TOKEN_FINDINGS, **{INDIVIDUAL_OWNER: "individual_owners"})
KINDS = ("token", "team", "user")
# A subject's rows in a Workspace, widest first: its Organization role, its Workspace role, then Deployment and DAG roles.
THROUGH_ORDER = {"Organization": 0, "Workspace": 1, "Deployment": 2}
# Roles on a DAG or a DAG tag of a Deployment: the entry names its Deployment, as token_view.roles_within reads it.
DAG_ROLES = ("DAG", "DAG_TAG")


def audit_rows(tokens, lookup, privileged_roles, now):
    workspace_names = dict((w.get("id"), w.get("name")) for w in lookup.get("workspaces") or [])
    deployments = dict((d.get("id"), d) for d in lookup.get("deployments") or [])
    rows = []
    for token in tokens or []:
        expiry = token.get("expiry")
        expired = expiry and parse_time(expiry) < now
        token_flags = [flag for flag, found in (("never expires", not expiry), ("expired", expired),
                                                ("never used", not token.get("last_used_at"))) if found]
        for role in token.get("roles") or [{}]:  # a token without a role: one row
            on, entity_id = role.get("entityType") or "", role.get("entityId") or ""
            deployment_id = entity_id if on == DEPLOYMENT else (role.get("deploymentId") or "" if on in DAG_ROLES else "")
            deployment = deployments.get(deployment_id) or {}
            workspace = workspace_names.get(entity_id, entity_id) if on == WORKSPACE else deployment.get("workspace_name") or ""
            rows.append(dict(token=token.get("name"), token_id=token.get("id"), scope=token.get("scope"), role=role.get("role"),
                             on=on, workspace=workspace, deployment=deployment.get("name", deployment_id) if deployment_id else "",
                             dag=entity_id if on in DAG_ROLES else "", expires=expiry or "never",
                             last_used=token.get("last_used_at") or "never",
                             flags=token_flags + (["owner/admin role"] if role.get("role") in privileged_roles else [])))
    return rows


def _subjects(tokens, teams, users):
    """(kind, name, ID, Organization role, [(entity type, entity ID, Deployment ID of a DAG role, role)]) of every
    token, team and user, their roles read from the listings' own shapes."""
    for token in tokens or []:
        roles = token.get("roles") or []
        own = next((r.get("role") for r in roles if r.get("entityType") == ORGANIZATION), None)
        yield "token", token.get("name"), token.get("id"), own, [
            (r.get("entityType"), r.get("entityId"), r.get("deploymentId"), r.get("role")) for r in roles if r.get("entityType") != ORGANIZATION]
    for kind, people, name in (("team", teams, "name"), ("user", users, "email")):
        for person in people or []:
            yield kind, person.get(name), person.get("id"), person.get("organization_role"), (
                [(WORKSPACE, r.get("workspace_id"), None, r.get("role")) for r in person.get("workspace_roles") or []]
                + [(DEPLOYMENT, r.get("deployment_id"), None, r.get("role")) for r in person.get("deployment_roles") or []]
                + [("DAG", r.get("dag_id") or r.get("dag_tag"), r.get("deployment_id"), r.get("role")) for r in person.get("dag_roles") or []])


def access_rows(tokens, teams, users, lookup):
    """Who can touch each Workspace: one row per Workspace, subject and role, Organization owners on every Workspace."""
    workspaces = dict((w.get("id"), w.get("name")) for w in lookup.get("workspaces") or [])
    deployments = dict((d.get("id"), d) for d in lookup.get("deployments") or [])
    rows, owners = [], []
    for kind, name, subject_id, own_role, roles in _subjects(tokens, teams, users):
        subject = dict(kind=kind, subject=name, subject_id=subject_id)
        if own_role == ORGANIZATION_OWNER:
            owners.append(subject)
        for on, entity_id, dag_deployment, role in roles:
            if on == WORKSPACE:
                workspace_id, through = entity_id, "Workspace role"
            else:
                deployment = deployments.get(dag_deployment if on in DAG_ROLES else entity_id) or {}
                workspace_id = deployment.get("workspace_id")
                through = ("{0} role on {1} of Deployment {2}".format(on, entity_id, deployment.get("name")) if on in DAG_ROLES
                           else "Deployment role on {0}".format(deployment.get("name")))
            if workspace_id not in workspaces:
                continue  # a role on what the listing does not hold: not a Workspace of this Organization
            flags = [INDIVIDUAL_OWNER] if kind == "user" and on == WORKSPACE and role == WORKSPACE_OWNER else []
            rows.append(dict(subject, workspace=workspaces[workspace_id], workspace_id=workspace_id, role=role, through=through, flags=flags))
    for workspace_id, workspace in workspaces.items():
        rows.extend(dict(owner, workspace=workspace, workspace_id=workspace_id, role=ORGANIZATION_OWNER,
                         through="Organization role (every Workspace)", flags=[]) for owner in owners)
    return sorted(rows, key=lambda r: (r["workspace"] or "", r["workspace_id"] or "", KINDS.index(r["kind"]), r["subject"] or "",
                                       r["subject_id"] or "", THROUGH_ORDER.get(r["through"].split(" ")[0], 3), r["through"]))


def access_by_workspace(access):
    """Workspace ID to its name and one line per access row (`kind subject (ID): role, through[; flags]`): the rows in
    few values, for the job's stats, where every value costs Ansible time (an organization of 5 000 tokens has 10 000 rows)."""
    found = {}
    for row in access:
        lines = found.setdefault(row["workspace_id"], dict(workspace=row["workspace"], subjects=[]))["subjects"]
        lines.append("{0} {1} ({2}): {3}, {4}{5}".format(row["kind"], printable(row["subject"]), row["subject_id"], row["role"],
                                                         row["through"], "; " + ", ".join(row["flags"]) if row["flags"] else ""))
    return found


def markdown_report(rows, summary, privileged_roles, access=None):
    lines = ["# Astro token audit", "",
             "Organization {0}, {1} tokens, {2} role assignments.".format(markdown_cell(summary["organization"] or ""), summary["tokens"],
                                                                          summary["role_assignments"]),
             "Flags: **never expires** (no expiry date), **expired**, **never used** (no last use), **owner/admin role** "
             "({0}).".format(", ".join(markdown_cell(r) for r in privileged_roles)), "",
             "| Token | Token ID | Scope | Role | On | Workspace | Deployment | DAG | Expires | Last used | Flags |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += ["| {0} |".format(" | ".join(markdown_cell(cell) or "-" for cell in _cells(row, ", "))) for row in rows]
    if access is not None:
        lines += ["", "## Who can touch each Workspace", "",
                  "Tokens, teams and users with a role on the Workspace, one of its Deployments or one of their DAGs, and "
                  "Organization owners ({0} teams, {1} users). Flag: **individual owner** (a user who is WORKSPACE_OWNER in "
                  "person, not through a team).".format(summary["teams"], summary["users"]), "",
                  "| Workspace | Workspace ID | Kind | Subject | Subject ID | Role | Through | Flags |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        lines += ["| {0} |".format(" | ".join(markdown_cell(cell) or "-" for cell in _cells(row, ", ", ACCESS_COLUMNS))) for row in access]
    return "\n".join(lines) + "\n"


def csv_report(rows):
    return "\n".join([",".join(COLUMNS)] + [",".join(csv_cell(cell) for cell in _cells(row, "; ")) for row in rows]) + "\n"


def _cells(row, flags_joined_by, columns=COLUMNS):
    return [flags_joined_by.join(row[c]) if c == "flags" else "" if row[c] is None else str(row[c]) for c in columns]


def token_audit(tokens, lookup, privileged_roles=("ORGANIZATION_OWNER", "WORKSPACE_OWNER", "DEPLOYMENT_ADMIN"), organization=None,
                directory=".", fail_on=(), now=None, teams=None, users=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    privileged_roles = list(privileged_roles)
    rows = audit_rows(tokens, lookup or {}, privileged_roles, now)
    access = access_rows(tokens, teams, users, lookup or {})
    summary = dict(organization=organization, tokens=len(tokens or []), teams=len(teams or []), users=len(users or []),
                   role_assignments=len(rows))
    for finding, key in TOKEN_FINDINGS.items():
        summary[key] = list(dict.fromkeys(row["token"] for row in rows if finding in row["flags"]))
    summary[FINDINGS[INDIVIDUAL_OWNER]] = ["{0} in {1}".format(row["subject"], row["workspace"]) for row in access
                                           if INDIVIDUAL_OWNER in row["flags"]]
    summary["reports"] = dict((kind, "{0}/token_audit.{1}".format(directory, ext)) for kind, ext in
                              (("markdown", "md"), ("csv", "csv"), ("json", "json")))
    found = [finding for finding in dict.fromkeys(fail_on or ()) if summary[FINDINGS[finding]]]
    failure = "" if not found else "The token audit found {0} (astro_audit_fail_on): {1} See {2}.".format(
        ", ".join(json.dumps(f) for f in found), " ".join("{0}: {1}.".format(f, json.dumps(summary[FINDINGS[f]])) for f in found),
        summary["reports"]["markdown"])
    return as_data(dict(rows=rows, access=access, access_by_workspace=access_by_workspace(access), summary=summary,
                        markdown=markdown_report(rows, summary, privileged_roles, access), csv=csv_report(rows), failure=failure,
                        json=json.dumps({"summary": summary, "rows": rows, "access": access}, indent=4, sort_keys=True) + "\n"))


class FilterModule:
    def filters(self):
        return {"token_audit": token_audit}
