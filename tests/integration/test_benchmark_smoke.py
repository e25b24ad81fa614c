# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench` in small: the benchmark's own functions on a fresh emulator with a small organization.

Per-operation request counts must equal the minimum (by name: the Workspace look-up, one token page,
then read, write and verifying read; a no-op reads once), the onboarding role must cost exactly its
look-ups plus one edit per token (with, on the first run, one ID look-up of the token's new Workspaces or
Deployments), whatever the number of Workspaces and on both paths (one host per Workspace, localhost), and
put every declared role in place, and its idempotent re-run must not write. The inventory plugin lists
Workspaces and Deployments in the fewest pages and, with its cache, makes no request the second time. The
report, its targets and the plot are written from those rows. Nothing here judges seconds: a loaded machine
must not fail the gate, and speed is what `make bench` reports.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / filename)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench_run = _load("astro_bench_run", "run.py")
seedgen = bench_run.seedgen

WORKSPACES = 2


@pytest.fixture
def small_org():
    data = seedgen.generate(tokens=150, workspaces=3, deployments_per_workspace=4, custom_roles=3)
    # As the benchmark runs it: no rate limits, so that the requests counted are the collection's own.
    emulator = bench_run.Emulator(seed=data, validate_contract=True, rate_limits=False)
    emulator.start()
    yield emulator, data
    violations = emulator.control.violations()
    emulator.stop()
    assert not violations, violations


@pytest.mark.slow
@pytest.mark.xdist_group("benchmark")
def test_benchmark_smoke(installed_collection, small_org, tmp_path):
    emulator, data = small_org
    bench = bench_run.Bench(emulator, installed_collection, tmp_path, forks=WORKSPACES)

    ops = bench_run.measure_operations(bench, data, by_kinds=("name",), only={"workspace_org_token"})
    assert [r["operation"] for r in ops] == ["add", "update", "no-op", "remove"]
    n_org = sum(1 for t in data["tokens"] if t["scope"] == "ORGANIZATION")
    assert [r["minimum"] for r in ops] == [1 + bench_run.pages(n_org) + m for m in (3, 3, 1, 3)]
    assert [(r["operation"], r["requests"]) for r in ops] == [(r["operation"], r["minimum"]) for r in ops]
    assert [r["writes"] for r in ops] == [1, 1, 0, 1]

    people = bench_run.measure_people(bench, data)
    assert [(r["module"], r["operation"]) for r in people] == [
        (module, op) for module in ("team_roles", "user_roles") for op in ("add a Workspace + a Deployment role", "no-op", "remove both")]
    assert [(r["module"], r["operation"], r["requests"]) for r in people] == [(r["module"], r["operation"], r["minimum"]) for r in people]
    assert [r["writes"] for r in people] == [1, 0, 1, 1, 0, 1]

    first, again = bench_run.onboard(bench, data, "role", WORKSPACES, runs=2)
    tokens = 5                     # 3 Organization tokens + 2 tokens on the Deployments, the same in every Workspace
    lookup = 2                     # deployment_info: one page of Workspaces, one of Deployments
    custom_lookups = 1             # one custom-role list, with the Workspaces and Deployments, for all the entries
    token_list = 1                 # the tokens declared by name, resolved once for all (one page of every token)
    per_token_change = 3           # read, write, verifying read (by ID): once per token, for all Workspaces
    per_token_noop = 1             # read
    # The first run gives each token its first roles, with no look-up of the Workspaces and Deployments: the plan
    # found them in deployment_info's listing.
    assert first["roles_held"] == first["roles_declared"] == WORKSPACES * (3 + 2 * 4)
    assert first["writes"] == tokens
    assert first["requests"] == lookup + custom_lookups + token_list + tokens * per_token_change
    assert again["writes"] == 0 and again["changed_tasks"] == 0
    assert again["requests"] == lookup + custom_lookups + token_list + tokens * per_token_noop
    assert again["roles_held"] == again["roles_declared"]
    assert [first["requests"], again["requests"]] == [bench_run.onboarding_minimum(data, WORKSPACES, run) for run in ("first", "re-run")]

    # Localhost mode, first run only (the re-run above already checks idempotence): the same requests and roles.
    on_localhost = bench_run.onboard(bench, data, "role localhost", WORKSPACES, runs=1)
    assert [(r["requests"], r["writes"], r["roles_held"]) for r in on_localhost] == [(first["requests"], first["writes"], first["roles_held"])]
    assert on_localhost[0]["per_workspace"] == pytest.approx(on_localhost[0]["seconds"] / WORKSPACES, abs=0.06)

    rows = [first, again] + on_localhost
    checks = {name: met for name, _, met in bench_run.scale_targets(rows, data, large=WORKSPACES, small=WORKSPACES)}
    assert checks["one host per Workspace, re-run: requests = minimum at every size"]
    assert checks["localhost mode, first: requests = minimum at every size"]
    assert not bench_run.scale_targets(rows, data, large=1000, small=WORKSPACES)[0][2], "a size not measured cannot meet a target"
    _write_report(data, rows, tmp_path / "results")


def _write_report(data, onboarding, output):
    """The report, CSV and plot from measured rows (a skipped size listed as such)."""
    meta = dict(date="today", machine="here", nproc=2, python="3", ansible="2", forks=WORKSPACES, tokens=len(data["tokens"]),
                workspaces=len(data["workspaces"]), deployments=len(data["deployments"]), custom_roles=len(data["custom_roles"]),
                total=1.0, command="smoke")
    checks = bench_run.scale_targets(onboarding, data, large=WORKSPACES, small=WORKSPACES)
    bench_run.write_results(dict(meta=meta, ops=[], lookups=[], inventory=[], profile=None, onboarding=onboarding,
                                 skipped=[(1000, "uri", 2000.0, "over budget")], checks=checks), output)
    report = (output / "latest.md").read_text()
    assert "## Seconds per Workspace" in report and "| 1000 | uri | skipped |" in report
    assert (output / "latest.png").stat().st_size > 0


@pytest.mark.slow
@pytest.mark.xdist_group("benchmark")
def test_benchmark_inventory_sync_and_cache(installed_collection, small_org, tmp_path):
    emulator, _ = small_org
    bench = bench_run.Bench(emulator, installed_collection, tmp_path)
    rows = bench_run.measure_inventory(bench, workspaces=3, deployments_per_workspace=2)
    assert [(r["run"], r["hosts"], r["requests"], r["minimum"]) for r in rows] == [
        ("sync, no cache", 9, 2, 2), ("sync, cache enabled and empty", 9, 2, 2), ("again, from the cache", 9, 0, 0)]
    # Whether a sync is fast enough is the benchmark's to say, on a quiet machine: here the targets are only well formed,
    # each naming what it measured.
    targets = bench_run.inventory_targets(rows)
    assert len(targets) == len(rows)
    for (target, measured, met), row in zip(targets, rows):
        assert isinstance(met, bool) and "{0} requests".format(row["requests"]) in measured and target, (target, measured)


def test_a_size_is_skipped_when_its_estimate_exceeds_the_budget():
    assert bench_run.estimate({}, 100) == 0
    assert bench_run.estimate({10: 10.0}, 100) == pytest.approx(110.0)               # one size: linear
    assert bench_run.estimate({10: 10.0, 20: 40.0}, 40) == pytest.approx(176.0)      # quadratic growth stays quadratic
    assert bench_run.estimate({10: 10.0, 20: 12.0}, 40) == pytest.approx(26.4)       # never below linear
    args = bench_run.parse_args(["--budget", "0", "--main-size", "10"])
    rows, skipped = bench_run.run_onboarding(None, None, [10, 100], args, started=0)
    assert rows == [] and [(size, approach) for size, approach, _, _ in skipped] == [
        (10, "role"), (100, "role"), (10, "role localhost"), (100, "role localhost"), (10, "uri"), (100, "uri"), (10, "uri serial")]
    assert "exceed the --budget" in skipped[0][3] and skipped[1][3] == "a smaller size was skipped"


def test_the_uri_playbook_stops_at_its_largest_size_and_a_failed_run_is_reported_not_fatal(monkeypatch):
    ran = []

    def onboard(bench, data, approach, size, runs):
        ran.append((size, approach))
        if approach == "role localhost":
            raise RuntimeError("ansible-playbook failed (exit 2):\nmore")
        return [dict(approach=approach, workspaces=size, run="first", seconds=1.0, per_workspace=1.0 / size, requests=1)]
    monkeypatch.setattr(bench_run, "onboard", onboard)
    args = bench_run.parse_args(["--uri-max-size", "10", "--main-size", "10"])
    rows, skipped = bench_run.run_onboarding(None, None, [10, 100], args, started=time.monotonic())
    assert ran == [(10, "role"), (100, "role"), (10, "role localhost"), (10, "uri"), (10, "uri serial")]
    assert [(size, approach, why) for size, approach, _, why in skipped] == [
        (10, "role localhost", "failed: ansible-playbook failed (exit 2):"), (100, "role localhost", "a smaller size was skipped"),
        (100, "uri", "the uri playbook runs up to --uri-max-size 10 Workspaces")]
    assert len(rows) == 4


@pytest.mark.slow
@pytest.mark.xdist_group("benchmark")
def test_benchmark_api_token_rows_are_at_the_minimum(installed_collection, small_org, tmp_path):
    emulator, data = small_org
    bench = bench_run.Bench(emulator, installed_collection, tmp_path, forks=1)
    rows = bench_run.measure_api_token(bench, data)
    n_org = sum(1 for t in data["tokens"] if t["scope"] == "ORGANIZATION")
    assert [r["operation"] for r in rows] == ["create", "update", "no-op", "rotate", "delete"]
    assert [r["writes"] for r in rows] == [1, 1, 0, 1, 1]
    assert [r["minimum"] for r in rows] == [bench_run.pages(n_org) + w for w in (1, 1, 0, 1, 1)]
    assert [r["requests"] for r in rows] == [r["minimum"] for r in rows]
    assert [r["changed"] for r in rows] == [True, True, False, True, True]


def test_a_run_rewrites_only_the_readme_figures_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n{0}\nold figures\n{1}\noutro\n".format(bench_run.README_START, bench_run.README_END))
    report = "# astro.platform benchmark\n\nMeasured today on here.\n\n## Requests per operation\n\n| ops |\n\n" \
             "## Onboarding (3 + 2)\n\n| onboarding |\n\n## By-name lookup\n\n| lookups |\n\n## Targets\n\n| targets |\n"
    assert bench_run.update_readme(report, readme)
    assert readme.read_text() == ("intro\n{0}\nMeasured today on here.\n\n### Onboarding (3 + 2)\n\n| onboarding |\n\n"
                                  "### Targets\n\n| targets |\n{1}\noutro\n").format(bench_run.README_START, bench_run.README_END)
    readme.write_text("no markers\n")
    assert not bench_run.update_readme(report, readme)


@pytest.mark.slow
@pytest.mark.xdist_group("benchmark")
def test_benchmark_audit_rows_are_at_the_minimum_and_a_rerun_changes_nothing(installed_collection, small_org, tmp_path):
    emulator, _data = small_org
    bench = bench_run.Bench(emulator, installed_collection, tmp_path, forks=1)
    rows = bench_run.measure_audit(bench, [40])
    assert [(r["tokens"], r["run"]) for r in rows] == [(40, "first"), (40, "re-run")]
    # One list page each of tokens, Workspaces, Deployments, teams and users.
    assert [r["requests"] for r in rows] == [r["minimum"] for r in rows] == [5, 5]
    assert [r["changed_tasks"] for r in rows] == [2, 0], "the first run makes the report directory and writes the reports"
    checks = bench_run.audit_targets(rows)
    assert [met for _name, _measured, met in checks] == [True] * len(checks)
    assert "| 40 | re-run |" in "\n".join(bench_run.markdown_audit(rows))
