# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whoever can name a Workspace, a Deployment or a token, or write the inventory cache, runs nothing on the controller
and reads no file: names are data, never templates, paths or other inventory hosts; the API token is never shown.

Each attack leaves a marker file when it works; every test asserts that none was made.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from harness.cores import NEWEST_CORE, OLDEST_CORE, core_venv

DEV_VENV_BIN = Path(sys.executable).parent
HOSTILE_WORKSPACE = "chostileworkspace00000001"
HOSTILE_DEPLOYMENT = "chostiledeployment0000001"
HOSTILE_ANALYTICS_DEPLOYMENT = "chostiledeployment0000002"
HOSTILE_TOKEN = "chostiletoken000000000001"
# None is the dev venv's ansible-core (2.19); the oldest core has no trust model, the newest the latest one.
CORES = [OLDEST_CORE, None, NEWEST_CORE]


def bin_dir(core):
    return core_venv(core) if core else DEV_VENV_BIN


def attack(markers, what):
    """A name that, templated, runs a command making the marker file `what`."""
    return "{{{{ lookup('ansible.builtin.pipe', 'touch {0}') }}}}".format(markers / what)


def block_attack(markers, what):
    return "{{% set x = lookup('ansible.builtin.pipe', 'touch {0}') %}}".format(markers / what)


def made_markers(markers):
    return sorted(p.name for p in markers.iterdir())


def hostile_seed(demo_seed, markers):
    """The demo seed plus a Workspace, Deployments and a token whose names and descriptions run commands if templated."""
    seed = copy.deepcopy(demo_seed)
    analytics = next(w["id"] for w in seed["workspaces"] if w["name"] == "analytics")
    seed["workspaces"].append(dict(id=HOSTILE_WORKSPACE, name=attack(markers, "workspace-name"),
                                   description=block_attack(markers, "workspace-description")))
    seed["deployments"] += [
        dict(id=HOSTILE_DEPLOYMENT, workspaceId=HOSTILE_WORKSPACE, name=attack(markers, "deployment-name"),
             description=block_attack(markers, "deployment-description")),
        dict(id=HOSTILE_ANALYTICS_DEPLOYMENT, workspaceId=analytics, name=attack(markers, "analytics-deployment-name")),
    ]
    seed["tokens"].append(dict(
        id=HOSTILE_TOKEN, name=attack(markers, "token-name"), description=attack(markers, "token-description"),
        scope="ORGANIZATION", kind="STANDARD", created_by_token=seed["tokens"][0]["id"],
        roles=[{"entityType": "ORGANIZATION", "entityId": seed["organization"]["id"], "role": "ORGANIZATION_MEMBER"},
               {"entityType": "WORKSPACE", "entityId": analytics, "role": "WORKSPACE_MEMBER"},
               {"entityType": "DEPLOYMENT", "entityId": HOSTILE_ANALYTICS_DEPLOYMENT, "role": "DEPLOYMENT_ADMIN"}]))
    return seed


@pytest.fixture
def markers(tmp_path):
    path = tmp_path / "markers"
    path.mkdir()
    return path


@pytest.fixture
def hostile(emulator, demo_seed, markers):
    """The emulator serving the hostile seed."""
    emulator.control.reset(hostile_seed(demo_seed, markers))
    return emulator


def write_inventory(path, **options):
    path.write_text(yaml.safe_dump(dict({"plugin": "astro.platform.astro"}, **options)))
    return path


def list_inventory(ansible, source, core=None, extra_env=None, verbosity=0):
    """Run ansible-inventory --list; return the finished process and the inventory it wrote (None if it wrote none)."""
    output = ansible.workdir / "inventory-{0}.json".format(next(ansible._ids))
    command = [str(bin_dir(core) / "ansible-inventory"), "-i", str(source), "--list", "--output", str(output)]
    listed = subprocess.run(command + (["-" + "v" * verbosity] if verbosity else []), cwd=ansible.workdir, env=ansible.env(extra_env),
                            capture_output=True, text=True, timeout=180, check=False)
    return listed, (json.loads(output.read_text()) if output.exists() else None)


def plain(value):
    """ansible-inventory shows strings marked unsafe as {"__ansible_unsafe": ...}."""
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value


CONSTRUCTED = dict(
    include_deployments=True,
    compose={"shown_name": "astro_workspace_name ~ ' / ' ~ astro_workspace_description | default('')",
             "shown_deployment": "astro_deployment_name | default('')"},
    keyed_groups=[{"key": "astro_workspace_name", "prefix": "named"}, {"key": "astro_deployment_name | default('none')", "prefix": "dep"}],
    groups={"hostile": "'lookup' in astro_workspace_name and astro_deployment_name is not defined"},
)


@pytest.mark.parametrize("core", CORES, ids=lambda core: core or "dev")
def test_api_names_are_never_templated(ansible, hostile, demo_seed, markers, installed_collection, core):
    source = write_inventory(ansible.workdir / "constructed.astro.yml", **CONSTRUCTED)
    listed, inventory = list_inventory(ansible, source, core)
    assert listed.returncode == 0, listed.stderr
    assert made_markers(markers) == [], listed.stderr
    assert "WARNING" not in listed.stderr and "DEPRECAT" not in listed.stderr, listed.stderr  # no old API used where it is deprecated
    hostvars = inventory["_meta"]["hostvars"]
    [hostile_host] = [h for h, v in hostvars.items() if plain(v.get("astro_workspace_id")) == HOSTILE_WORKSPACE and "astro_deployment_id" not in v]
    assert plain(hostvars[hostile_host]["astro_workspace_name"]) == attack(markers, "workspace-name")
    assert plain(hostvars[hostile_host]["shown_name"]) == attack(markers, "workspace-name") + " / " + block_attack(markers, "workspace-description")
    assert inventory["hostile"]["hosts"] == [hostile_host]

    debug = ansible.run([
        {"name": "show the names", "ansible.builtin.debug": {"msg": "{{ astro_workspace_name }} {{ astro_workspace_description | default('') }} "
                                                                    "{{ astro_deployment_name | default('') }} {{ shown_name }}"}},
        {"name": "show the name as a variable", "ansible.builtin.debug": {"var": "astro_workspace_name"}},
    ], hosts="all", inventory=source, core=core, verbosity=1)
    assert debug.rc == 0, debug.output
    assert made_markers(markers) == [], debug.output
    assert attack(markers, "workspace-name") in debug.task("show the names", host=hostile_host)["msg"]

    onboard = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "onboard_workspaces.yml"
    declaration = {"astro_workspaces": [
        {"workspace": "analytics", "exclusive": True, "org_tokens": [{"token": "never-used-reader", "role": "WORKSPACE_MEMBER"}]},
        {"workspace_id": HOSTILE_WORKSPACE,
         "deployment_tokens": [{"token": "ci-deployer", "role": "DEPLOYMENT_ADMIN", "deployments": "all"}]},
    ]}
    checked = ansible.run(playbook=onboard, inventory=write_inventory(ansible.workdir / "plain.astro.yml"), check=True,
                          extra_vars=declaration, core=core, verbosity=1)
    assert checked.rc == 0, checked.output
    assert made_markers(markers) == [], checked.output
    assert attack(markers, "token-name") in checked.output  # the hostile token's roles in analytics are planned for removal
    assert hostile.control.writes() == []


@pytest.mark.parametrize("core", [OLDEST_CORE, None], ids=lambda core: core or "dev")
def test_a_declarations_file_is_data(ansible, hostile, markers, installed_collection, core, tmp_path):
    """A Workspace declared by its hostile name in the playbook's declarations file matches it, and nothing runs."""
    onboard = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "onboard_workspaces.yml"
    vars_file = tmp_path / "declarations.yml"
    vars_file.write_text(yaml.safe_dump({"astro_workspaces": [
        {"workspace": attack(markers, "workspace-name"), "org_tokens": [{"token": "never-used-reader", "role": "WORKSPACE_MEMBER"}]},
    ]}))
    checked = ansible.run(playbook=onboard, check=True, core=core, verbosity=1,
                          extra_vars={"astro_onboarding_hosts": "localhost", "astro_onboarding_vars_file": str(vars_file)})
    assert checked.rc == 0, checked.output
    assert made_markers(markers) == [], checked.output
    assert "never-used-reader: +WORKSPACE" in checked.output and HOSTILE_WORKSPACE in checked.output, checked.output
    assert hostile.control.writes() == []


def test_demo_and_audit_playbooks_show_hostile_names_as_text(ansible, hostile, markers, installed_collection):
    """The whole demo (every module, the onboarding, the token audit) on the core without a trust model."""
    playbooks = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks"
    run = ansible.run(playbook=playbooks / "demo.yml", inventory=write_inventory(ansible.workdir / "demo.astro.yml"),
                      extra_vars={"astro_audit_dir": str(ansible.workdir / "reports")}, core=OLDEST_CORE, verbosity=1)
    assert run.rc == 0, run.output
    assert made_markers(markers) == [], run.output
    assert attack(markers, "token-name") in (ansible.workdir / "reports" / "token_audit.md").read_text()


def test_hostile_team_names_and_user_emails_are_shown_escaped_and_never_templated(ansible, emulator, demo_seed, markers, seed):
    """A team's name and a user's e-mail come from the API (an identity provider may set them): printed escaped in the
    diff and the warnings, kept as data in the results, never templated."""
    hostile = copy.deepcopy(demo_seed)
    team = next(t for t in hostile["teams"] if t["name"] == "platform-admins")
    team["name"] = "admins\x1b]0;owned\x07\x1b[2K" + attack(markers, "team-name")
    user = next(u for u in hostile["users"] if u["username"] == "katherine@acme.example")
    user["username"] = "kj\n+ORGANIZATION x: ORGANIZATION_OWNER@acme.example" + block_attack(markers, "user-email")
    emulator.control.reset(hostile)
    analytics = seed.workspace("analytics")
    run = ansible.run([
        {"name": "team", "astro.platform.team_roles": {"team_id": team["id"], "workspace_roles": [{"workspace_id": analytics, "role": "WORKSPACE_MEMBER"}]}},
        {"name": "user", "astro.platform.user_roles": {"user_id": user["id"], "workspace_roles": [{"workspace_id": analytics, "role": "WORKSPACE_MEMBER"}]}},
        {"name": "user again, kept", "astro.platform.user_roles": {
            "user_id": user["id"], "workspace_roles": [{"workspace_id": analytics, "role": "WORKSPACE_OWNER", "state": "absent"}]}},
    ], verbosity=1)
    assert run.rc == 0, run.output
    assert made_markers(markers) == [], run.output
    assert "\x1b" not in run.output and "\x07" not in run.output
    forged = [line for line in run.stdout.splitlines() if line.startswith("+ORGANIZATION x")]
    assert forged == [], forged
    assert "roles of team admins\\u001b]0;owned\\u0007\\u001b[2K" in run.stdout, run.stdout
    assert "roles of user kj\\u000a+ORGANIZATION x: ORGANIZATION_OWNER@acme.example" in run.stdout, run.stdout
    assert run.task("team")["team"]["name"] == team["name"], "the name is data, returned as the API gave it"
    assert run.task("user")["user"]["email"] == user["username"]
    warning = " ".join(run.task("user again, kept")["warnings"])
    assert "User kj\\u000a+ORGANIZATION x" in warning and "\n" not in warning, warning
    assert [w["operationId"] for w in emulator.control.writes()] == ["UpdateTeamRoles", "UpdateUserRoles"]


def private_data_dir(tmp_path, token, markers):
    """A job's private data directory as AWX and ansible-runner lay it out, plus a vars file elsewhere in it that
    points the Python interpreter at a script making a marker."""
    private = tmp_path / "runner"
    (private / "env").mkdir(parents=True)
    (private / "env" / "envvars").write_text(yaml.safe_dump({"ASTRO_API_TOKEN": token}))
    (private / "elsewhere").mkdir()
    script = private / "elsewhere" / "python"
    script.write_text("#!/bin/sh\ntouch {0}\nexec {1} \"$@\"\n".format(markers / "interpreter", sys.executable))
    script.chmod(0o755)
    (private / "elsewhere" / "x").write_text(yaml.safe_dump({"ansible_python_interpreter": str(script)}))
    inventory = private / "inventory"
    (inventory / "host_vars").mkdir(parents=True)
    (inventory / "hosts.ini").write_text("db1 ansible_host=192.0.2.10\n")  # read first: sources are read in name order
    write_inventory(inventory / "workspaces.astro.yml", include_deployments=True)
    return inventory


def seed_with_workspaces(demo_seed, names):
    seed = copy.deepcopy(demo_seed)
    for index, name in enumerate(names):
        workspace_id = "chostilename{0:013d}".format(index)
        seed["workspaces"].append(dict(id=workspace_id, name=name, description="hostile name"))
        seed["deployments"].append(dict(id="chostiledeploy{0:011d}".format(index), workspaceId=workspace_id, name=name))
    return seed


def test_workspace_names_are_never_paths(ansible, emulator, demo_seed, markers, tmp_path):
    """Host names are host_vars file names: '../../env/envvars' would read the job's credentials as host variables,
    '../../elsewhere/x' a file setting ansible_python_interpreter to a script."""
    inventory = private_data_dir(tmp_path, emulator.caller_secret, markers)
    emulator.control.reset(seed_with_workspaces(demo_seed, ["../../env/envvars", "../../elsewhere/x"]))
    listed, listing = list_inventory(ansible, inventory, verbosity=3)
    assert listed.returncode == 0, listed.stderr
    assert emulator.caller_secret not in listed.stdout + listed.stderr + json.dumps(listing)
    hostvars = listing["_meta"]["hostvars"]
    assert not any("ASTRO_API_TOKEN" in host_vars for host_vars in hostvars.values())
    run = ansible.run([{"name": "run a module on every Workspace host", "ansible.builtin.ping": {}}], hosts="astro_workspaces",
                      inventory=inventory, verbosity=1)
    assert run.rc == 0, run.output
    assert made_markers(markers) == [], run.output
    assert {plain(hostvars[host]["astro_workspace_name"]) for host in ("___.._env_envvars", "___.._elsewhere_x")} == {
        "../../env/envvars", "../../elsewhere/x"}
    assert {"___.._env_envvars.___.._env_envvars", "___.._elsewhere_x.___.._elsewhere_x"} <= set(hostvars)  # their Deployments


ODD_NAMES = ["..", ".", ".hidden", "a/b", "a b", "a_b", "localhost", "all", "", "{{ x }}", "ünï", "x" * 300]


def test_host_names_follow_the_documented_rule(ansible, emulator, demo_seed, tmp_path):
    emulator.control.reset(seed_with_workspaces(demo_seed, ODD_NAMES))
    listed, listing = list_inventory(ansible, write_inventory(tmp_path / "odd.astro.yml", include_deployments=True))
    assert listed.returncode == 0 and "WARNING" not in listed.stderr, listed.stderr
    hostvars = listing["_meta"]["hostvars"]
    workspace_hosts = dict((plain(v["astro_workspace_id"]), host) for host, v in hostvars.items() if "astro_deployment_id" not in v)
    hosts = [workspace_hosts["chostilename{0:013d}".format(index)] for index in range(len(ODD_NAMES))]
    assert hosts == ["__", "_", "_hidden", "a_b_chostilename0000000000003", "a_b_chostilename0000000000004", "a_b_chostilename0000000000005",
                     "localhost_chostilename0000000000006", "all_chostilename0000000000007", "_chostilename0000000000008",
                     "___x___", "_n_", "x" * 300]
    for host, host_vars in hostvars.items():
        assert "/" not in host and not host.startswith("."), host
        if "astro_deployment_id" in host_vars:  # <Workspace host>.<Deployment name>, made safe the same way
            assert host.startswith(workspace_hosts[plain(host_vars["astro_workspace_id"])] + "."), host
    assert plain(hostvars["__"]["astro_workspace_name"]) == ".."
    assert sorted(listing["astro_workspace_a_b_chostilename0000000000003"]["hosts"]) == ["a_b_chostilename0000000000003.a_b"]


def test_a_host_of_another_source_is_never_taken_over(ansible, emulator, demo_seed, markers, tmp_path):
    inventory = private_data_dir(tmp_path, emulator.caller_secret, markers)
    emulator.control.reset(seed_with_workspaces(demo_seed, ["db1"]))
    listed, listing = list_inventory(ansible, inventory)
    assert emulator.caller_secret not in listed.stdout + listed.stderr + json.dumps(listing)
    hostvars = listing["_meta"]["hostvars"]
    assert hostvars["db1"] == {"ansible_host": "192.0.2.10"}
    assert "the host 'db1' is already in the inventory" in " ".join(listed.stderr.split()), listed.stderr


def cached_inventory(ansible, tmp_path, core=None):
    """An inventory source with a jsonfile cache in tmp_path/cache, run once to fill it; and the path of its one cache file."""
    source = write_inventory(tmp_path / "cached.astro.yml", cache=True, cache_plugin="ansible.builtin.jsonfile",
                             cache_connection=str(tmp_path / "cache"),
                             compose={"shown_name": "astro_workspace_name ~ ' ' ~ astro_workspace_description"})
    listed, _ = list_inventory(ansible, source, core)
    assert listed.returncode == 0, listed.stderr
    [cache_file] = (tmp_path / "cache").iterdir()
    return source, cache_file


def read_entry(cache_file):
    """The cached entry; ansible-core 2.19 and later store it as a JSON payload that keeps Ansible's data tags."""
    stored = json.loads(cache_file.read_text())
    return json.loads(stored["__payload__"]) if "__payload__" in stored else stored


def write_entry(cache_file, entry):
    wrapped = "__payload__" in json.loads(cache_file.read_text())
    cache_file.write_text(json.dumps({"__payload__": json.dumps(entry)} if wrapped else entry))


def trusted(cache_file, text):
    """text as a planted cache entry carries it: tagged as trusted for templating where the core has such tags."""
    if "__payload__" not in json.loads(cache_file.read_text()):
        return text
    return {"value": text, "tags": [{"__ansible_type": "TrustedAsTemplate"}], "__ansible_type": "_AnsibleTaggedStr"}


@pytest.mark.parametrize("core", CORES, ids=lambda core: core or "dev")
def test_a_planted_cache_entry_is_data(ansible, emulator, markers, tmp_path, core):
    source, cache_file = cached_inventory(ansible, tmp_path, core)
    entry = read_entry(cache_file)
    analytics = next(w for w in entry["workspaces"] if w["name"] == "analytics")
    analytics.update(name=trusted(cache_file, attack(markers, "cached-name")),
                     description=trusted(cache_file, block_attack(markers, "cached-description")))
    write_entry(cache_file, entry)

    listed, listing = list_inventory(ansible, source, core)
    assert listed.returncode == 0, listed.stderr
    assert made_markers(markers) == [], listed.stderr
    [host] = [h for h, v in listing["_meta"]["hostvars"].items() if plain(v["astro_workspace_id"]) == analytics["id"]]
    assert plain(listing["_meta"]["hostvars"][host]["astro_workspace_name"]) == attack(markers, "cached-name")  # read from the cache
    run = ansible.run([{"name": "show the cached names", "ansible.builtin.debug": {"msg": "{{ astro_workspace_name }} {{ shown_name }}"}}],
                      hosts="astro_workspaces", inventory=source, core=core, verbosity=1)
    assert run.rc == 0, run.output
    assert made_markers(markers) == [], run.output


def set_path(entry, path, value):
    target = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


BAD_ENTRIES = {
    "a name that is not a string": (("workspaces", 0, "name"), ["data-platform"]),
    "workspaces that are not a list": (("workspaces",), "data-platform"),
    "a Workspace without an ID": (("workspaces", 0, "id"), None),
    "another organization": (("source", "organization_id"), "cotherorganization0000001"),
    "a key of its own": (("hosts",), ["db1"]),
    "a Deployment of no Workspace": (("deployments",), [{"id": "cdeployment00000000000001", "name": "x", "workspaceId": "cnoworkspace0000000000001"}]),
}


@pytest.mark.parametrize("bad", sorted(BAD_ENTRIES))
def test_a_cache_entry_of_another_shape_is_read_again_from_the_api(ansible, emulator, tmp_path, bad):
    source, cache_file = cached_inventory(ansible, tmp_path)
    entry = read_entry(cache_file)
    set_path(entry, *BAD_ENTRIES[bad])
    write_entry(cache_file, entry)
    emulator.control.clear_log()
    listed, listing = list_inventory(ansible, source)
    assert listed.returncode == 0, listed.stderr
    assert "the cached inventory is not used" in " ".join(listed.stderr.split()), listed.stderr
    assert sorted(listing["astro_workspaces"]["hosts"]) == ["analytics", "data-platform", "ml-research"]
    assert emulator.control.counts().get("ListWorkspaces") == 1
    assert read_entry(cache_file) != entry  # written again from the API


class EchoingServer:
    """An API on 127.0.0.1 whose error answers echo the request's Authorization header, as some proxies do."""

    def __init__(self, status):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (the name http.server calls)
                body = json.dumps({"message": "rejected header Authorization: {0}".format(self.headers.get("Authorization")),
                                   "requestId": "echo", "statusCode": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_url = "http://127.0.0.1:{0}/v1".format(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize("core", [OLDEST_CORE, None], ids=lambda core: core or "dev")
@pytest.mark.parametrize("status", [401, 500])
def test_the_api_token_is_masked_in_inventory_errors(ansible, tmp_path, core, status):
    server = EchoingServer(status)
    token = ansible.api_env["ASTRO_API_TOKEN"]
    log = tmp_path / "ansible.log"
    try:
        listed, _ = list_inventory(ansible, write_inventory(tmp_path / "echo.astro.yml"), core, verbosity=4,
                                   extra_env={"ASTRO_API_URL": server.api_url, "ANSIBLE_LOG_PATH": str(log)})
    finally:
        server.close()
    everything = listed.stdout + listed.stderr + (log.read_text() if log.exists() else "")
    assert token not in everything
    assert "rejected header Authorization: Bearer ********" in " ".join(everything.split()), everything  # shown, masked
