#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench`: API requests and wall time of astro.platform against the emulator, side by side.

1. Per operation (add, update, no-op, remove, list; by ID and by name): requests read from the
   emulator's request log, against the minimum and against the Astro CLI's pattern (a formula of n).
2. Onboarding N Workspaces (3 Organization tokens + 2 tokens on 4 Deployments each): the collection's
   playbook and role with one inventory host per Workspace and on localhost, first and idempotent run, at
   10 to 2 000 Workspaces; an ansible.builtin.uri playbook at the sizes that fit the time budget.
3. Scaling: seconds per Workspace at each size; by-name lookups at 100, 1 000, 10 000 tokens.
4. The inventory plugin at 1 000 Workspaces and 4 000 Deployments: a sync, and a run from its cache.
5. Lost role edits between 2 and 4 jobs at once that share no lock directory, every write delayed at random
   0.2-3 s, with and without the settle check and with a shared lock directory (benchmarks/lost_updates.py).
Plus the per-task overhead of one module run. Everything printed is measured in this run.
Writes benchmarks/results/latest.{md,csv,png}.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
for extra in (REPO / "tools", BENCH_DIR):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import lost_updates  # noqa: E402
import seed as seedgen  # noqa: E402
from astro_emulator import Emulator  # noqa: E402
from harness.paths import playbook_env  # noqa: E402

BIN = Path(sys.executable).parent
ROLE_PLAYBOOK = REPO / "playbooks" / "onboard_workspaces.yml"
AUDIT_PLAYBOOK = REPO / "playbooks" / "token_audit.yml"
README = REPO / "README.md"
# The README's benchmark figures are rewritten by every run, between these markers, so they are never typed in.
README_START, README_END = "<!-- make bench: start -->", "<!-- make bench: end -->"
URI_PLAYBOOK = BENCH_DIR / "onboard_uri.yml"
PAGE = 1000      # the collection's page size (largest the API allows)
CLI_PAGE = 100   # the Astro CLI pages tokens by 100


def pages(n, size=PAGE):
    return max(1, math.ceil(n / size))


class Bench:
    """Runs ansible against one emulator with one installed collection, and reads the request log."""

    def __init__(self, emulator, collections_path, workdir, forks=10):
        self.emu = emulator
        self.collections_path = Path(collections_path)
        self.workdir = Path(workdir)
        self.forks = forks
        self._n = 0

    def env(self, extra=None):
        api_env = dict(ASTRO_API_URL=self.emu.api_url, ASTRO_ORGANIZATION_ID=self.emu.organization_id,
                       ASTRO_API_TOKEN=self.emu.caller_secret)
        return playbook_env(self.collections_path, self.workdir, api_env, ANSIBLE_DEPRECATION_WARNINGS="0", **(extra or {}))

    def run(self, argv, timeout=1800, env=None):
        started = time.monotonic()
        done = subprocess.run([str(a) for a in argv], cwd=self.workdir, env=self.env(env), capture_output=True, text=True,
                              timeout=timeout, check=False)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError("{0} failed (exit {1}):\n{2}\n{3}".format(argv[0], done.returncode, done.stdout[-4000:], done.stderr[-3000:]))
        return seconds, done.stdout

    def playbook(self, playbook, inventory=None, extra_vars=None, forks=None):
        argv = [BIN / "ansible-playbook", playbook]
        if inventory:
            argv += ["-i", inventory]
        if extra_vars:
            argv += ["-e", json.dumps(extra_vars)]
        argv += ["--forks", forks or self.forks]
        seconds, out = self.run(argv)
        changed = sum(int(n) for n in re.findall(r"\bchanged=(\d+)", out))
        return seconds, changed

    def task_playbook(self, module, args):
        self._n += 1
        path = self.workdir / "op-{0:03d}.yml".format(self._n)
        path.write_text(yaml.safe_dump([{"name": "one operation", "hosts": "localhost", "gather_facts": False,
                                         "tasks": [{"name": "op", module: args}]}], sort_keys=False))
        return path

    def log(self):
        entries = self.emu.control.requests()
        return dict(requests=len(entries), reads=sum(1 for e in entries if not e["is_write"]),
                    writes=sum(1 for e in entries if e["is_write"]),
                    errors=sum(1 for e in entries if (e.get("status") or 0) >= 400),
                    refused=sum(1 for e in entries if e.get("status") == 429))


# -- 1. per operation -------------------------------------------------------------------------------


def measure_operations(bench, data, by_kinds=("id", "name"), only=None):
    """Every operation as a one-task playbook on the big organization; requests from the request log.

    only: a set of module names to measure (default all four).
    """
    bench.emu.control.reset()
    names = {w["name"]: w["id"] for w in data["workspaces"]}
    rows = []
    for by, ws_name in zip(by_kinds, ("ws-199", "ws-198")):
        ws_name = ws_name if ws_name in names else data["workspaces"][-1 if by == "id" else -2]["name"]
        where = operation_targets(data, by, ws_name, names[ws_name])
        for step in edit_plan(data, by, where["ws_id"]):
            if only is None or step[0] in only:
                rows.append(measure_edit(bench, where, *step))
        if only is None or "token_info" in only:
            rows += measure_listings(bench, where)
    return rows


def operation_targets(data, by, ws_name, ws_id):
    """The token, Workspace and Deployment one pass of measure_operations edits, given by ID or by name, and what
    finding them by name costs (name look-ups of the Workspace and Deployment, pages of Organization tokens)."""
    token = next(t for t in data["tokens"] if t["name"] == seedgen.OP_TOKEN)
    dep = next(d for d in data["deployments"] if d["workspaceId"] == ws_id)
    n_org = sum(1 for t in data["tokens"] if t["scope"] == "ORGANIZATION")
    where = dict(by=by, token=token, ws_id=ws_id, dep=dep, n_org=n_org)
    if by == "id":
        return dict(where, who={"token_id": token["id"]}, ws={"workspace_id": ws_id},
                    dep_args={"workspace_id": ws_id, "deployment_id": dep["id"]}, lookups_ws=0, lookups_dep=0, token_pages=0)
    return dict(where, who={"token_name": token["name"]}, ws={"workspace_name": ws_name},
                dep_args={"workspace_name": ws_name, "deployment_name": dep["name"]}, lookups_ws=1, lookups_dep=2,
                token_pages=pages(n_org))


def edit_plan(data, by, ws_id):
    """(module, operation, arguments, base requests, role look-ups, ID look-ups) of each measured edit."""
    custom = data["custom_roles"][1]["name"]
    other_ws = data["workspaces"][0]["id"]
    deps = [d["id"] for d in data["deployments"] if d["workspaceId"] == ws_id][:2]

    def several(state):
        """token_roles: roles in two Workspaces and on two Deployments, in one edit."""
        extra = {"role": "WORKSPACE_MEMBER"} if state == "present" else {}
        return dict(workspace_roles=[dict(workspace_id=w, state=state, **extra) for w in (ws_id, other_ws)],
                    deployment_roles=[dict(deployment_id=d, state=state, **({"role": "DEPLOYMENT_ADMIN"} if extra else {}))
                                      for d in deps])
    # A first role on a Workspace or Deployment given by ID needs its look-up (one per kind): an entity found by
    # its name needs none, a changed, kept or removed role none.
    first_by_id = 1 if by == "id" else 0
    return [
        ("workspace_org_token", "add", dict(role="WORKSPACE_MEMBER"), 3, 0, first_by_id),
        ("workspace_org_token", "update", dict(role="WORKSPACE_AUTHOR"), 3, 0, 0),
        ("workspace_org_token", "no-op", dict(role="WORKSPACE_AUTHOR"), 1, 0, 0),
        ("workspace_org_token", "remove", dict(state="absent"), 3, 0, 0),
        ("deployment_token", "add", dict(role=custom, token_scope="organization"), 3, 1, first_by_id),
        ("deployment_token", "update", dict(role="DEPLOYMENT_ADMIN", token_scope="organization"), 3, 0, 0),
        ("deployment_token", "no-op", dict(role="DEPLOYMENT_ADMIN", token_scope="organization"), 1, 0, 0),
        ("deployment_token", "remove", dict(state="absent", token_scope="organization"), 3, 0, 0),
        ("token_roles", "add 2 Workspace + 2 Deployment roles", several("present"), 3, 0, 2),
        ("token_roles", "no-op 2 + 2", several("present"), 1, 0, 0),
        ("token_roles", "remove 2 + 2", several("absent"), 3, 0, 0),
    ]


def measure_edit(bench, where, module, op, args, base, role_lookup, entity_lookups):
    """One row: run the edit as a one-task playbook, count its requests, compare with the minimum and the CLI."""
    emu, by, token, n_org = bench.emu, where["by"], where["token"], where["n_org"]
    entity, lookups = {"workspace_org_token": (where["ws"], where["lookups_ws"]),
                       "deployment_token": (where["dep_args"], where["lookups_dep"]),
                       "token_roles": ({}, 0)}[module]  # token_roles takes entity IDs: only the token has a name
    path = bench.task_playbook("astro.platform." + module, dict(where["who"], **entity, **args))
    diff_names = name_lookups(emu.control.state(), token["id"], module, args, where["ws_id"], where["dep"]["id"], by,
                              entity_lookups) if base > 1 else 0
    emu.control.clear_log()
    seconds, changed = bench.playbook(path, forks=1)
    got = bench.log()
    minimum = base + lookups + where["token_pages"] + role_lookup + entity_lookups + diff_names
    commands = 4 if module == "token_roles" else 1  # the CLI runs one command per role
    return dict(module=module, operation=op, by=by, requests=got["requests"], writes=got["writes"], minimum=minimum,
                minimum_formula=_min_formula(base, lookups, where["token_pages"], role_lookup, entity_lookups=entity_lookups,
                                             name_lookups=diff_names),
                cli=commands * (pages(n_org, CLI_PAGE) + 2),
                cli_formula=("4 × (⌈{0}/100⌉+2)" if commands > 1 else "⌈{0}/100⌉+2").format(n_org) + " (list, GET, POST)",
                n=n_org, changed=changed > 0, seconds=seconds)


def measure_listings(bench, where):
    """token_info for the Workspace (Organization tokens) and for the Deployment: requests against list pages."""
    emu, ws_id, dep_id = bench.emu, where["ws_id"], where["dep"]["id"]
    state = emu.control.state()
    rows = []
    for args, (scope, entity), lookups in (
            (dict(where["ws"], scope="organization"), ("ORGANIZATION", ws_id), where["lookups_ws"]),
            (where["dep_args"], (None, dep_id), where["lookups_dep"])):
        n = sum(1 for t in _state_tokens(state) if (scope is None or t["scope"] == scope)
                and any(r["entityId"] == entity for r in t["roles"]))
        path = bench.task_playbook("astro.platform.token_info", args)
        emu.control.clear_log()
        seconds, changed = bench.playbook(path, forks=1)
        got = bench.log()
        rows.append(dict(module="token_info", operation="list " + ("Workspace" if scope else "Deployment"), by=where["by"],
                         requests=got["requests"], writes=got["writes"], minimum=lookups + pages(n),
                         minimum_formula=_min_formula(0, lookups, pages(n), 0, listing=True),
                         cli=pages(n, CLI_PAGE), cli_formula="⌈{0}/100⌉ (list)".format(n), n=n,
                         changed=changed > 0, seconds=seconds))
    return rows


def people_plan(ws_id, dep_id):
    """(operation, arguments, minimum requests after finding the subject, formula) of each measured team or user edit.

    Minimum after the subject's list page: its read; on a change, one look-up per kind whose names the diff shows or
    that gets a first role (the Deployment's also names its Workspace, so a removal needs only that one), the write of
    the whole role set and the verifying read.
    """
    both = lambda state, **role: dict(workspace_roles=[dict(workspace_id=ws_id, state=state, **({"role": "WORKSPACE_MEMBER"} if role else {}))],
                                      deployment_roles=[dict(deployment_id=dep_id, state=state, **role)])
    return [
        ("add a Workspace + a Deployment role", both("present", role="DEPLOYMENT_ADMIN"), 5, "read, 2 look-ups, write, verify"),
        ("no-op", both("present", role="DEPLOYMENT_ADMIN"), 1, "read"),
        ("remove both", both("absent"), 4, "read, 1 look-up, write, verify"),
    ]


def measure_people(bench, data):
    """team_roles (a team by name) and user_roles (a user by e-mail): a Workspace and a Deployment role of one subject,
    given in one write, then a no-op, then both removed; the entities by ID.

    Minimum: the subject's list page (the team's by its name, ⌈users/1000⌉ for an e-mail: the API has no e-mail
    filter), then what people_plan says. The Astro CLI runs one command per role (SEMANTICS.md "Teams and users"):
    `GET /teams/{id}` and `POST` its whole set for a team given by ID; `GET /users` by 100 to find the e-mail, `GET`
    the user and `POST` for a user; a no-op still writes.
    """
    emu = bench.emu
    emu.control.reset()
    ws_id = data["workspaces"][-1]["id"]
    dep_id = next(d["id"] for d in data["deployments"] if d["workspaceId"] == ws_id)
    n_users = len(data["users"])
    rows = []
    for module, who, listed in (("team_roles", {"team_name": seedgen.OP_TEAM["name"]}, 1),
                                ("user_roles", {"email": seedgen.OP_USER_EMAIL}, pages(n_users))):
        n = 1 if module == "team_roles" else n_users
        for op, args, after_list, formula in people_plan(ws_id, dep_id):
            path = bench.task_playbook("astro.platform." + module, dict(who, **args))
            emu.control.clear_log()
            seconds, changed = bench.playbook(path, forks=1)
            got = bench.log()
            rows.append(dict(module=module, operation=op, by="name" if module == "team_roles" else "e-mail",
                             requests=got["requests"], writes=got["writes"], minimum=listed + after_list,
                             minimum_formula="{0} list page{1}, {2}".format(listed, "s" if listed > 1 else "", formula),
                             cli=2 * (2 if module == "team_roles" else pages(n, CLI_PAGE) + 2),
                             cli_formula="2 × 2 (GET, POST; a team by ID)" if module == "team_roles"
                             else "2 × (⌈{0}/100⌉+2) (list, GET, POST)".format(n),
                             n=n, changed=changed > 0, seconds=seconds))
    return rows


def measure_api_token(bench, data):
    """api_token's life of one Organization token by name: create, update, no-op, rotate, delete.

    Minimum: the Organization tokens' list pages (to find it by name), plus the one write of each change.
    The CLI finds a token named by --name in its list (pages of 100), then makes the one call; its create is one POST.
    """
    emu = bench.emu
    emu.control.reset()
    n_org = sum(1 for t in data["tokens"] if t["scope"] == "ORGANIZATION")
    secret_file = bench.workdir / "bench-api-token.secret"
    base = dict(name="bench-api-token", role="ORGANIZATION_MEMBER", description="benchmark")
    plan = [
        ("create", dict(base, secret_file=str(secret_file)), 1, False),
        ("update", dict(base, description="benchmark, updated"), 1, True),
        ("no-op", dict(base, description="benchmark, updated"), 0, True),
        ("rotate", dict(name=base["name"], rotate=True, secret_file=str(secret_file)), 1, True),
        ("delete", dict(name=base["name"], state="absent"), 1, True),
    ]
    rows = []
    for op, args, writes, by_name_cli in plan:
        path = bench.task_playbook("astro.platform.api_token", args)
        emu.control.clear_log()
        seconds, changed = bench.playbook(path, forks=1)
        got = bench.log()
        minimum = pages(n_org) + writes
        rows.append(dict(module="api_token", operation=op, by="name", requests=got["requests"], writes=got["writes"],
                         minimum=minimum, minimum_formula="{0} token page{1}".format(pages(n_org), " + 1 write" if writes else ""),
                         cli=pages(n_org, CLI_PAGE) + 1 if by_name_cli else 1,
                         cli_formula="⌈{0}/100⌉+1 (list, POST)".format(n_org) if by_name_cli else "1 (POST)",
                         n=n_org, changed=changed > 0, seconds=seconds))
    if secret_file.exists():
        secret_file.unlink()
    return rows


def _state_tokens(state):
    tokens = state.get("tokens")
    return list(tokens.values()) if isinstance(tokens, dict) else list(tokens)


def name_lookups(state, token_id, module, args, ws_id, dep_id, by, entity_lookups):
    """The look-ups a change makes for the names a person is shown (its diff and roles_changed): one per kind
    (Workspaces, Deployments) that the token's roles, before or after, or the Workspace the task gives a Deployment,
    name, less the kinds the task knows by name or already looks up (first roles, entity_lookups per kind), and
    less the Workspaces of the Deployments looked up."""
    token = next(t for t in _state_tokens(state) if t["id"] == token_id)
    entities = {(r["entityType"], r["entityId"]) for r in token["roles"] if r["entityType"] in ("WORKSPACE", "DEPLOYMENT")}
    entities |= {("DEPLOYMENT", r["deploymentId"]) for r in token["roles"] if r.get("deploymentId")}
    if module == "workspace_org_token":
        entities.add(("WORKSPACE", ws_id))
        known = {ws_id} if by == "name" else set()
        first = {"WORKSPACE"} if entity_lookups else set()
    elif module == "deployment_token":
        entities |= {("DEPLOYMENT", dep_id), ("WORKSPACE", ws_id)}
        known = {ws_id, dep_id} if by == "name" else set()
        first = {"DEPLOYMENT"} if entity_lookups else set()
    else:
        entities |= {("WORKSPACE", e["workspace_id"]) for e in args["workspace_roles"]}
        entities |= {("DEPLOYMENT", e["deployment_id"]) for e in args["deployment_roles"]}
        first = {"WORKSPACE", "DEPLOYMENT"} if entity_lookups else set()
        known = set()
    # Deployments are looked up first, and each tells its Workspace's name.
    looked_up = [i for kind, i in entities if kind == "DEPLOYMENT" and (i not in known or "DEPLOYMENT" in first)]
    if looked_up:
        workspace_of = {d["id"]: d["workspaceId"] for d in state["deployments"]}
        known |= {workspace_of.get(i) for i in looked_up}
    return len({kind for kind, entity_id in entities if entity_id not in known} - first)


def _min_formula(base, lookups, token_pages, role_lookup, listing=False, entity_lookups=0, name_lookups=0):
    parts = []
    if lookups:
        parts.append("{0} name look-up{1}".format(lookups, "s" if lookups > 1 else ""))
    if token_pages:
        parts.append("{0} token page".format(token_pages))
    if role_lookup:
        parts.append("1 role list")
    if entity_lookups:
        parts.append("{0} ID look-up{1}".format(entity_lookups, "s" if entity_lookups > 1 else ""))
    if name_lookups:
        parts.append("{0} name{1} for the diff".format(name_lookups, "s" if name_lookups > 1 else ""))
    if listing:
        parts.append("{0} list page{1}".format(token_pages, "s" if token_pages > 1 else ""))
        parts = parts[:-2] + parts[-1:] if token_pages and len(parts) > 1 and parts[-2].endswith("token page") else parts
    elif base == 1:
        parts.append("1 read")
    else:
        parts.append("read+write+verify")
    return " + ".join(parts)


# -- 5. the token audit -------------------------------------------------------------------------------


def measure_audit(bench, token_counts):
    """playbooks/token_audit.yml over organizations of `token_counts` tokens: wall time and requests, then a re-run
    (which must change nothing). Its rows, findings and reports are built in Python (filter token_audit)."""
    rows = []
    for tokens in token_counts:
        data = seedgen.generate(tokens=tokens)
        bench.emu.control.reset(seed=data)
        extra = {"astro_audit_dir": str(bench.workdir / "audit-{0}".format(tokens))}
        for run in ("first", "re-run"):
            bench.emu.control.clear_log()
            seconds, changed = bench.playbook(AUDIT_PLAYBOOK, extra_vars=extra)
            got = bench.log()
            rows.append(dict(tokens=tokens, run=run, seconds=round(seconds, 1), requests=got["requests"], writes=got["writes"],
                             changed_tasks=changed, minimum=pages(tokens) + pages(len(data["workspaces"]))
                             + pages(len(data["deployments"])) + pages(len(data.get("teams") or []))
                             + pages(len(data.get("users") or []))))
            print("5. token audit, {tokens} tokens, {run}: {seconds} s, {requests} requests (min {minimum}), "
                  "{changed_tasks} changed".format(**rows[-1]), flush=True)
    return rows


def markdown_audit(audit):
    if not audit:
        return []
    out = ["", "## Token audit", "",
           "`playbooks/token_audit.yml` (its rows, findings and reports built in Python) over an organization of that many "
           "tokens; requests against the minimum (one list page per 1000 tokens, Workspaces and Deployments).", "",
           "| tokens | run | seconds | requests (minimum) | changed tasks |", "| ---: | --- | ---: | ---: | ---: |"]
    out += ["| {tokens} | {run} | {seconds} | {requests} ({minimum}) | {changed_tasks} |".format(**r) for r in audit]
    return out


def audit_targets(audit):
    """The audit at the largest size in seconds; a re-run changes nothing; requests at the minimum."""
    checks = []
    for r in audit:
        if r["run"] == "first" and r["tokens"] == AUDIT_SIZE:
            checks.append(("token audit, {0} tokens: ≤ {1} s".format(AUDIT_SIZE, AUDIT_MAX), "{0} s".format(r["seconds"]),
                           r["seconds"] <= AUDIT_MAX))
        if r["run"] == "re-run":
            checks.append(("token audit, {0} tokens: a re-run changes nothing".format(r["tokens"]),
                           "{0} changed tasks".format(r["changed_tasks"]), r["changed_tasks"] == 0))
        checks.append(("token audit, {tokens} tokens, {run}: requests = minimum".format(**r),
                       "{requests} (min {minimum})".format(**r), r["requests"] == r["minimum"]))
    return checks


# -- 2./3. onboarding --------------------------------------------------------------------------------


def write_onboarding_inputs(bench, data, size):
    """The declaration (vars file) and a static inventory of the declared Workspaces, one host each."""
    folder = bench.workdir / "onboarding-{0}".format(size)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vars.yml").write_text(yaml.safe_dump({"astro_workspaces": seedgen.onboarding_declaration(data, size)}, sort_keys=False))
    hosts = {w["name"]: {"astro_workspace_id": w["id"], "astro_workspace_name": w["name"]} for w in data["workspaces"][:size]}
    (folder / "hosts.yml").write_text(yaml.safe_dump({"astro_workspaces": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}, sort_keys=False))
    return folder / "hosts.yml", folder / "vars.yml"


def roles_in_place(emu, data, size):
    """(declared roles the organization now holds, declared roles)."""
    wanted = seedgen.declared_roles(data, size)
    by_name = {t["name"]: t["id"] for t in data["tokens"]}
    held = total = 0
    for name, entries in wanted.items():
        roles = {(r["entityType"], r["entityId"], r["role"]) for r in emu.control.token(by_name[name])["roles"]}
        held += len(entries & roles)
        total += len(entries)
    return held, total


def onboard(bench, data, approach, size, runs=2, modes=None):
    """Reset the emulator to the organization `data`, run the onboarding `runs` times; one result dict per run.

    modes: the emulator's strict modes for these runs (tools/astro_emulator/strict.py); by default none: the
    benchmark's emulator does not rate-limit, so that its seconds are the collection's own.

    approach: "role" (one static inventory host per Workspace), "role localhost" (the same playbook on localhost,
    no inventory), "uri" or "uri serial" (benchmarks/onboard_uri.yml, hosts as for "role").
    """
    inventory, vars_file = write_onboarding_inputs(bench, data, size)
    playbook = URI_PLAYBOOK if approach.startswith("uri") else ROLE_PLAYBOOK
    extra = {"astro_onboarding_vars_file": str(vars_file)}
    if approach == "uri serial":
        extra["astro_uri_serial"] = 1
    if approach == "role localhost":
        inventory, extra["astro_onboarding_hosts"] = None, "localhost"
    bench.emu.control.reset(seed=data)
    if modes:
        bench.emu.control.set_modes(**modes)
    results = []
    for run in range(1, runs + 1):
        bench.emu.control.clear_log()
        seconds, changed = bench.playbook(playbook, inventory=inventory, extra_vars=extra)
        got = bench.log()
        held, total = roles_in_place(bench.emu, data, size)
        results.append(dict(approach=approach, workspaces=size, run="first" if run == 1 else "re-run", seconds=round(seconds, 1),
                            per_workspace=round(seconds / size, 3), requests=got["requests"], reads=got["reads"],
                            writes=got["writes"], errors=got["errors"], changed_tasks=changed, roles_held=held,
                            roles_declared=total, forks=bench.forks, organization=len(data["workspaces"]),
                            refused=got["refused"]))
    return results


# -- 2b. under Astro's rate limits ------------------------------------------------------------------

# The server as strict as Astro's documented per-token limits (GET 25/s, POST 10/s, DELETE 5/s), with no Retry-After.
STRICT_LIMITS = dict(rate_limits=True, retry_after=None)


def measure_rate_limits(bench, size, forks=20):
    """The onboarding role at `size` Workspaces (one host each, `forks` forks) against the strict server, first run
    and re-run, beside the same runs against the benchmark's unlimited emulator: what staying under the limits costs
    (requests, 429s answered, seconds)."""
    data = seedgen.generate(workspaces=size)
    rows = []
    saved, bench.forks = bench.forks, forks
    try:
        for limits, modes in (("none", None), ("documented, no Retry-After", STRICT_LIMITS)):
            for row in onboard(bench, data, "role", size, runs=2, modes=modes):
                rows.append(dict(row, limits=limits))
                print("2b. rate limits {0}: {1} Workspaces, {2}: {3} s, {4} requests, {5} answered 429".format(
                    limits, size, row["run"], row["seconds"], row["requests"], row["refused"]), flush=True)
    finally:
        bench.forks = saved
    return rows


def markdown_rate_limits(rows):
    if not rows:
        return []
    lines = ["### Under Astro's rate limits", "",
             "The onboarding role (one host per Workspace, forks {0}) against the emulator enforcing Astro's documented "
             "per-token limits (GET 25/s, POST 10/s, DELETE 5/s; a sliding one-second window, 429 without Retry-After), "
             "beside the same runs without limits. requests = all the requests sent, 429s included; "
             "answered 429 = refused and waited out.".format(rows[0]["forks"]), "",
             "| Workspaces | limits | run | wall s | requests | answered 429 | roles held / declared |",
             "| ---: | --- | --- | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append("| {workspaces} | {limits} | {run} | {seconds} | {requests} | {refused} | {roles_held} / {roles_declared} |".format(**r))
    return lines + [""]


def estimate(done, size):
    """Seconds a first run of one approach would take at `size`, from its first runs at smaller sizes (done: {size: seconds}).

    From two sizes or more, the growth of the last two, t ∝ size^k with k between 1 and 2 (a quadratic path is not
    estimated as linear); from one, linear. Plus 10 %.
    """
    if not done:
        return 0.0
    sizes = sorted(done)
    last = sizes[-1]
    k = 1.0
    if len(sizes) > 1 and done[sizes[-2]] > 0 and done[last] > 0:
        k = min(2.0, max(1.0, math.log(done[last] / done[sizes[-2]]) / math.log(last / sizes[-2])))
    return done[last] * (size / last) ** k * 1.1


def run_onboarding(bench, data, sizes, args, started, with_uri=True):
    """Onboarding at every size, smallest first: both role paths at all sizes, then the uri playbook while it fits.

    The role's two paths run first (first run and idempotent re-run at every size), so that the slow uri playbook
    (seconds a Workspace) never takes the budget the large sizes need; it runs up to args.uri_max_size Workspaces.
    Every size runs in the organization `data`, except a larger one, which runs in an organization of its own size
    (seeded the same way): a thousand Workspaces are measured in an organization of a thousand, not of two.
    A size whose estimate (see estimate) would end the benchmark after args.budget seconds is skipped, with every
    larger size of that approach; so is one whose run fails or times out, which is reported, not fatal.
    Returns (result rows, [(size, approach, estimated seconds, why)] skipped).
    """
    rows, skipped, larger = [], [], {}
    for approaches in (("role", "role localhost"), ("uri", "uri serial") if with_uri else ()):
        for approach in approaches:
            done = {}
            for size in sizes if approach != "uri serial" else [args.serial_size]:
                runs = 2 if approach.startswith("role") or (approach == "uri" and size == args.main_size) else 1
                guess = estimate(done, size) * runs  # a re-run counted as long as a first run
                why = skip_reason(skipped, approach, size, guess, args, time.monotonic() - started)
                if not why:
                    try:
                        org = data if data is None or size <= len(data["workspaces"]) else larger.setdefault(
                            size, seedgen.generate(workspaces=size))
                        got = onboard(bench, org, approach, size, runs=runs)
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        why = "failed: " + str(exc).splitlines()[0][:200]
                if why:
                    print("2/3. skipping {0} Workspaces, {1}: {2}".format(size, approach, why), flush=True)
                    skipped.append((size, approach, guess, why))
                    continue
                done[size] = got[0]["seconds"]
                rows += got
                print("2/3. onboarding {0} Workspaces, {1}: {2}".format(size, approach, ", ".join(
                    "{run} {seconds} s ({per_workspace} s a Workspace, {requests} requests)".format(**r) for r in got)), flush=True)
    return rows, skipped


def skip_reason(skipped, approach, size, guess, args, elapsed):
    """Why `approach` does not run at `size` (None: it runs)."""
    if skipped and skipped[-1][1] == approach:
        return "a smaller size was skipped"
    if approach.startswith("uri") and size > args.uri_max_size:
        return "the uri playbook runs up to --uri-max-size {0} Workspaces".format(args.uri_max_size)
    if elapsed + guess > args.budget:
        return "estimated {0:.0f} s would exceed the --budget of {1:.0f} s".format(guess, args.budget)
    return None


def onboarding_minimum(data, size, run):
    """The fewest requests the role makes for `size` Workspaces, whatever `size` is: look up the Organization's
    Workspaces and Deployments, the custom roles once, and the tokens declared by name in one listing of every token;
    then per token a read (by ID), and on a change a write and a verifying read. The edits look nothing up: the plan
    found every Workspace and Deployment in the first listing."""
    fixed = pages(len(data["workspaces"])) + pages(len(data["deployments"])) + 1 + pages(len(data["tokens"]))
    tokens = len(seedgen.ONBOARD_ORG_TOKENS + seedgen.ONBOARD_DEPLOYMENT_TOKENS)
    return fixed + tokens * (1 if run == "re-run" else 3)


# -- inventory plugin --------------------------------------------------------------------------------


def measure_inventory(bench, workspaces, deployments_per_workspace=4):
    """ansible-inventory with the astro.platform.astro plugin (Workspaces and Deployments as hosts) on an
    organization of `workspaces` Workspaces: without cache, with an empty cache (it fills it), with the cache.

    The emulator is re-seeded with that organization: reset it with the benchmark's own seed afterwards.
    """
    data = seedgen.generate(tokens=100, workspaces=workspaces, deployments_per_workspace=deployments_per_workspace,
                            custom_roles=1, seed=7)
    bench.emu.control.reset(seed=data)
    folder = bench.workdir / "inventory-{0}".format(workspaces)
    cache_dir = folder / "cache"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = dict(plugin="astro.platform.astro", include_deployments=True)
    cached = dict(source, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir), cache_timeout=3600)
    minimum = pages(workspaces) + pages(len(data["deployments"]))
    rows = []
    for name, config, wanted in (("sync, no cache", source, minimum), ("sync, cache enabled and empty", cached, minimum),
                                 ("again, from the cache", cached, 0)):
        path = folder / "{0}.astro.yml".format("cached" if config.get("cache") else "plain")
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        bench.emu.control.clear_log()
        seconds, out = bench.run([BIN / "ansible-inventory", "-i", path, "--list"])
        hosts = len(json.loads(out).get("_meta", {}).get("hostvars", {}))
        rows.append(dict(run=name, workspaces=workspaces, deployments=len(data["deployments"]), hosts=hosts,
                         seconds=round(seconds, 2), requests=bench.log()["requests"], minimum=wanted))
    return rows


# -- 3b. by-name lookups at scale ---------------------------------------------------------------------


def lookup_scaling(bench, counts):
    """Request count of one by-name no-op (workspace_org_token, token by name) with n Organization tokens."""
    rows = []
    for n in counts:
        data = seedgen.generate(tokens=n, workspaces=2, deployments_per_workspace=1, custom_roles=1, seed=60 + n)
        for t in data["tokens"]:  # every filler an Organization token, so n is what the by-name list pages over
            if t["scope"] != "ORGANIZATION":
                t.update(scope="ORGANIZATION", roles=[{"entityType": "ORGANIZATION", "entityId": data["organization"]["id"],
                                                       "role": "ORGANIZATION_MEMBER"}])
        bench.emu.control.reset(seed=data)
        ws = data["workspaces"][0]["id"]
        token = next(t for t in data["tokens"] if t["name"] == seedgen.OP_TOKEN)
        bench.emu.control.clear_log()
        # add (by ID, untimed) then the measured no-op by name
        bench.playbook(bench.task_playbook("astro.platform.workspace_org_token",
                                           dict(token_id=token["id"], workspace_id=ws, role="WORKSPACE_MEMBER")), forks=1)
        bench.emu.control.clear_log()
        seconds, _ = bench.playbook(bench.task_playbook("astro.platform.workspace_org_token",
                                                        dict(token_name=token["name"], workspace_id=ws, role="WORKSPACE_MEMBER")), forks=1)
        got = bench.log()
        rows.append(dict(tokens=n, requests=got["requests"], minimum=pages(n) + 1, cli=pages(n, CLI_PAGE) + 2,
                         seconds=round(seconds, 2)))
    return rows


# -- per-task overhead -------------------------------------------------------------------------------


def profile_module(bench, data, repeats=5):
    """Wall time of ad-hoc runs (ping vs token_info), and the import times inside token_info's AnsiballZ."""
    bench.emu.control.reset()
    token = next(t for t in data["tokens"] if t["name"] == seedgen.OP_TOKEN)
    adhoc = [BIN / "ansible", "localhost", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable]

    def median_wall(argv, env=None):
        return statistics.median(bench.run(argv, env=env)[0] for _ in range(repeats))

    ping = median_wall(adhoc + ["-m", "ansible.builtin.ping"])
    info = median_wall(adhoc + ["-m", "astro.platform.token_info", "-a", "token_id=" + token["id"]])
    # Keep the AnsiballZ payload, then run it alone with -X importtime.
    keep = bench.workdir / "remote-tmp"
    shutil.rmtree(keep, ignore_errors=True)
    bench.run(adhoc + ["-m", "astro.platform.token_info", "-a", "token_id=" + token["id"]], env={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    payloads = sorted(keep.rglob("AnsiballZ_token_info.py"))
    result = dict(adhoc_ping=ping, adhoc_token_info=info)
    if not payloads:
        return result
    payload = payloads[-1]
    walls, imports = [], {}
    for _ in range(repeats):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-X", "importtime", str(payload)], capture_output=True, text=True,
                              env=bench.env(), check=False, timeout=60)
        walls.append(time.monotonic() - started)
        imports = parse_importtime(done.stderr)
    started = time.monotonic()
    for _ in range(repeats):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = (time.monotonic() - started) / repeats
    result.update(ansiballz_wall=statistics.median(walls), python_startup=bare, imports=imports)
    return result


def parse_importtime(stderr):
    """Cumulative import time (s) of the packages that matter, and of all our own module_utils (self time)."""
    wanted = {"ansible.module_utils.basic": 0.0, "requests": 0.0, "astro.platform module_utils (self)": 0.0}
    total = 0
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if not m:
            continue
        self_us, cumulative_us, indent, name = int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)
        if indent == 1:
            total += cumulative_us
        if name in wanted and wanted[name] == 0.0:
            wanted[name] = cumulative_us / 1e6
        if name.startswith("ansible_collections.astro.platform"):
            wanted["astro.platform module_utils (self)"] += self_us / 1e6
    wanted["all imports"] = total / 1e6
    return wanted


# -- output --------------------------------------------------------------------------------------------

APPROACHES = ("role", "role localhost", "uri", "uri serial")
# Targets at enterprise size (seconds, on this machine, forks 10).
TARGET_SIZE, BASE_SIZE = 1000, 100
HOST_FIRST_MAX, HOST_RERUN_MAX, LOCALHOST_MAX = 60, 45, 20
AUDIT_SIZE, AUDIT_MAX = 5000, 20
# "A sync in seconds": ansible-inventory with 1 000 Workspaces and 4 000 Deployments as hosts, whole process.
INVENTORY_SYNC_MAX = 10


def markdown(results):
    """The report: one section per measurement, then the targets."""
    out = markdown_header(results["meta"]) + markdown_operations(results["ops"])
    out += markdown_onboarding(results["meta"], results["onboarding"], results["skipped"])
    out += markdown_per_workspace(results["onboarding"]) + markdown_rate_limits(results.get("rate_limits"))
    out += markdown_inventory(results["inventory"]) + markdown_audit(results.get("audit", []))
    out += markdown_lookups(results["lookups"]) + markdown_profile(results["profile"])
    out += markdown_lost_updates(results.get("lost_updates"))
    out += ["", "## Targets", "", "| target | measured | met |", "| --- | --- | :---: |"]
    for name, measured, met in results["checks"]:
        out.append("| {0} | {1} | {2} |".format(name, measured, "yes" if met else "**no**"))
    return "\n".join(out) + "\n"


def markdown_lost_updates(rows):
    if not rows:
        return []
    return ["", "## Lost role edits between jobs that share no lock dir", "",
            "Jobs at once, each with its own lock directory (AWX jobs in separate containers) or one shared, each adding "
            "the token to its {0} Workspaces; every role write lands {1}-{2} ms after it was sent, at random. Lost = a role a "
            "job reported set that the token lacks at the end; collisions = writes that landed with a list lacking a role the "
            "write before them had.".format(lost_updates.WORKSPACES_PER_JOB, *lost_updates.WRITE_DELAY_MS), ""] + lost_updates.markdown(rows)


def lost_update_targets(rows):
    """The documented setups lose no role (and fail no job); without them roles are lost: the setup can show a loss."""
    checks = []
    for r in rows:
        measured = "{0} lost in {1} trials, {2} collisions, {3} failed jobs".format(r["roles_lost"], r["trials"], r["collisions"], r["failed_jobs"])
        if r["setup"] == lost_updates.GUARD_OFF:
            checks.append(("lost role edits, {0} jobs, {1}: some (the control)".format(r["jobs"], r["setup"]), measured, r["roles_lost"] > 0))
        else:
            checks.append(("lost role edits, {0} jobs, {1}: none".format(r["jobs"], r["setup"]), measured,
                           r["roles_lost"] == 0 and r["failed_jobs"] == 0))
    return checks


def markdown_header(meta):
    return ["# astro.platform benchmark", "",
            "Measured {date} on {machine} ({nproc} cores, Python {python}, ansible-core {ansible}); {command}, "
            "forks {forks}, emulator seeded with {tokens} tokens, {workspaces} Workspaces, {deployments} Deployments, "
            "{custom_roles} custom roles. Total {total:.0f} s.".format(**meta), ""]


def markdown_operations(ops):
    out = ["## Requests per operation", "",
           "n = Organization tokens the by-name list pages over (the CLI lists them by 100 for every token command); "
           "for team_roles the teams, for user_roles the users. "
           "CLI = the Astro CLI's pattern computed as a formula of n, not measured.", "",
           "| module | operation | by | requests | writes | minimum | minimum is | = min | Astro CLI | CLI formula |",
           "| --- | --- | --- | ---: | ---: | ---: | --- | :---: | ---: | --- |"]
    for r in ops:
        out.append("| {module} | {operation} | {by} | {requests} | {writes} | {minimum} | {minimum_formula} | {ok} | {cli} | {cli_formula} |".format(
            ok="yes" if r["requests"] == r["minimum"] else "**NO**", **r))
    return out


def markdown_onboarding(meta, onboarding, skipped):
    out = ["", "## Onboarding (3 Organization tokens + 2 tokens on 4 Deployments per Workspace)", "",
           "role = `playbooks/onboard_workspaces.yml` (role `workspace_onboarding`: one `token_roles` edit per token for all the Workspaces) "
           "with one static inventory host per Workspace, as the inventory plugin gives them; "
           "role localhost = the same playbook with `-e astro_onboarding_hosts=localhost` and no inventory; "
           "uri = `benchmarks/onboard_uri.yml` with the same hosts, at the sizes that fit the time budget; "
           "uri serial = the same with `serial: 1` (one Workspace at a time, so no host posts a list another host has changed since it read it); "
           "forks {forks}, one organization of {workspaces} Workspaces (4 Deployments each) at every size up to {workspaces}, "
           "and a larger size in an organization of its own size (the organization column). "
           "roles held = declared roles in place afterwards (from the emulator).".format(**meta), "",
           "| Workspaces | approach | run | wall s | s / Workspace | requests | reads | writes | changed (recap sum) | roles held / declared | organization |",
           "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for r in sorted(onboarding, key=lambda r: (r["workspaces"], APPROACHES.index(r["approach"]), r["run"] != "first")):
        out.append("| {workspaces} | {approach} | {run} | {seconds} | {per_workspace:.3f} | {requests} | {reads} | {writes} | "
                   "{changed_tasks} | {roles_held} / {roles_declared} | {0} |".format(r.get("organization", meta["workspaces"]), **r))
    for size, approach, guess, why in skipped:
        out.append("| {0} | {1} | skipped | ≈{2:.0f} (estimated) | | | | | | {3} | |".format(size, approach, guess, why))
    return out


def markdown_per_workspace(onboarding):
    """Seconds per Workspace of each approach and run, by size: flat (or falling) when the time is linear."""
    columns = [(a, run) for a in APPROACHES for run in ("first", "re-run") if any(r["approach"] == a and r["run"] == run for r in onboarding)]
    out = ["", "## Seconds per Workspace", "", "| Workspaces | " + " | ".join("{0}, {1}".format(*c) for c in columns) + " |",
           "| ---: |" + " ---: |" * len(columns)]
    for size in sorted({r["workspaces"] for r in onboarding}):
        cells = [next(("{0:.3f}".format(r["per_workspace"]) for r in onboarding
                       if (r["approach"], r["run"], r["workspaces"]) == (a, run, size)), "") for a, run in columns]
        out.append("| {0} | {1} |".format(size, " | ".join(cells)))
    return out


def markdown_inventory(inventory):
    if not inventory:
        return []
    out = ["", "## Inventory plugin (`ansible-inventory --list`, Workspaces and Deployments as hosts)", "",
           "Whole `ansible-inventory` process; minimum = ⌈Workspaces/1000⌉ + ⌈Deployments/1000⌉ list pages, 0 from the cache.", "",
           "| Workspaces | Deployments | run | hosts | wall s | requests | minimum |", "| ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in inventory:
        out.append("| {workspaces} | {deployments} | {run} | {hosts} | {seconds} | {requests} | {minimum} |".format(**r))
    return out


def markdown_lookups(lookups):
    out = ["", "## By-name lookup at scale (workspace_org_token no-op, token by name)", "",
           "| Organization tokens | requests | minimum (⌈n/1000⌉+1) | Astro CLI (⌈n/100⌉+2) | wall s |",
           "| ---: | ---: | ---: | ---: | ---: |"]
    for r in lookups:
        out.append("| {tokens} | {requests} | {minimum} | {cli} | {seconds} |".format(**r))
    return out


def markdown_profile(profile):
    if not profile:
        return []
    out = ["", "## Per-task overhead (one module run; median of 5)", "", "| what | seconds |", "| --- | ---: |",
           "| `ansible localhost -m ansible.builtin.ping` (ad-hoc, whole process) | {0:.2f} |".format(profile["adhoc_ping"]),
           "| `ansible localhost -m astro.platform.token_info -a token_id=…` | {0:.2f} |".format(profile["adhoc_token_info"])]
    if "ansiballz_wall" in profile:
        out.append("| token_info's AnsiballZ run alone (python startup, imports, 1 HTTP GET) | {0:.3f} |".format(profile["ansiballz_wall"]))
        out.append("| bare `python -c pass` | {0:.3f} |".format(profile["python_startup"]))
        for name, seconds in profile["imports"].items():
            out.append("| import: {0} | {1:.3f} |".format(name, seconds))
    return out


def pick(onboarding, approach, run, size):
    return next((r for r in onboarding if r["approach"] == approach and r["workspaces"] == size and r["run"] == run), None)


def targets(ops, onboarding, main_size, serial_size):
    """Per operation at the minimum; the role against the uri playbook at every size both ran."""
    checks = []
    bad = [r for r in ops if r["requests"] != r["minimum"]]
    checks.append(("requests per operation = minimum, every row", "{0} of {1} rows at the minimum".format(len(ops) - len(bad), len(ops)), not bad))
    for size in sorted({r["workspaces"] for r in onboarding}):
        role, uri = pick(onboarding, "role", "first", size), pick(onboarding, "uri", "first", size)
        if not (role and uri):
            continue
        checks.append(("onboarding {0}: role ≥ 2× faster than uri".format(size),
                       "role {0} s, uri {1} s: role/uri time = {2:.2f}".format(role["seconds"], uri["seconds"], role["seconds"] / uri["seconds"]),
                       role["seconds"] * 2 <= uri["seconds"]))
        checks.append(("onboarding {0}: role ≤ half the uri's requests".format(size),
                       "role {0}, uri {1}: role/uri requests = {2:.2f}".format(role["requests"], uri["requests"], role["requests"] / uri["requests"]),
                       role["requests"] * 2 <= uri["requests"]))
        checks.append(("onboarding {0}: every declared role in place after the first run".format(size),
                       "role {0}/{1}, uri {2}/{3}".format(role["roles_held"], role["roles_declared"], uri["roles_held"], uri["roles_declared"]),
                       role["roles_held"] == role["roles_declared"]))
    role, serial = pick(onboarding, "role", "first", serial_size), pick(onboarding, "uri serial", "first", serial_size)
    if role and serial:
        checks.append(("onboarding {0}: role vs the uri playbook that keeps every role (serial: 1)".format(serial_size),
                       "role {0} s / {1} requests, uri serial {2} s / {3} requests ({4}/{5} roles held): time {6:.2f}, requests {7:.2f}".format(
                           role["seconds"], role["requests"], serial["seconds"], serial["requests"], serial["roles_held"],
                           serial["roles_declared"], role["seconds"] / serial["seconds"], role["requests"] / serial["requests"]),
                       role["seconds"] * 2 <= serial["seconds"] and role["requests"] * 2 <= serial["requests"]))
    for approach in ("role", "role localhost", "uri"):
        again = pick(onboarding, approach, "re-run", main_size)
        if again:
            checks.append(("onboarding {0}, {1}: idempotent re-run makes no write".format(main_size, approach),
                           "{0} writes, {1} changed tasks".format(again["writes"], again["changed_tasks"]), again["writes"] == 0))
    return checks


def scale_targets(onboarding, data, large=TARGET_SIZE, small=BASE_SIZE):
    """The role's two paths at enterprise size: wall time, linear growth, requests at the minimum at every size."""
    def seconds_at_most(label, approach, run, limit):
        row = pick(onboarding, approach, run, large)
        return ("{0}, {1} Workspaces, {2}: ≤ {3} s".format(label, large, "first run" if run == "first" else "idempotent re-run", limit),
                "{0} s".format(row["seconds"]) if row else "not measured", bool(row) and row["seconds"] <= limit)
    checks = [seconds_at_most("one host per Workspace", "role", "first", HOST_FIRST_MAX),
              seconds_at_most("one host per Workspace", "role", "re-run", HOST_RERUN_MAX),
              seconds_at_most("localhost mode", "role localhost", "first", LOCALHOST_MAX)]
    for approach, label in (("role", "one host per Workspace"), ("role localhost", "localhost mode")):
        at_large, at_small = pick(onboarding, approach, "first", large), pick(onboarding, approach, "first", small)
        checks.append(("{0}: seconds per Workspace at {1} ≤ at {2}".format(label, large, small),
                       "{0} at {1}, {2} at {3}".format(at_large["per_workspace"] if at_large else "not measured", large,
                                                       at_small["per_workspace"] if at_small else "not measured", small),
                       bool(at_large and at_small) and at_large["per_workspace"] <= at_small["per_workspace"]))
        checks += request_targets(onboarding, data, approach, label)
    return checks


def request_targets(onboarding, data, approach, label):
    """Per run (first, re-run): the same requests at every size, and each the minimum (onboarding_minimum), in the
    organization `data` (a larger size, measured in an organization of its own size, lists more pages)."""
    checks = []
    for run in ("first", "re-run"):
        rows = sorted((r for r in onboarding if r["approach"] == approach and r["run"] == run
                       and r.get("organization", len(data["workspaces"])) == len(data["workspaces"])), key=lambda r: r["workspaces"])
        minimum = {r["workspaces"]: onboarding_minimum(data, r["workspaces"], run) for r in rows}
        measured = ", ".join("{0}: {1} (min {2})".format(r["workspaces"], r["requests"], minimum[r["workspaces"]]) for r in rows)
        checks.append(("{0}, {1}: requests constant in Workspaces".format(label, run), measured or "not measured",
                       len({r["requests"] for r in rows}) == 1))
        checks.append(("{0}, {1}: requests = minimum at every size".format(label, run), measured or "not measured",
                       bool(rows) and all(r["requests"] == minimum[r["workspaces"]] for r in rows)))
    return checks


def inventory_targets(inventory):
    """A sync in seconds at the minimum of list pages; a second run with the cache makes no request."""
    checks = []
    for r in inventory:
        everything = r["hosts"] == r["workspaces"] + r["deployments"]
        if r["minimum"]:
            checks.append(("inventory plugin, {workspaces} Workspaces + {deployments} Deployments, {run}: ≤ {0} s, list pages at the "
                           "minimum".format(INVENTORY_SYNC_MAX, **r), "{seconds} s, {requests} requests (min {minimum}), {hosts} hosts".format(**r),
                           everything and r["seconds"] <= INVENTORY_SYNC_MAX and r["requests"] == r["minimum"]))
        else:
            checks.append(("inventory plugin, {workspaces} Workspaces + {deployments} Deployments, {run}: 0 requests".format(**r),
                           "{seconds} s, {requests} requests, {hosts} hosts".format(**r), everything and r["requests"] == 0))
    return checks


def write_csv(path, results):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["section", "name", "size", "run", "seconds", "requests", "reads", "writes", "minimum", "cli", "roles_held",
                         "roles_declared", "seconds_per_workspace"])
        for r in results["ops"]:
            writer.writerow(["operation", "{0} {1} by {2}".format(r["module"], r["operation"], r["by"]), r["n"], "", round(r["seconds"], 2),
                             r["requests"], r["requests"] - r["writes"], r["writes"], r["minimum"], r["cli"], "", "", ""])
        for r in results["onboarding"]:
            writer.writerow(["onboarding", r["approach"], r["workspaces"], r["run"], r["seconds"], r["requests"], r["reads"], r["writes"],
                             "", "", r["roles_held"], r["roles_declared"], r["per_workspace"]])
        for r in results["inventory"]:
            writer.writerow(["inventory", "ansible-inventory, {0} hosts".format(r["hosts"]), r["workspaces"], r["run"], r["seconds"],
                             r["requests"], r["requests"], 0, r["minimum"], "", "", "", ""])
        for r in results["lookups"]:
            writer.writerow(["lookup", "token by name", r["tokens"], "", r["seconds"], r["requests"], r["requests"], 0, r["minimum"], r["cli"],
                             "", "", ""])
        for r in results.get("audit", []):
            writer.writerow(["audit", "token_audit.yml", r["tokens"], r["run"], r["seconds"], r["requests"], r["requests"] - r["writes"],
                             r["writes"], r["minimum"], "", "", "", ""])


PLOT_STYLES = {"role": "o-", "role localhost": "D-", "uri": "s--", "uri serial": "^:"}


def plot(path, onboarding, lookups):
    """Seconds against Workspaces for each path (log-log: a slope of 1 is linear), seconds per Workspace,
    requests, and the by-name look-ups against the CLI's."""
    import matplotlib  # noqa: PLC0415
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ((ax_time, ax_per), (ax_req, ax_look)) = plt.subplots(2, 2, figsize=(13, 9))
    for number, (approach, style) in enumerate(PLOT_STYLES.items()):
        color = "C{0}".format(number)  # one colour per approach in every panel
        for run in ("first", "re-run"):
            rows = sorted((r for r in onboarding if (r["approach"], r["run"]) == (approach, run)), key=lambda r: r["workspaces"])
            if not rows or (run == "re-run" and len(rows) < 2):
                continue
            sizes, label = [r["workspaces"] for r in rows], approach + ("" if run == "first" else ", re-run")
            line_style = style if run == "first" else style[0] + ":"
            ax_time.plot(sizes, [r["seconds"] for r in rows], line_style, color=color, label=label)
            ax_per.plot(sizes, [r["per_workspace"] for r in rows], line_style, color=color, label=label)
            if run == "first":
                ax_req.plot(sizes, [r["requests"] for r in rows], style, color=color, label=label)
    ax_time.set(title="Onboarding: wall time", xlabel="Workspaces", ylabel="seconds", xscale="log", yscale="log")
    ax_per.set(title="Onboarding: seconds per Workspace", xlabel="Workspaces", ylabel="seconds / Workspace", xscale="log", yscale="log")
    ax_req.set(title="Onboarding: API requests (first run)", xlabel="Workspaces", ylabel="requests", xscale="log")
    if lookups:
        n = [r["tokens"] for r in lookups]
        ax_look.plot(n, [r["requests"] for r in lookups], "o-", label="astro.platform (measured)")
        ax_look.plot(n, [r["cli"] for r in lookups], "s--", label="Astro CLI (⌈n/100⌉+2)")
        ax_look.set(xscale="log", yscale="log")
    ax_look.set(title="By-name token edit: requests", xlabel="Organization tokens", ylabel="requests")
    for ax in (ax_time, ax_per, ax_req, ax_look):
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- main ----------------------------------------------------------------------------------------------


def report_section(lines, heading):
    """The lines of one '## ' section of the report, one heading level down for the README."""
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return ["#" + lines[start]] + lines[start + 1:end]


def update_readme(report, readme=README):
    """Put the report's first paragraph, onboarding table and targets between the README's markers."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return False
    lines = report.splitlines()
    onboarding = next(line for line in lines if line.startswith("## Onboarding"))
    body = [next(line for line in lines if line.startswith("Measured ")), ""]
    body += report_section(lines, onboarding) + report_section(lines, "## Targets")
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(head + README_START + "\n" + "\n".join(body).strip() + "\n" + README_END + tail)
    return True


def install(workdir):
    from harness.collection import build_collection, install_collection  # noqa: PLC0415
    tarball = build_collection(Path(workdir) / "dist")
    return install_collection(tarball, Path(workdir) / "collections")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,400,1000,2000",
                        help="onboarding sizes (Workspaces), comma-separated; run smallest first, a size that would exceed --budget is skipped")
    parser.add_argument("--main-size", type=int, default=100, help="the size at which the uri playbook is also re-run (idempotence)")
    parser.add_argument("--serial-size", type=int, default=10, help="the size at which the uri playbook also runs with serial: 1")
    parser.add_argument("--uri-max-size", type=int, default=100,
                        help="the largest size the uri playbook runs at (it costs seconds a Workspace; 100 takes about 5 minutes)")
    parser.add_argument("--lookup-sizes", default="100,1000,10000")
    parser.add_argument("--inventory-size", type=int, default=TARGET_SIZE,
                        help="Workspaces (4 Deployments each) of the inventory plugin measurement; 0 to skip it")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--budget", type=float, default=2700, help="seconds; a size whose estimate would exceed it is skipped")
    parser.add_argument("--output", default=str(BENCH_DIR / "results"))
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--audit-sizes", default="500,{0}".format(AUDIT_SIZE), help="tokens of the token audit's organizations")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="the measurements to make, out of {0} (uri: the uri playbook beside the role)".format(", ".join(PARTS)))
    parser.add_argument("--readme-only", action="store_true", help="only copy the figures of OUTPUT/latest.md into README.md")
    parser.add_argument("--rate-limits-size", type=int, default=TARGET_SIZE,
                        help="Workspaces of the measurement under Astro's rate limits; 0 to skip it")
    parser.add_argument("--rate-limits-only", action="store_true",
                        help="only the measurement under Astro's rate limits, written to OUTPUT/rate-limits.md")
    parser.add_argument("--lost-update-trials", type=int, default=30,
                        help="trials per setup of the lost-role-edit measurement (5.); 0 skips it; "
                             "benchmarks/lost_updates.py runs it alone")
    return parser.parse_args(argv)


PARTS = ("operations", "lookups", "inventory", "profile", "onboarding", "uri", "audit", "rate-limits", "lost-updates")


def measure_all(bench, data, args, started):
    """Every measurement of args.parts, in the order of the report; the emulator is re-seeded with `data` between them."""
    parts = set(args.parts.split(","))
    ops, lookups, inventory, profile, onboarding, skipped, audit = [], [], [], None, [], [], []
    if "operations" in parts:
        print("1. per operation ...", flush=True)
        ops = measure_operations(bench, data) + measure_people(bench, data) + measure_api_token(bench, data)
        print("   {0:.0f} s".format(time.monotonic() - started), flush=True)
    if "lookups" in parts:
        print("3b. by-name lookups at", args.lookup_sizes, "tokens ...", flush=True)
        lookups = lookup_scaling(bench, [int(n) for n in args.lookup_sizes.split(",")])
    if args.inventory_size and "inventory" in parts:
        print("4. inventory plugin at", args.inventory_size, "Workspaces ...", flush=True)
        inventory = measure_inventory(bench, args.inventory_size)
    bench.emu.control.reset(seed=data)
    bench.emu.control.clear_log()
    if "profile" in parts and not args.no_profile:
        profile = profile_module(bench, data)
    if "onboarding" in parts:
        sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.main_size})
        onboarding, skipped = run_onboarding(bench, data, sizes, args, started, with_uri="uri" in parts)
    if "audit" in parts:
        audit = measure_audit(bench, [int(n) for n in args.audit_sizes.split(",")])
    rate_limits = measure_rate_limits(bench, args.rate_limits_size) if args.rate_limits_size and "rate-limits" in parts else []
    lost = []
    if args.lost_update_trials and "lost-updates" in parts:
        print("5. lost role edits between jobs sharing no lock dir,", args.lost_update_trials, "trials per setup ...", flush=True)
        lost = lost_updates.measure(bench.emu, lost_updates.demo_seed(), lost_updates.playbook_runner(bench), bench.workdir,
                                    trials=args.lost_update_trials)
    checks = targets(ops, onboarding, args.main_size, args.serial_size) + scale_targets(onboarding, data) + inventory_targets(inventory)
    checks += audit_targets(audit) + lost_update_targets(lost)
    return dict(ops=ops, lookups=lookups, inventory=inventory, profile=profile, onboarding=onboarding, skipped=skipped, checks=checks,
                audit=audit, rate_limits=rate_limits, lost_updates=lost)


def write_results(results, output):
    text = markdown(results)
    output.mkdir(parents=True, exist_ok=True)
    (output / "latest.md").write_text(text)
    write_csv(output / "latest.csv", results)
    plot(output / "latest.png", results["onboarding"], results["lookups"])
    print(text)
    print("wrote", output / "latest.md", output / "latest.csv", output / "latest.png")
    if output.resolve() == (BENCH_DIR / "results").resolve() and update_readme(text):
        print("updated the figures in", README)


def main(argv=None):
    args = parse_args(argv)
    if args.readme_only:
        return 0 if update_readme((Path(args.output) / "latest.md").read_text()) else 1
    given = sys.argv[1:] if argv is None else argv
    command = "`make bench`" + (' `BENCH_ARGS="{0}"`'.format(" ".join(given)) if given else "")
    started = time.monotonic()
    sizes = [int(s) for s in args.sizes.split(",")] + [args.main_size]
    # One organization for every size up to the target size, large enough for the largest of them: the look-ups then
    # cost the same at every size. A larger size runs in an organization of its own size (run_onboarding).
    data = seedgen.generate(workspaces=max([200] + [size for size in sizes if size <= TARGET_SIZE]))
    workdir = Path(tempfile.mkdtemp(prefix="astro-bench-"))
    print("building and installing the collection into", workdir, flush=True)
    collections = install(workdir)
    # No rate limits: the seconds measured are the collection's; measure_rate_limits turns them on for its own row.
    emulator = Emulator(seed=data, rate_limits=False)
    emulator.start()
    try:
        if args.rate_limits_only:
            rows = measure_rate_limits(Bench(emulator, collections, workdir, forks=args.forks), args.rate_limits_size)
            text = "\n".join(markdown_rate_limits(rows))
            Path(args.output).mkdir(parents=True, exist_ok=True)
            (Path(args.output) / "rate-limits.md").write_text(text)
            print(text)
            return 0
        results = measure_all(Bench(emulator, collections, workdir, forks=args.forks), data, args, started)
        results["meta"] = dict(
            date=datetime.date.today().isoformat(), machine=platform.machine() + " " + platform.system(), nproc=os.cpu_count(),
            python=platform.python_version(), ansible=_ansible_version(), forks=args.forks, tokens=len(data["tokens"]),
            workspaces=len(data["workspaces"]), deployments=len(data["deployments"]), custom_roles=len(data["custom_roles"]),
            total=time.monotonic() - started, command=command)
        write_results(results, Path(args.output))
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _ansible_version():
    try:
        from ansible.release import __version__  # noqa: PLC0415
        return __version__
    except ImportError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
