# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets and trust at the edges (issue 26), each attack reproduced with real ansible-playbook or ansible-inventory
on the oldest and newest claimed ansible-core: a gateway that echoes a new secret, a secret_file in a directory
another user controls, an inventory cache another user can write, host names an inventory directory reads as files,
a huge answer, names with control characters, hostile declarations files and hygiene patterns.

The `ansible` fixture fails a run whose output, results or log holds the API token or any secret the emulator issued.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml
from harness.cores import NEWEST_CORE, OLDEST_CORE, core_venv

CORES = [OLDEST_CORE, NEWEST_CORE]
MODULE = "astro.platform.api_token"


def rotate_task(seed, secret_file, **options):
    return {"name": "rotate", "ignore_errors": True, MODULE: dict(
        name="never-used-reader", token_id=seed.token("never-used-reader"), rotate=True, secret_file=str(secret_file), **options)}


class Gateway:
    """A proxy on 127.0.0.1 in front of the emulator that forwards every request, and answers those of the paths
    ending in `suffix` (a rotate, a create) the way a broken gateway does: `answer(upstream status, body)` gives
    (status, bytes) to send back instead."""

    def __init__(self, upstream_url, suffix, answer):
        upstream = upstream_url.rstrip("/")
        prefix = "/v1"

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "accept")}
                answer_ = requests.request(self.command, upstream + self.path[len(prefix):], data=body, headers=headers, timeout=30)
                status, data = answer_.status_code, answer_.content
                if self.path.split("?")[0].endswith(suffix):
                    status, data = answer(status, answer_.text)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_url = "http://127.0.0.1:{0}{1}".format(self._server.server_address[1], prefix)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def gateway(emulator):
    started = []

    def start(suffix, answer):
        started.append(Gateway(emulator.api_url, suffix, answer))
        return started[-1]
    yield start
    for server in started:
        server.close()


def token_first(text):
    """The answer with its secret first, as the gateway of the report served it."""
    answer = json.loads(text)
    return json.dumps(dict({"token": answer.pop("token")}, **answer))


ECHOES = {
    "500 quoting the upstream answer": lambda status, text: (500, json.dumps({"message": "upstream said: " + token_first(text)}).encode()),
    "502 quoting it, retried": lambda status, text: (502, ("<html><body>Bad gateway. Upstream: " + token_first(text) + "</body></html>").encode()),
    "200 that is not JSON": lambda status, text: (200, (token_first(text) + "\n<!-- served by gateway -->").encode()),
}


# 1. Every secret issued in a run is masked in every message, even one the client only ever saw in an error body.

@pytest.mark.parametrize("core", CORES)
def test_a_new_secret_echoed_by_a_gateway_is_never_shown(ansible, emulator, seed, gateway, tmp_path, core):
    """Each echo behind its own gateway, a task each (api_url names its gateway), in one playbook; then all again at -vvvv."""
    proxies = {echo: gateway("/rotate", ECHOES[echo]) for echo in sorted(ECHOES)}

    def rotations(max_retries):
        return [dict(rotate_task(seed, tmp_path / "reader-{0}.token".format(index), max_retries=max_retries, api_url=proxy.api_url),
                     name=echo) for index, (echo, proxy) in enumerate(proxies.items())]
    emulator.control.clear_log()
    run = ansible.run(rotations(max_retries=2), verbosity=0, core=core)  # the fixture's leak check: stdout, stderr, results, ANSIBLE_LOG_PATH
    for echo in proxies:
        failed = run.task(echo)
        assert failed["failed"], (echo, failed)
        assert '"token": "********' in failed["msg"].replace('\\"', '"'), (echo, failed["msg"])  # the rest of the answer is shown
    assert len(emulator.control.issued_secrets()) >= len(ECHOES), "a rotate did not reach the API"
    verbose = ansible.run(rotations(max_retries=0), verbosity=4, core=core)
    assert all(verbose.task(echo)["failed"] for echo in proxies)


def list_task(**options):
    return {"name": "list", "ignore_errors": True, "astro.platform.token_info": options}


# 5. The API token echoed across the point where a body is cut for the message: no piece of it shows.

@pytest.mark.parametrize("core", CORES)
def test_the_api_token_cut_where_an_error_body_is_clipped_shows_none_of_it(ansible, api_env, gateway, core):
    token = api_env["ASTRO_API_TOKEN"]
    body = ("x" * 250 + "rejected: Bearer " + token + " " + "y" * 300).encode()
    proxy = gateway("/tokens", lambda status, text: (401, body))
    run = ansible.run([list_task()], env={"ASTRO_API_URL": proxy.api_url}, verbosity=4, core=core)
    failed = run.task("list")
    assert failed["failed"] and "answered 401" in failed["msg"], failed
    everything = run.output + run.log + json.dumps(run.results)
    assert [token[i:i + 8] for i in range(len(token) - 7) if token[i:i + 8] in everything] == []


# 12. The clear-text check reads api_url as the transport does.

@pytest.mark.parametrize("core", CORES)
def test_a_url_that_only_looks_local_is_warned_about(ansible, emulator, core):
    url = "http://evil.invalid\\@127.0.0.1:{0}/v1".format(emulator.api_url.split(":")[-1].split("/")[0])
    run = ansible.run([list_task(max_retries=0, timeout=3)], env={"ASTRO_API_URL": url}, verbosity=0, core=core)
    assert "travels in clear text" in " ".join(run.output.split()), run.output
    assert run.task("list")["failed"]  # urllib3 went to evil.invalid, which does not resolve


# 13. An answer is read up to a bound, not whole.

@pytest.mark.parametrize("core", CORES)
def test_an_answer_bigger_than_any_astro_answer_is_refused(ansible, gateway, core):
    huge = b'{"tokens": [], "totalCount": 0, "padding": "' + b"x" * (80 * 1024 * 1024) + b'"}'  # 80 MB
    proxy = gateway("/tokens", lambda status, text: (200, huge))
    run = ansible.run([list_task()], env={"ASTRO_API_URL": proxy.api_url}, verbosity=0, core=core)
    failed = run.task("list")
    assert failed["failed"] and "is larger than 67108864 bytes" in failed["msg"], failed


# 2. A secret_file where another user could interfere is refused before the API is asked for a secret.

OTHER_UID = 65534  # nobody


def plant(tmp_path, planted):
    """A secret_file path that another user could interfere with, made as `planted` says; the path."""
    target = tmp_path / "secrets" / "reader.token"
    target.parent.mkdir(mode=0o700)
    if planted == "their directory":
        os.chown(target.parent, OTHER_UID, -1)
    elif planted == "a directory all may write":
        target.parent.chmod(0o777)
    elif planted == "their symlink as a parent":
        (tmp_path / "root-only").mkdir(mode=0o700)
        (tmp_path / "link").symlink_to(tmp_path / "root-only")
        os.lchown(tmp_path / "link", OTHER_UID, -1)
        target = tmp_path / "link" / "reader.token"
    elif planted == "their file at the path":
        target.write_text("theirs")
        os.chown(target, OTHER_UID, -1)
    return target


PLANTED = ["their directory", "a directory all may write", "their symlink as a parent", "their file at the path"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")
@pytest.mark.parametrize("core", CORES)
def test_a_secret_file_another_user_could_touch_is_refused_before_any_write(ansible, emulator, seed, tmp_path, core):
    """Each way in, a task each in one playbook: all refused, and none asked the API for a secret."""
    tasks = []
    for index, planted in enumerate(PLANTED):
        base = tmp_path / "planted-{0}".format(index)
        base.mkdir()
        tasks.append(dict(rotate_task(seed, plant(base, planted)), name=planted))
    emulator.control.clear_log()
    run = ansible.run(tasks, verbosity=0, core=core)
    for planted in PLANTED:
        failed = run.task(planted)
        assert failed["failed"] and "Refusing secret_file" in failed["msg"] and "Nothing was created or rotated" in failed["msg"], (planted, failed)
    assert emulator.control.writes() == [] and emulator.control.issued_secrets() == []


# 6 (first half). A relative secret_file is taken against the working directory, and the run says so.

@pytest.mark.parametrize("core", CORES)
def test_a_relative_secret_file_is_written_in_the_working_directory(ansible, emulator, seed, tmp_path, core):
    playbooks = tmp_path / "elsewhere"
    playbooks.mkdir()
    playbook = ansible.write_playbook([rotate_task(seed, "reader.token")])
    moved = playbooks / playbook.name
    playbook.rename(moved)
    run = ansible.run(playbook=moved, verbosity=0, core=core)  # run in ansible.workdir, the playbook in elsewhere/
    assert not run.task("rotate")["failed"], run.output
    written = ansible.workdir / "reader.token"
    assert written.read_text() == emulator.control.issued_secrets()[-1] and not (playbooks / "reader.token").exists()
    said = "is relative: it is taken against the working directory of ansible-playbook, as {0}".format(written)
    assert "".join(said.split()) in "".join(run.output.split()), run.output  # the warning is wrapped, anywhere


# 14. Another user's directory at the shared temporary default stops nothing: the default is private to the user.

@pytest.fixture
def short_tmp():
    """A temporary directory with a short path: ansible-core 2.21 makes a Unix socket in TMPDIR (108 bytes at most)."""
    path = Path(tempfile.mkdtemp(prefix="astro-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def lock_edit_task(seed):
    return {"name": "edit", "ignore_errors": True, "astro.platform.workspace_org_token": dict(
        token_id=seed.token("never-used-reader"), workspace_id=seed.workspace("analytics"), role="WORKSPACE_MEMBER")}


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
@pytest.mark.parametrize("core", CORES)
def test_a_lock_directory_planted_in_the_temporary_directory_stops_no_edit(ansible, emulator, seed, tmp_path, short_tmp, core):
    shared_tmp = short_tmp
    shared_tmp.chmod(0o1777)
    planted = shared_tmp / "astro.platform-locks-{0}".format(os.geteuid())
    planted.mkdir(mode=0o700)
    os.chown(planted, OTHER_UID, -1)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    env = dict(ASTRO_LOCK_DIR="", XDG_RUNTIME_DIR="", XDG_CACHE_HOME="", TMPDIR=str(shared_tmp), HOME=str(home))
    run = ansible.run([lock_edit_task(seed)], env=env, verbosity=0, core=core)
    assert not run.task("edit")["failed"], run.output
    assert (home / ".cache" / "astro.platform-locks").is_dir() and list(planted.iterdir()) == []

    open_home = tmp_path / "open-home"  # a cache directory in a home others may write to is not private either
    open_home.mkdir()
    open_home.chmod(0o777)
    env["XDG_CACHE_HOME"] = str(open_home / ".cache")  # so the shared default is the only one left, refused with what to do
    refused = ansible.run([lock_edit_task(seed)], env=env, verbosity=0, core=core).task("edit")
    assert refused["failed"] and "rm -r {0}".format(planted) in refused["msg"] and "XDG_RUNTIME_DIR" in refused["msg"], refused


# 3. An inventory cache another user can write to is refused; the cache is written 0600.

def write_inventory(path, **options):
    path.write_text(yaml.safe_dump(dict({"plugin": "astro.platform.astro"}, **options)))
    return path


def list_inventory(ansible, source, core, extra_env=None):
    """ansible-inventory --list on that core; (finished process, inventory or None)."""
    output = source.parent / (source.name + ".json")
    command = [str(core_venv(core) / "ansible-inventory"), "-i", str(source), "--list", "--output", str(output)]
    listed = subprocess.run(command, cwd=ansible.workdir, env=ansible.env(extra_env), capture_output=True, text=True,
                            timeout=180, check=False)
    return listed, (json.loads(output.read_text()) if output.exists() else None)


def plain(value):
    """ansible-inventory shows strings marked unsafe as {"__ansible_unsafe": ...}."""
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value


def cached_source(tmp_path, cache_dir):
    return write_inventory(tmp_path / "cached.astro.yml", cache=True, cache_plugin="ansible.builtin.jsonfile",
                           cache_connection=str(cache_dir))


@pytest.mark.parametrize("core", CORES)
def test_the_inventory_cache_is_written_readable_by_its_user_only(ansible, emulator, tmp_path, core):
    listed, _ = list_inventory(ansible, cached_source(tmp_path, tmp_path / "cache"), core)
    assert listed.returncode == 0, listed.stderr
    [cache_file] = (tmp_path / "cache").iterdir()
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600


CACHE_ATTACKS = ["a directory all may write", "their directory", "their file in it"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")
@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("attack", CACHE_ATTACKS)
def test_an_inventory_cache_another_user_may_write_is_refused(ansible, emulator, tmp_path, core, attack):
    cache_dir = tmp_path / "cache"
    source = cached_source(tmp_path, cache_dir)
    listed, _ = list_inventory(ansible, source, core)  # fills the cache
    assert listed.returncode == 0, listed.stderr
    [cache_file] = cache_dir.iterdir()
    if attack == "a directory all may write":
        cache_dir.chmod(0o777)
    elif attack == "their directory":
        os.chown(cache_dir, OTHER_UID, -1)
    else:
        os.chown(cache_file, OTHER_UID, -1)
    listed, inventory = list_inventory(ansible, source, core)
    said = " ".join(listed.stderr.split())
    assert "refusing the inventory cache" in said and "Set cache_connection to a directory of yours" in said, said
    assert "astro_workspaces" not in inventory, inventory  # the source is not used (ansible-inventory only warns)


# 4. Host names never end in a suffix an inventory directory reads as a file.

@pytest.mark.parametrize("core", CORES)
def test_no_host_name_ends_like_a_vars_file(ansible, emulator, demo_seed, tmp_path, core):
    seed = copy.deepcopy(demo_seed)
    names = ["db1.yml", "web.YAML", "x.json", "hosts.ini"]
    for index, name in enumerate(names):
        seed["workspaces"].append(dict(id="csuffix{0:018d}".format(index), name=name, description=""))
    seed["deployments"].append(dict(id="csuffixdeploy000000000001", workspaceId="csuffix{0:018d}".format(0), name="json"))
    emulator.control.reset(seed)
    inventory = tmp_path / "inventory"
    (inventory / "host_vars").mkdir(parents=True)
    (inventory / "hosts.ini").write_text("db1 ansible_host=192.0.2.10\n")
    (inventory / "host_vars" / "db1.yml").write_text("ansible_connection: ssh\nansible_become_password: theirs\n")
    (inventory / "host_vars" / "db1_yml.json").write_text("{}\n")
    write_inventory(inventory / "workspaces.astro.yml", include_deployments=True)
    listed, listing = list_inventory(ansible, inventory, core)
    assert listed.returncode == 0, listed.stderr
    hostvars = listing["_meta"]["hostvars"]
    assert {"db1_yml", "web_YAML", "x_json", "hosts_ini", "db1_yml.json_csuffixdeploy000000000001"} <= set(hostvars) or \
        {"db1_yml", "web_YAML", "x_json", "hosts_ini", "db1_yml_json"} <= set(hostvars), sorted(hostvars)
    for host, host_vars in hostvars.items():
        assert not host.lower().endswith((".yml", ".yaml", ".json", ".ini")), host
        if host != "db1":
            connection = host_vars.get("ansible_connection")
            assert "ansible_become_password" not in host_vars and plain(connection) == "local", (host, host_vars)


# 7. The declarations reader refuses aliases that expand past a bound, and keys given twice, naming them.

def alias_bomb(levels, width=10):
    """A few hundred bytes whose aliases expand to more than width ** (levels + 1) values (the report's had 9 levels)."""
    names = [chr(ord("a") + index) for index in range(levels + 1)]
    lines = ["{0}: &{0} [{1}]".format(names[0], ", ".join(["x"] * width))]
    lines += ["{0}: &{0} [{1}]".format(name, ", ".join(["*" + previous] * width)) for previous, name in zip(names, names[1:])]
    return "\n".join(lines) + "\nastro_workspaces: []\n"


DUPLICATE_KEY = """astro_workspaces:
  - workspace: data-platform
    exclusive: true
    org_tokens: [{token: ci-deployer, role: WORKSPACE_AUTHOR}]
    org_tokens: []
"""


DECLARATIONS_REFUSED = {
    "alias bomb": (alias_bomb(5, width=11), "values, more than the 1000000 a declarations file may hold (the largest value aliased starts at line 5)"),
    "duplicate key": (DUPLICATE_KEY, "the key 'org_tokens' is given twice (lines 4 and 5)"),
}


@pytest.mark.parametrize("core", CORES)
def test_a_declarations_file_with_an_alias_bomb_or_a_key_given_twice_is_refused(ansible, tmp_path, core):
    tasks = []
    for name, (content, _said) in DECLARATIONS_REFUSED.items():
        declarations = tmp_path / "{0}.yml".format(name.replace(" ", "-"))
        declarations.write_text(content)
        tasks.append({"name": name, "ignore_errors": True, "astro.platform.onboarding_declarations": {"path": str(declarations)}})
    run = ansible.run(tasks, verbosity=0, core=core)
    for task in tasks:
        failed, said = run.task(task["name"]), DECLARATIONS_REFUSED[task["name"]][1]
        assert failed["failed"] and said in failed["msg"] and task["astro.platform.onboarding_declarations"]["path"] in failed["msg"], repr(failed["msg"])


# 11. Hygiene: a pattern is one regular expression matching whole names; 8: names are data, never re-typed.

@pytest.fixture
def hygiene_playbook(installed_collection):
    return installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_hygiene.yml"


def hygiene_preview(ansible, playbook, tmp_path, core, **extra):
    extra_vars = dict(astro_hygiene_dir=str(tmp_path / "reports"), astro_hygiene_secret_dir=str(tmp_path / "secrets"), **extra)
    run = ansible.run(playbook=playbook, extra_vars=extra_vars, verbosity=0, core=core)
    report = tmp_path / "reports" / "token_hygiene.json"
    return run, (json.loads(report.read_text()) if report.exists() else None)


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("pattern", ["shared-.*)|(never-used-.*"])
def test_a_hygiene_pattern_that_is_not_one_regular_expression_fails_naming_it(ansible, emulator, hygiene_playbook, tmp_path,
                                                                                core, pattern):
    """Wrapped in ^(?:...)$, it matched every name that either starts with shared- or ends with never-used-. Other
    invalid patterns, and whole-name matching, are the filter's unit tests (tests/unit/.../test_tokens_named_like.py)."""
    emulator.control.clear_log()
    run, _ = hygiene_preview(ansible, hygiene_playbook, tmp_path, core, astro_hygiene_name_pattern=pattern, astro_hygiene_apply=True)
    said = " ".join(run.output.split())
    assert run.rc != 0 and "The name pattern {0!r} is not a valid Python regular expression".format(pattern) in said, run.output
    assert emulator.control.writes() == []


@pytest.mark.parametrize("core", CORES)
def test_a_hygiene_pattern_matches_whole_names_only(ansible, emulator, hygiene_playbook, tmp_path, core):
    run, report = hygiene_preview(ansible, hygiene_playbook, tmp_path, core, astro_hygiene_name_pattern="shared-.*|never-used")
    assert run.rc == 0, run.output
    assert sorted(entry["token"] for entry in report["in_scope"]) == ["shared-automation", "shared-automation"]


@pytest.mark.parametrize("core", CORES)
def test_hygiene_keeps_a_name_that_looks_like_a_python_literal(ansible, emulator, demo_seed, hygiene_playbook, tmp_path, core):
    seed = copy.deepcopy(demo_seed)
    literal = next(t for t in seed["tokens"] if t["name"] == "never-used-reader")
    literal["name"] = "[1,2]"
    emulator.control.reset(seed)
    run, report = hygiene_preview(ansible, hygiene_playbook, tmp_path, core, astro_hygiene_tokens=[literal["id"]],
                                  astro_hygiene_apply=True)
    assert run.rc == 0, run.output
    assert [entry["token_id"] for entry in report["rotate"]] == [literal["id"]]
    assert emulator.control.token(literal["id"])["name"] == "[1,2]"
    assert [w["operationId"] for w in emulator.control.writes()] == ["RotateApiToken"], emulator.control.writes()


# 9. Control characters in names and descriptions are shown escaped: no terminal escape, no forged diff line.

@pytest.mark.parametrize("core", CORES)
def test_control_characters_in_names_are_escaped_in_diffs(ansible, emulator, demo_seed, seed, tmp_path, core):
    hostile = copy.deepcopy(demo_seed)
    reader = next(t for t in hostile["tokens"] if t["name"] == "never-used-reader")
    reader.update(name="reader\x1b]0;owned\x07\x1b[2K", description="audit\nrole: ORGANIZATION_OWNER")
    emulator.control.reset(hostile)
    run = ansible.run([
        {"name": "rename", MODULE: dict(token_id=reader["id"], name="reader-renamed")},
        {"name": "add a role", "astro.platform.workspace_org_token": dict(
            token_id=reader["id"], workspace_id=seed.workspace("analytics"), role="WORKSPACE_MEMBER")},
    ], check=True, verbosity=0, core=core)
    assert run.rc == 0, run.output
    assert "\x1b" not in run.output and "\x07" not in run.output
    forged = [line for line in run.stdout.splitlines() if line.lstrip("+- ").startswith("role: ORGANIZATION_OWNER")]
    assert forged == [], forged
    assert "description: audit\\u000arole: ORGANIZATION_OWNER" in run.stdout, run.stdout
    assert "roles of token reader\\u001b]0;owned\\u0007\\u001b[2K ({0})".format(reader["id"]) in run.stdout, run.stdout


@pytest.mark.parametrize("core", CORES)
def test_the_callers_own_token_and_excluded_tokens_stay_out_of_a_hygiene_pattern(ansible, emulator, seed, hygiene_playbook, tmp_path,
                                                                                  core):
    caller, excluded = seed.token("ci-deployer"), seed.token("never-used-reader")
    run, report = hygiene_preview(ansible, hygiene_playbook, tmp_path, core, astro_hygiene_name_pattern=".*",
                                  astro_hygiene_caller_token_id=caller, astro_hygiene_exclude=["never-used-reader"])
    assert run.rc == 0, run.output
    in_scope = [entry["token_id"] for entry in report["in_scope"]]
    assert caller not in in_scope and excluded not in in_scope and len(in_scope) > 3, in_scope
    run, report = hygiene_preview(ansible, hygiene_playbook, tmp_path, core, astro_hygiene_tokens=[caller],
                                  astro_hygiene_caller_token_id=caller, astro_hygiene_include_caller_token=True)
    assert [entry["token_id"] for entry in report["in_scope"]] == [caller]  # named by ID, and asked for


# 9, every printing path: a name from the API with ESC and newline sequences, through warnings, failure messages, the
# API's own error message, loop labels, the onboarding's lines and the hygiene's report, is shown escaped.

HOSTILE = "x\x1b]0;owned\x07\x1b[2K\n+ forged line"
HOSTILE_SHOWN = "x\\u001b]0;owned\\u0007\\u001b[2K\\u000a+ forged line"


def raw_control(text):
    """The raw control characters of a text (what a terminal or a diff would act on), line breaks between lines aside."""
    return sorted({char for line in text.splitlines() for char in line if not char.isprintable() and char != "\t"})


def forged(text):
    return [line for line in text.splitlines() if line.lstrip(" +-").startswith("forged line")]


def hostile_seed(demo_seed):
    """ci-deployer, both shared-automation tokens and the data-platform Workspace named HOSTILE (+ a suffix)."""
    seed = copy.deepcopy(demo_seed)
    for token in seed["tokens"]:
        if token["name"] in ("ci-deployer", "shared-automation"):
            token["name"] = HOSTILE + ("" if token["name"] == "shared-automation" else " ci")
    next(w for w in seed["workspaces"] if w["name"] == "data-platform")["name"] = HOSTILE + " ws"
    return seed


@pytest.mark.parametrize("core", CORES)
def test_a_hostile_name_is_escaped_in_warnings_failures_api_errors_and_labels(ansible, emulator, demo_seed, seed, gateway,
                                                                              core):
    emulator.control.reset(hostile_seed(demo_seed))
    ci, data_platform = seed.token("ci-deployer"), seed.workspace("data-platform")
    proxy = gateway("/roles", lambda status, text: (400, json.dumps({"message": "refused " + HOSTILE, "requestId": HOSTILE}).encode()))
    run = ansible.run([
        # A warning: the token holds WORKSPACE_AUTHOR there, not the role to remove; it is kept, and the warning names
        # the token and the Workspace.
        {"name": "warn", "astro.platform.workspace_org_token": dict(token_id=ci, workspace_id=data_platform,
                                                                    role="WORKSPACE_MEMBER", state="absent")},
        # A failure: the two tokens of that name, listed with their names.
        {"name": "ambiguous", "ignore_errors": True, "astro.platform.api_token": dict(
            name=HOSTILE, state="absent")},
        # The API's own error message, as a gateway may echo a name in it.
        {"name": "api error", "ignore_errors": True, "astro.platform.deployment_info": dict(
            with_deployment_roles=True, api_url=proxy.api_url, max_retries=0)},
        # A loop label and a debug line of a playbook, through the collection's filter.
        {"name": "list", "astro.platform.token_info": dict(), "register": "listed"},
        {"name": "label", "ansible.builtin.debug": {"msg": "{{ item.id }} {{ item.name | astro.platform.printable }}"},
         "loop": "{{ listed.tokens | selectattr('name', 'search', 'forged') | list }}",
         "loop_control": {"label": "{{ item.name | astro.platform.printable }}"}},
    ], verbosity=0, core=core)
    assert run.rc == 0, run.output
    assert raw_control(run.output) == [] and forged(run.output) == [], run.output
    warning = " ".join(run.output.split())
    assert "Token {0} ci ({1}) holds WORKSPACE_AUTHOR on WORKSPACE {0} ws ({2})".format(HOSTILE_SHOWN, ci, data_platform) in warning, warning
    for task in ("ambiguous", "api error"):
        assert raw_control(run.task(task)["msg"]) == [], run.task(task)["msg"]
    assert "'{0}'".format(HOSTILE_SHOWN) in run.task("ambiguous")["msg"], run.task("ambiguous")["msg"]
    assert "refused " + HOSTILE_SHOWN in run.task("api error")["msg"] and "[requestId: " + HOSTILE_SHOWN in run.task("api error")["msg"]
    assert "(item={0} ci)".format(HOSTILE_SHOWN) in run.stdout, run.stdout


@pytest.mark.parametrize("core", CORES)
def test_a_hostile_name_is_escaped_in_the_onboarding_and_the_hygiene(ansible, emulator, demo_seed, seed, installed_collection,
                                                                     hygiene_playbook, tmp_path, core):
    emulator.control.reset(hostile_seed(demo_seed))
    playbooks = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks"
    # Exclusive: ci-deployer's undeclared role there is removed; the removal's label and the report's line name both.
    onboarded = ansible.run(playbook=playbooks / "onboard_workspaces.yml", verbosity=0, core=core, extra_vars={
        "astro_onboarding_hosts": "localhost", "astro_workspaces": [{
            "workspace_id": seed.workspace("data-platform"), "exclusive": True,
            "org_tokens": [{"token_id": seed.token("never-used-reader"), "role": "WORKSPACE_MEMBER"}]}]})
    assert onboarded.rc == 0, onboarded.output
    assert raw_control(onboarded.output) == [] and forged(onboarded.output) == [], onboarded.output
    assert "(item={0} ws)".format(HOSTILE_SHOWN) in onboarded.stdout, onboarded.stdout
    line = "{0} ci ({1}): WORKSPACE_AUTHOR".format(HOSTILE_SHOWN, seed.token("ci-deployer"))
    assert json.dumps(line)[1:-1] in onboarded.stdout, onboarded.stdout  # in a debug message: JSON, so \\ is doubled

    run, report = hygiene_preview(ansible, hygiene_playbook, tmp_path, core, astro_hygiene_name_pattern="(?s).*forged.*")
    assert run.rc == 0, run.output
    assert raw_control(run.output) == [] and forged(run.output) == [], run.output
    markdown = (tmp_path / "reports" / "token_hygiene.md").read_text()
    assert len(report["in_scope"]) == 3 and raw_control(markdown) == [] and forged(markdown) == [], markdown
    assert "| rotate | x\\u001b\\]0;owned\\u0007\\u001b\\[2K\\u000a+ forged line ci |" in markdown, markdown
