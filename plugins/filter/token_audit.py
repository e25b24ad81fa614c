# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: token_audit
short_description: The token audit's rows, findings, summary and reports, from the token and Deployment listings
version_added: 1.0.0
description:
  - The reporting step of the playbook C(astro.platform.token_audit), in one pass over the tokens, with no API call.
  - One row per token and role (a token without a role has one row), with the Workspace and Deployment names; a
    C(DAG) or C(DAG_TAG) role names its Deployment, its Workspace, and its DAG or tag. Each row is flagged with the
    findings C(never expires), C(expired), C(never used) and C(owner/admin role).
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
    description: The findings that make C(failure) a message when any token has them.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: The audit's rows, summary and reports
  ansible.builtin.set_fact:
    audit: "{{ tokens.tokens | astro.platform.token_audit(deployments, directory='/tmp/reports') }}"
"""

RETURN = r"""
_value:
  description:
    - C(rows) (one per token and role, with the CSV report's columns), C(summary) (C(organization), C(tokens),
      C(role_assignments), the tokens of each finding and the C(reports) paths), the C(markdown), C(csv) and C(json)
      reports, and C(failure) (the message about the findings of O(fail_on), or empty). Data that Ansible never
      templates again.
  type: dict
"""

import datetime
import json

from ansible_collections.astro.platform.plugins.filter.report_cell import csv_cell, markdown_cell
from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.token_view import parse_time
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

COLUMNS = ("token", "token_id", "scope", "role", "on", "workspace", "deployment", "dag", "expires", "last_used", "flags")
# Each finding a row's flags can name, and its key in the summary.
FINDINGS = {"never expires": "never_expires", "expired": "expired", "never used": "never_used", "owner/admin role": "owner_or_admin"}
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


def markdown_report(rows, summary, privileged_roles):
    lines = ["# Astro token audit", "",
             "Organization {0}, {1} tokens, {2} role assignments.".format(markdown_cell(summary["organization"] or ""), summary["tokens"],
                                                                          summary["role_assignments"]),
             "Flags: **never expires** (no expiry date), **expired**, **never used** (no last use), **owner/admin role** "
             "({0}).".format(", ".join(markdown_cell(r) for r in privileged_roles)), "",
             "| Token | Token ID | Scope | Role | On | Workspace | Deployment | DAG | Expires | Last used | Flags |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += ["| {0} |".format(" | ".join(markdown_cell(cell) or "-" for cell in _cells(row, ", "))) for row in rows]
    return "\n".join(lines) + "\n"


def csv_report(rows):
    return "\n".join([",".join(COLUMNS)] + [",".join(csv_cell(cell) for cell in _cells(row, "; ")) for row in rows]) + "\n"


def _cells(row, flags_joined_by):
    return [flags_joined_by.join(row[c]) if c == "flags" else "" if row[c] is None else str(row[c]) for c in COLUMNS]


def token_audit(tokens, lookup, privileged_roles=("ORGANIZATION_OWNER", "WORKSPACE_OWNER", "DEPLOYMENT_ADMIN"), organization=None,
                directory=".", fail_on=(), now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    privileged_roles = list(privileged_roles)
    rows = audit_rows(tokens, lookup or {}, privileged_roles, now)
    summary = dict(organization=organization, tokens=len(tokens or []), role_assignments=len(rows))
    for finding, key in FINDINGS.items():
        summary[key] = list(dict.fromkeys(row["token"] for row in rows if finding in row["flags"]))
    summary["reports"] = dict((kind, "{0}/token_audit.{1}".format(directory, ext)) for kind, ext in
                              (("markdown", "md"), ("csv", "csv"), ("json", "json")))
    found = [finding for finding in dict.fromkeys(fail_on or ()) if summary[FINDINGS[finding]]]
    failure = "" if not found else "The token audit found {0} (astro_audit_fail_on): {1} See {2}.".format(
        ", ".join(json.dumps(f) for f in found), " ".join("{0}: {1}.".format(f, json.dumps(summary[FINDINGS[f]])) for f in found),
        summary["reports"]["markdown"])
    return as_data(dict(rows=rows, summary=summary, markdown=markdown_report(rows, summary, privileged_roles), csv=csv_report(rows),
                        json=json.dumps({"summary": summary, "rows": rows}, indent=4, sort_keys=True) + "\n", failure=failure))


class FilterModule:
    def filters(self):
        return {"token_audit": token_audit}
