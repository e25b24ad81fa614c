# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The token audit's rows, findings, summary and reports (filter token_audit); no HTTP."""

from __future__ import annotations

import csv
import datetime
import io
import json

from ansible_collections.astro.platform.plugins.filter.token_audit import ACCESS_COLUMNS, COLUMNS, token_audit

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
LOOKUP = {"workspaces": [{"id": "cw1", "name": "data"}],
          "deployments": [{"id": "cd1", "name": "etl", "workspace_id": "cw1", "workspace_name": "data"}]}
TOKENS = [
    {"id": "ct1", "name": "ci", "scope": "ORGANIZATION", "expiry": None, "last_used_at": "2029-12-01T00:00:00Z", "roles": [
        {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_OWNER"},
        {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_AUTHOR"},
        {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"},
        {"entityType": "DAG", "entityId": "nightly", "deploymentId": "cd1", "role": "DAG_AUTHOR"},
        {"entityType": "DAG_TAG", "entityId": "finance", "deploymentId": "cd1", "role": "DAG_VIEWER"}]},
    {"id": "ct2", "name": "old", "scope": "WORKSPACE", "expiry": "2029-01-01T00:00:00Z", "last_used_at": None, "roles": []},
]


def audit(**options):
    return token_audit(TOKENS, LOOKUP, organization="corg", directory="/r", now=NOW, **options)


def test_one_row_per_token_and_role_with_names_and_flags():
    rows = audit()["rows"]
    assert [(r["token"], r["on"], r["workspace"], r["deployment"], r["dag"]) for r in rows] == [
        ("ci", "ORGANIZATION", "", "", ""), ("ci", "WORKSPACE", "data", "", ""), ("ci", "DEPLOYMENT", "data", "etl", ""),
        ("ci", "DAG", "data", "etl", "nightly"), ("ci", "DAG_TAG", "data", "etl", "finance"), ("old", "", "", "", "")]
    assert rows[0]["flags"] == ["never expires", "owner/admin role"] and rows[1]["flags"] == ["never expires"]
    assert rows[-1]["flags"] == ["expired", "never used"] and rows[-1]["expires"] == "2029-01-01T00:00:00Z"


def test_the_summary_names_the_tokens_of_each_finding_and_the_failure_the_gate_asked_for():
    found = audit(fail_on=["never used", "expired", "never used"])
    summary = found["summary"]
    assert (summary["tokens"], summary["role_assignments"]) == (2, 6)
    assert (summary["never_expires"], summary["expired"], summary["never_used"], summary["owner_or_admin"]) == (["ci"], ["old"], ["old"], ["ci"])
    assert summary["reports"] == {"markdown": "/r/token_audit.md", "csv": "/r/token_audit.csv", "json": "/r/token_audit.json"}
    assert found["failure"] == ('The token audit found "never used", "expired" (astro_audit_fail_on): never used: ["old"]. '
                                'expired: ["old"]. See /r/token_audit.md.')
    assert audit(fail_on=["never used"])["failure"] and not token_audit(TOKENS[:1], LOOKUP, now=NOW, fail_on=["expired"])["failure"]


def test_the_reports_hold_every_row_escaped():
    found = audit()
    records = list(csv.reader(io.StringIO(found["csv"])))
    assert records[0] == list(COLUMNS) and len(records) == 7
    assert records[1][COLUMNS.index("flags")] == "never expires; owner/admin role"
    tokens_part = found["markdown"].split("## Who can touch each Workspace")[0]
    table = [line for line in tokens_part.splitlines() if line.startswith("|")]
    assert len(table) == 8 and table[-1].startswith("| old | ct2 | WORKSPACE | - | - |"), table
    assert json.loads(found["json"]) == {"summary": found["summary"], "rows": found["rows"], "access": found["access"]}
    hostile = token_audit([dict(TOKENS[1], name="=x|y\nz")], LOOKUP, now=NOW)
    assert "'=x|y" in hostile["csv"] and "\\=x" not in hostile["csv"]
    assert "=x\\|y\\u000az" in hostile["markdown"]


# Who can touch each Workspace: tokens, teams, users and the Organization owners, with where each role comes from.
LOOKUP2 = {"workspaces": [{"id": "cw1", "name": "data"}, {"id": "cw2", "name": "bi"}],
           "deployments": [{"id": "cd1", "name": "etl", "workspace_id": "cw1", "workspace_name": "data"}]}
TEAMS = [{"id": "cteng", "name": "engineers", "organization_role": "ORGANIZATION_MEMBER",
          "workspace_roles": [{"workspace_id": "cw1", "role": "WORKSPACE_OWNER"}],
          "deployment_roles": [{"deployment_id": "cd1", "role": "DEPLOYMENT_ADMIN"}],
          "dag_roles": [{"deployment_id": "cd1", "dag_id": "nightly", "dag_tag": None, "role": "DAG_VIEWER"}]},
         {"id": "ctadm", "name": "admins", "organization_role": "ORGANIZATION_OWNER", "workspace_roles": [], "deployment_roles": []}]
USERS = [{"id": "cugrace", "email": "grace@acme.example", "organization_role": "ORGANIZATION_MEMBER",
          "workspace_roles": [{"workspace_id": "cw2", "role": "WORKSPACE_OWNER"}], "deployment_roles": []},
         {"id": "cukat", "email": "kat@acme.example", "organization_role": "ORGANIZATION_MEMBER", "workspace_roles": [], "deployment_roles": []}]


def who(found, workspace):
    return [(r["kind"], r["subject"], r["role"], r["through"], r["flags"]) for r in found["access"] if r["workspace_id"] == workspace]


def test_who_can_touch_each_workspace_lists_tokens_teams_users_and_organization_owners():
    found = token_audit(TOKENS, LOOKUP2, now=NOW, teams=TEAMS, users=USERS)
    assert who(found, "cw1") == [
        ("token", "ci", "ORGANIZATION_OWNER", "Organization role (every Workspace)", []),
        ("token", "ci", "WORKSPACE_AUTHOR", "Workspace role", []),
        ("token", "ci", "DEPLOYMENT_ADMIN", "Deployment role on etl", []),
        ("token", "ci", "DAG_AUTHOR", "DAG role on nightly of Deployment etl", []),
        ("token", "ci", "DAG_VIEWER", "DAG_TAG role on finance of Deployment etl", []),
        ("team", "admins", "ORGANIZATION_OWNER", "Organization role (every Workspace)", []),
        ("team", "engineers", "WORKSPACE_OWNER", "Workspace role", []),
        ("team", "engineers", "DEPLOYMENT_ADMIN", "Deployment role on etl", []),
        ("team", "engineers", "DAG_VIEWER", "DAG role on nightly of Deployment etl", []),
    ]
    # bi: only the Organization owners and grace, who owns it in person (kat holds no role: she is in no Workspace).
    assert who(found, "cw2") == [("token", "ci", "ORGANIZATION_OWNER", "Organization role (every Workspace)", []),
                                 ("team", "admins", "ORGANIZATION_OWNER", "Organization role (every Workspace)", []),
                                 ("user", "grace@acme.example", "WORKSPACE_OWNER", "Workspace role", ["individual owner"])]
    summary = found["summary"]
    assert (summary["teams"], summary["users"], summary["individual_owners"]) == (2, 2, ["grace@acme.example in bi"])
    assert "individual owner" in token_audit(TOKENS, LOOKUP2, now=NOW, teams=TEAMS, users=USERS, fail_on=["individual owner"])["failure"]
    assert not token_audit(TOKENS, LOOKUP2, now=NOW, teams=TEAMS, fail_on=["individual owner"])["failure"], "a team owner is no finding"


def test_the_access_table_escapes_every_name():
    found = token_audit([], LOOKUP2, now=NOW, teams=[dict(TEAMS[1], name="x|y\n| evil | row")], users=[])
    access = found["markdown"].split("## Who can touch each Workspace")[1]
    table = [line for line in access.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 2, table
    assert all(line.count("|") - line.count("\\|") == len(ACCESS_COLUMNS) + 1 for line in table), table


def test_the_access_rows_by_workspace_are_one_line_each():
    found = token_audit(TOKENS, LOOKUP2, now=NOW, teams=TEAMS, users=USERS)
    assert found["access_by_workspace"]["cw2"] == {"workspace": "bi", "subjects": [
        "token ci (ct1): ORGANIZATION_OWNER, Organization role (every Workspace)",
        "team admins (ctadm): ORGANIZATION_OWNER, Organization role (every Workspace)",
        "user grace@acme.example (cugrace): WORKSPACE_OWNER, Workspace role; individual owner"]}
    assert sum(len(w["subjects"]) for w in found["access_by_workspace"].values()) == len(found["access"])
