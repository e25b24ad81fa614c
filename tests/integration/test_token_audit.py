# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/token_audit.yml as AWX runs it (ansible-runner, by FQCN from the installed collection): its JSON report,
its set_stats artifacts, its default report directory, the astro_audit_fail_on gate, and reports that token names
cannot spoof."""

from __future__ import annotations

import copy
import csv
import json
import re
import sys
from pathlib import Path

import ansible_runner
import pytest
import yaml

VENV_BIN = Path(sys.executable).parent
COLUMNS = ["token", "token_id", "scope", "role", "on", "workspace", "deployment", "dag", "expires", "last_used", "flags"]
# Names a token can be given through the API, each trying to break out of its cell of the Markdown or CSV report.
HOSTILE_NAMES = [
    "fake-row\n| evil | x | ORGANIZATION | ORGANIZATION_OWNER | ORGANIZATION | - | - | - | never | never | - |",
    "pipe | ORGANIZATION_OWNER",
    "<!-- the rest is hidden",
    "=HYPERLINK(\"https://evil.example\",\"click\")",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTAB=1",
    "\rCR=1",
    "carriage\r\nreturn",
    "[click](https://evil.example) **bold** ~~gone~~ `code` trailing\\",
    "right-to-left \u202eevil",
]


def audit_private_dir(tmp_path, installed_collection, emulator, extravars=None):
    """A private data directory as AWX writes it for the audit job template: credential env, no project playbook."""
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "env").mkdir()
    (private / "env" / "envvars").write_text(yaml.safe_dump({
        "ASTRO_API_URL": emulator.api_url, "ASTRO_API_TOKEN": emulator.caller_secret,
        "ASTRO_ORGANIZATION_ID": emulator.organization_id,
        "ANSIBLE_COLLECTIONS_PATH": str(installed_collection), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "PATH": "{0}:/usr/bin:/bin".format(VENV_BIN),
        # The directory the job starts from; in an execution environment this is /runner.
        "PWD": str(private),
    }))
    if extravars is not None:
        (private / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    return private


def run_audit(private):
    run = ansible_runner.run(private_data_dir=str(private), playbook="astro.platform.token_audit", quiet=True, timeout=300)
    return run, run.stdout.read()


def stats_artifacts(private, run):
    """The set_stats data as AWX reads it: artifact_data of the playbook_on_stats event in artifacts/<id>/job_events."""
    events = [json.loads(path.read_text()) for path in (private / "artifacts" / run.config.ident / "job_events").glob("*.json")]
    stats = [event for event in events if event.get("event") == "playbook_on_stats"]
    assert len(stats) == 1, [event.get("event") for event in events]
    return stats[0]["event_data"].get("artifact_data")


def test_audit_by_fqcn_through_ansible_runner_writes_json_and_hands_rows_and_summary_to_the_job(
        emulator, seed, installed_collection, tmp_path):
    private = audit_private_dir(tmp_path, installed_collection, emulator)
    run, stdout = run_audit(private)
    assert run.status == "successful" and run.rc == 0, stdout
    # Default directory: astro-reports/ where the job started, not the read-only installed collection.
    reports = private / "astro-reports"
    assert sorted(p.name for p in reports.iterdir()) == ["token_audit.csv", "token_audit.json", "token_audit.md"]
    assert not list(installed_collection.rglob("token_audit.json"))
    report = json.loads((reports / "token_audit.json").read_text())
    summary = report["summary"]
    assert summary["tokens"] == len(seed.data["tokens"]) and summary["role_assignments"] == len(report["rows"])
    assert summary["organization"] == seed.organization
    assert summary["never_used"] == ["never-used-reader"]
    assert "never-used-reader" in summary["never_expires"]
    assert summary["reports"] == {kind: str(reports / ("token_audit." + ext)) for kind, ext in
                                  (("markdown", "md"), ("csv", "csv"), ("json", "json"))}
    with open(reports / "token_audit.csv", newline="") as handle:
        assert [[row[c] for c in COLUMNS[:4]] for row in csv.DictReader(handle)] == [
            [row[c] for c in COLUMNS[:4]] for row in report["rows"]]
    # What AWX keeps as the job's artifacts (and passes to a workflow's next node): the same rows and summary.
    artifacts = stats_artifacts(private, run)
    access = artifacts.pop("astro_audit_access")
    assert artifacts == {"astro_audit_summary": summary, "astro_audit_rows": report["rows"]}
    # Who can touch each Workspace, one line per access row of the report, by Workspace ID.
    assert {workspace_id: len(found["subjects"]) for workspace_id, found in access.items()} == {
        workspace_id: sum(1 for row in report["access"] if row["workspace_id"] == workspace_id)
        for workspace_id in {row["workspace_id"] for row in report["access"]}}
    assert emulator.control.writes() == []
    # ansible-runner keeps the job's whole environment in artifacts/<id>/command (docs/awx.md says so): the API token
    # is there, in env, and nowhere else, not in the command line, the events, the stdout or the reports.
    command = json.loads((private / "artifacts" / run.config.ident / "command").read_text())
    assert command["env"]["ASTRO_API_TOKEN"] == emulator.caller_secret
    assert emulator.caller_secret not in json.dumps(command["command"])
    everything = stdout + "".join(p.read_text(errors="replace") for p in (private / "artifacts").rglob("*")
                                  if p.is_file() and p.name != "command")
    everything += "".join(p.read_text() for p in reports.iterdir())
    for secret in [emulator.caller_secret] + [token["secret"] for token in seed.data["tokens"] if token.get("secret")]:
        assert secret not in everything


def test_audit_fails_the_run_on_a_named_finding_after_writing_its_reports(emulator, installed_collection, tmp_path):
    private = audit_private_dir(tmp_path, installed_collection, emulator,
                                {"astro_audit_fail_on": ["never used", "owner/admin role"], "astro_audit_dir": str(tmp_path / "gate")})
    run, stdout = run_audit(private)
    assert run.status == "failed" and run.rc != 0, stdout
    assert 'The token audit found "never used", "owner/admin role" (astro_audit_fail_on): never used: ["never-used-reader"].' in stdout
    assert (tmp_path / "gate" / "token_audit.json").is_file()
    assert stats_artifacts(private, run)["astro_audit_summary"]["never_used"] == ["never-used-reader"]


@pytest.mark.parametrize("fail_on", [["never-used"], "never used", {"never used": True}])
def test_audit_rejects_an_unknown_finding_before_calling_the_api(emulator, installed_collection, tmp_path, fail_on):
    private = audit_private_dir(tmp_path, installed_collection, emulator, {"astro_audit_fail_on": fail_on})
    emulator.control.clear_log()
    run, stdout = run_audit(private)
    assert run.status == "failed", stdout
    assert "astro_audit_fail_on must be a list of findings out of " in stdout
    assert '["never expires", "expired", "never used", "owner/admin role", "individual owner"], got {0}'.format(json.dumps(fail_on)) in stdout
    assert emulator.control.requests() == []
    assert not (private / "astro-reports").exists()


def unescaped_pipes(line):
    return len(re.findall(r"(?<!\\)(?:\\\\)*\|", line))


def test_token_names_cannot_spoof_the_markdown_or_csv_report(ansible, emulator, demo_seed, installed_collection, tmp_path):
    hostile_seed = copy.deepcopy(demo_seed)
    for token, name in zip(hostile_seed["tokens"], HOSTILE_NAMES):
        token["name"] = name
    emulator.control.reset(hostile_seed)
    reports = tmp_path / "reports"
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_audit.yml"
    run = ansible.run(playbook=playbook, extra_vars={"astro_audit_dir": str(reports)}, verbosity=0)
    assert run.rc == 0, run.output
    rows = json.loads((reports / "token_audit.json").read_text())["rows"]
    assert {row["token"] for row in rows} >= set(HOSTILE_NAMES[:len(hostile_seed["tokens"])])

    # CSV: one record per row, each name read back exactly, none a formula.
    with open(reports / "token_audit.csv", newline="") as handle:
        records = list(csv.reader(handle))
    assert records[0] == COLUMNS and len(records) == len(rows) + 1
    for record, row in zip(records[1:], rows):
        assert len(record) == len(COLUMNS), record
        assert record[0] == ("'" + row["token"] if row["token"][:1] in "=+-@\t\r" else row["token"])
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in record), record

    # Markdown: one table line per row, with exactly the table's 12 cell borders; no HTML comment, no link, no new line;
    # the same in the table of who can touch each Workspace (9 borders), where the token names are again.
    markdown = (reports / "token_audit.md").read_text()
    tokens_part, access_part = markdown.split("## Who can touch each Workspace")
    table = [line for line in tokens_part.splitlines() if line.startswith("|")]
    assert len(table) == len(rows) + 2, markdown
    assert all(unescaped_pipes(line) == len(COLUMNS) + 1 for line in table), markdown
    access = json.loads((reports / "token_audit.json").read_text())["access"]
    table = [line for line in access_part.splitlines() if line.startswith("|")]
    assert len(table) == len(access) + 2 and all(unescaped_pipes(line) == 9 for line in table), access_part
    assert "<!--" not in markdown and "](" not in markdown.replace("\\](", "") and "\u202e" not in markdown
    body = markdown.split("| --- |", 1)[1]
    assert "fake-row\\u000a\\| evil" in body and "\\u000d" in body


@pytest.mark.parametrize("core", [None, "2.16"])
def test_a_rerun_over_an_unchanged_organization_changes_nothing(ansible, emulator, demo_seed, installed_collection, tmp_path, core):
    """Each report is written only when its content changed ("Write the JSON report" was changed on every re-run);
    a DAG_TAG role names its Deployment and Workspace, as a DAG role does."""
    tagged = copy.deepcopy(demo_seed)
    deployment = tagged["deployments"][0]
    holder = next(t for t in tagged["tokens"] if t["scope"] == "ORGANIZATION")
    holder["roles"].append({"entityType": "DAG_TAG", "entityId": "finance", "deploymentId": deployment["id"], "role": "DAG_VIEWER"})
    emulator.control.reset(tagged)
    reports = tmp_path / "reports"
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_audit.yml"
    first = ansible.run(playbook=playbook, extra_vars={"astro_audit_dir": str(reports)}, verbosity=0, core=core)
    assert first.rc == 0, first.output
    again = ansible.run(playbook=playbook, extra_vars={"astro_audit_dir": str(reports)}, verbosity=0, core=core)
    assert again.rc == 0, again.output
    assert again.changed_tasks == [], again.changed_tasks
    rows = json.loads((reports / "token_audit.json").read_text())["rows"]
    [row] = [r for r in rows if r["on"] == "DAG_TAG"]
    workspace = next(w["name"] for w in tagged["workspaces"] if w["id"] == deployment["workspaceId"])
    assert (row["token"], row["workspace"], row["deployment"], row["dag"]) == (holder["name"], workspace, deployment["name"], "finance")
