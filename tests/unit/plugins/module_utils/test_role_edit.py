# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import os
import pwd
import stat
import tempfile
import threading

import pytest

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError, AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.role_edit import (
    default_lock_dir,
    edit_warnings,
    kept_role_warnings,
    lock_file_name,
    lock_options,
    TEAM,
    set_roles,
    set_token_role,
    set_token_roles,
    token_lock,
)

ORG_ROLE = {"entityType": "ORGANIZATION", "entityId": "corg", "role": "ORGANIZATION_MEMBER"}
DAG_ROLE = {"entityType": "DAG", "entityId": "etl", "deploymentId": "cd1", "role": "DAG_VIEWER"}


class InMemoryTokens:
    """The token calls and the entity look-ups of the API, in memory; `after_write` lets a test play a concurrent writer.

    Its organization has Workspaces cw1, cw2, cw3, cw7 and cwa, and Deployments cd1, cd2 of Workspace cwa.
    """

    api_url = "http://in-memory/v1"
    organization_id = "corg"

    def __init__(self, roles, after_write=None, scope="ORGANIZATION"):
        self.token = {"id": "ctok", "name": "ci", "scope": scope, "roles": list(roles)}
        self.unanswered = []  # as AstroClient: (method, path) of the write attempts whose answer never came
        self.after_write = after_write
        self.calls = []
        self.looked_up = []
        self.workspaces = [{"id": i, "name": "ws-" + i} for i in ("cw1", "cw2", "cw3", "cw7", "cwa")]
        self.deployments = [{"id": i, "name": "dep-" + i, "workspaceId": "cwa"} for i in ("cd1", "cd2")]

    def org_path(self, *segments):
        return "/organizations/corg/" + "/".join(segments)

    def unanswered_writes(self, path, since=0):
        return sum(1 for _method, written in self.unanswered[since:] if written == path)

    def list_workspaces(self, names=None, workspace_ids=None):
        self.calls.append("WORKSPACES")
        self.looked_up.append(list(workspace_ids))
        return [w for w in self.workspaces if w["id"] in workspace_ids]

    def list_deployments(self, names=None, workspace_ids=None, deployment_ids=None):
        self.calls.append("DEPLOYMENTS")
        self.looked_up.append(list(deployment_ids))
        return [d for d in self.deployments if d["id"] in deployment_ids]

    def get_token(self, token_id):
        self.calls.append("GET")
        return dict(self.token, roles=list(self.token["roles"]))

    def replace_token_roles(self, token_id, roles):
        self.calls.append("POST")
        self.token["roles"] = list(roles)
        if self.after_write:
            self.after_write(self)


def edit(api, role="WORKSPACE_MEMBER", **kwargs):
    return set_token_role(api, "ctok", "WORKSPACE", "cw1", role, sleep=lambda s: None, **kwargs)


def test_unchanged_costs_one_read_and_no_write():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}])
    result = edit(api)
    assert result["changed"] is False and result["attempts"] == 0 and api.calls == ["GET"]


def test_a_change_is_read_write_verify_and_keeps_other_roles():
    api = InMemoryTokens([ORG_ROLE, DAG_ROLE])
    result = edit(api)
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES", "POST", "GET"], "cw1 is looked up before the write; the names too"
    assert api.looked_up == [["cd1"], ["cw1"]], "the first role's Workspace, and the DAG entry's Deployment for its name"
    assert api.token["roles"] == [ORG_ROLE, DAG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}]
    assert result["changed"] and result["attempts"] == 1
    assert result["role_before"] is None and result["role_after"] == "WORKSPACE_MEMBER"
    assert "+" not in result["diff"]["before"] and "WORKSPACE ws-cw1 (cw1): WORKSPACE_MEMBER" in result["diff"]["after"]


def test_check_mode_predicts_without_writing():
    api = InMemoryTokens([ORG_ROLE])
    result = edit(api, check_mode=True)
    assert result["changed"] is True and api.calls == ["GET", "WORKSPACES"] and api.token["roles"] == [ORG_ROLE]
    assert result["token"]["roles"][-1]["entityId"] == "cw1"


def test_an_overwrite_by_a_concurrent_writer_is_repaired_on_the_fresh_list():
    other = {"entityType": "WORKSPACE", "entityId": "cw2", "role": "WORKSPACE_OWNER"}

    def stale_writer(api):  # another controller writes a list it read before our write
        api.after_write = None
        api.token["roles"] = [ORG_ROLE, other]

    api = InMemoryTokens([ORG_ROLE], after_write=stale_writer)
    result = edit(api)
    assert result["attempts"] == 2
    assert api.token["roles"] == [ORG_ROLE, other, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}]


def test_endless_overwrites_fail_after_the_attempt_budget_naming_the_token():
    def always_overwrite(api):
        api.token["roles"] = [ORG_ROLE]

    api = InMemoryTokens([ORG_ROLE], after_write=always_overwrite)
    with pytest.raises(AstroError, match="ctok.*5 times.*cw1"):
        edit(api)
    assert api.calls.count("POST") == 5


def test_a_precheck_failure_stops_before_any_write():
    def refuse(token):
        raise AstroInputError("wrong scope")

    api = InMemoryTokens([ORG_ROLE])
    with pytest.raises(AstroInputError):
        edit(api, precheck=refuse)
    assert api.calls == ["GET"]


def test_removing_a_role_removes_only_that_one():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"}, DAG_ROLE])
    result = edit(api, role=None)
    assert api.token["roles"] == [ORG_ROLE, DAG_ROLE] and result["role_before"] == "WORKSPACE_OWNER"


def test_the_lock_serializes_edits_of_one_token(tmp_path):
    api = InMemoryTokens([])
    inside, overlaps = [], []

    def hold():
        with token_lock(api, "ctok", str(tmp_path)):
            if inside:
                overlaps.append(True)
            inside.append(True)
            threading.Event().wait(0.05)
            inside.pop()

    # flock locks belong to open file descriptions, so threads with their own open() contend like processes.
    threads = [threading.Thread(target=hold) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []


# set_token_roles: several roles of one token in one verified read-write-read.

def ws(entity_id, role):
    return {"entityType": "WORKSPACE", "entityId": entity_id, "role": role}


def dep(entity_id, role):
    return {"entityType": "DEPLOYMENT", "entityId": entity_id, "role": role}


SEVERAL = [("WORKSPACE", "cw1", "WORKSPACE_OWNER"),   # changed in place
           ("WORKSPACE", "cw2", "WORKSPACE_MEMBER"),  # added
           ("DEPLOYMENT", "cd1", None),               # removed
           ("DEPLOYMENT", "cd2", "DAG_RUNNER"),       # added
           ("WORKSPACE", "cw3", "WORKSPACE_AUTHOR"),  # already so: unchanged
           ("DEPLOYMENT", "cd9", None)]               # already absent: unchanged
BEFORE = [ORG_ROLE, ws("cw1", "WORKSPACE_MEMBER"), dep("cd1", "DEPLOYMENT_ADMIN"), DAG_ROLE, ws("cw3", "WORKSPACE_AUTHOR")]
AFTER = [ORG_ROLE, ws("cw1", "WORKSPACE_OWNER"), DAG_ROLE, ws("cw3", "WORKSPACE_AUTHOR"), ws("cw2", "WORKSPACE_MEMBER"), dep("cd2", "DAG_RUNNER")]
CHANGED = [
    dict(entity_type="WORKSPACE", entity_id="cw1", entity_name="ws-cw1", role_before="WORKSPACE_MEMBER", role_after="WORKSPACE_OWNER",
         workspace_name="ws-cw1"),
    dict(entity_type="WORKSPACE", entity_id="cw2", entity_name="ws-cw2", role_before=None, role_after="WORKSPACE_MEMBER",
         workspace_name="ws-cw2"),
    dict(entity_type="DEPLOYMENT", entity_id="cd1", entity_name="dep-cd1", role_before="DEPLOYMENT_ADMIN", role_after=None,
         workspace_name=None),
    dict(entity_type="DEPLOYMENT", entity_id="cd2", entity_name="dep-cd2", role_before=None, role_after="DAG_RUNNER",
         workspace_name=None),
]


def edit_several(api, edits=None, **kwargs):
    return set_token_roles(api, "ctok", SEVERAL if edits is None else edits, sleep=lambda s: None, **kwargs)


def test_several_edits_are_one_read_one_write_one_verifying_read():
    api = InMemoryTokens(BEFORE)
    result = edit_several(api)
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES", "POST", "GET"]
    assert api.looked_up == [["cd1", "cd2"], ["cw1", "cw2", "cw3"]], "first roles and the diff's names, one request per kind"
    assert api.token["roles"] == AFTER
    assert result["changed"] is True and result["attempts"] == 1
    assert result["token"]["roles"] == AFTER and result["token"]["id"] == "ctok"


def test_roles_changed_lists_only_the_changed_entries_with_before_and_after():
    result = edit_several(InMemoryTokens(BEFORE))
    assert result["roles_changed"] == CHANGED


def test_several_edits_diff_shows_the_whole_list_before_and_after():
    result = edit_several(InMemoryTokens(BEFORE))
    diff = result["diff"]
    assert "WORKSPACE ws-cw1 (cw1): WORKSPACE_MEMBER\n" in diff["before"] and "WORKSPACE ws-cw1 (cw1): WORKSPACE_OWNER\n" in diff["after"]
    assert "DAG etl (deployment dep-cd1 (cd1)): DAG_VIEWER\n" in diff["after"], "a DAG entry names its Deployment"
    assert "DEPLOYMENT dep-cd1 (cd1): DEPLOYMENT_ADMIN\n" in diff["before"] and "DEPLOYMENT dep-cd1 (cd1):" not in diff["after"]
    assert diff["before_header"] == diff["after_header"] == "roles of token ci (ctok)"


def test_several_edits_already_in_effect_cost_one_read():
    api = InMemoryTokens(AFTER)
    result = edit_several(api)
    assert api.calls == ["GET"] and api.token["roles"] == AFTER
    assert result["changed"] is False and result["attempts"] == 0 and result["roles_changed"] == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_the_same_edit_listed_twice_is_made_and_reported_once():
    api = InMemoryTokens([ORG_ROLE])
    twice = [("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("WORKSPACE", "cw1", "WORKSPACE_MEMBER")]
    result = edit_several(api, twice)
    assert api.calls == ["GET", "WORKSPACES", "POST", "GET"] and api.token["roles"] == [ORG_ROLE, ws("cw1", "WORKSPACE_MEMBER")]
    assert result["roles_changed"] == [dict(entity_type="WORKSPACE", entity_id="cw1", entity_name="ws-cw1", role_before=None,
                                            role_after="WORKSPACE_MEMBER", workspace_name="ws-cw1")]


def test_a_concurrent_overwrite_of_one_of_several_edits_is_repaired_keeping_the_other_writers_role():
    theirs = ws("cw7", "WORKSPACE_ACCESSOR")

    def stale_writer(api):
        # Another controller read the list before our write and writes it back with its own edit:
        # our cd2 entry is lost, every other edit of ours happens to be in its list.
        api.after_write = None
        api.token["roles"] = [e for e in api.token["roles"] if e["entityId"] != "cd2"] + [theirs]

    api = InMemoryTokens(BEFORE, after_write=stale_writer)
    result = edit_several(api)
    # The redo reads again under the lock (the verifying read was made outside it); no second look-up.
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES", "POST", "GET", "GET", "POST", "GET"], "no second look-up"
    assert result["attempts"] == 2 and result["changed"] is True
    assert api.token["roles"] == [e for e in AFTER if e["entityId"] != "cd2"] + [theirs, dep("cd2", "DAG_RUNNER")]
    assert result["token"]["roles"] == api.token["roles"]
    assert result["roles_changed"] == CHANGED, "reported against the list read first"


def test_a_concurrent_removal_of_an_entry_we_removed_too_needs_no_second_write():
    def other_removes_and_adds(api):
        api.after_write = None
        api.token["roles"] = api.token["roles"] + [ws("cw7", "WORKSPACE_ACCESSOR")]

    api = InMemoryTokens(BEFORE, after_write=other_removes_and_adds)
    result = edit_several(api)
    assert result["attempts"] == 1 and api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES", "POST", "GET"]
    assert api.token["roles"] == AFTER + [ws("cw7", "WORKSPACE_ACCESSOR")]


def test_several_edits_in_check_mode_predict_without_writing():
    api = InMemoryTokens(BEFORE)
    result = edit_several(api, check_mode=True)
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES"] and api.token["roles"] == BEFORE
    assert result["changed"] is True and result["attempts"] == 0
    assert result["token"]["roles"] == AFTER and result["roles_changed"] == CHANGED
    assert "WORKSPACE ws-cw2 (cw2): WORKSPACE_MEMBER\n" in result["diff"]["after"]


def test_a_precheck_failure_stops_several_edits_before_any_write_and_sees_the_read_token():
    seen = []

    def refuse(token):
        seen.append(token)
        raise AstroInputError("wrong scope")

    api = InMemoryTokens(BEFORE)
    with pytest.raises(AstroInputError, match="wrong scope"):
        edit_several(api, precheck=refuse)
    assert api.calls == ["GET"] and [t["id"] for t in seen] == ["ctok"] and seen[0]["roles"] == BEFORE


# The lock directory and its files: private, ours, regular; a held lock is waited for, not forever.

def test_the_lock_directory_is_created_private(tmp_path):
    lock_dir = tmp_path / "locks"
    with token_lock(InMemoryTokens([]), "ctok", str(lock_dir)):
        pass
    assert stat.S_IMODE(lock_dir.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in lock_dir.iterdir()] == [0o600]


def test_a_lock_directory_others_may_write_to_is_refused_naming_the_fix(tmp_path):
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir()
    lock_dir.chmod(0o777)
    with pytest.raises(AstroError) as caught:
        edit(InMemoryTokens([]), lock_dir=str(lock_dir))
    assert "has mode 0777" in str(caught.value) and "chmod 700 {0}".format(lock_dir) in str(caught.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_lock_directory_of_another_user_is_refused(tmp_path):
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    os.chown(lock_dir, pwd.getpwnam("nobody").pw_uid, -1)
    api = InMemoryTokens([])
    with pytest.raises(AstroError, match="is owned by uid .*, not by this user .* set lock_dir"):
        edit(api, lock_dir=str(lock_dir))
    assert api.calls == []


def test_a_symlinked_lock_directory_is_refused(tmp_path):
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "locks").symlink_to(tmp_path / "real")
    with pytest.raises(AstroError, match="is a symbolic link"):
        edit(InMemoryTokens([]), lock_dir=str(tmp_path / "locks"))


def test_a_symlink_or_fifo_in_place_of_the_lock_file_is_refused_without_hanging(tmp_path):
    api = InMemoryTokens([])
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    path = lock_dir / lock_file_name(api, "ctok")
    path.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(AstroError, match="Cannot open the lock file .*symbolic link"):
        edit(api, lock_dir=str(lock_dir))
    assert not (tmp_path / "elsewhere").exists()
    path.unlink()
    os.mkfifo(path, 0o600)
    with pytest.raises(AstroError, match="not a regular file"):
        edit(api, lock_dir=str(lock_dir))
    assert api.calls == []


def test_a_held_lock_times_out_naming_the_lock_file(tmp_path):
    api = InMemoryTokens([])
    lock_dir = tmp_path / "locks"
    with token_lock(api, "ctok", str(lock_dir)):
        # flock locks belong to open file descriptions: this edit contends like another process would.
        with pytest.raises(AstroError) as caught:
            edit(api, lock_dir=str(lock_dir), lock_timeout=0.1)
    assert "Timed out after 0.1 s waiting for the lock file {0}".format(lock_dir / lock_file_name(api, "ctok")) in str(caught.value)
    assert api.calls == []


def test_the_private_runtime_directory_is_preferred(tmp_path, monkeypatch):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert default_lock_dir() == str(runtime / "astro.platform-locks")
    runtime.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_lock_dir() == str(home / ".cache" / "astro.platform-locks")  # a runtime directory others may enter: not used
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert default_lock_dir() == str(home / ".cache" / "astro.platform-locks")


def test_without_a_private_home_the_lock_directory_is_the_shared_temporary_ones_with_the_uid(tmp_path, monkeypatch):
    """Issue 26: another user may create that name first; the error then says what to do (tests/integration)."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o777)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    assert default_lock_dir() == os.path.join(tempfile.gettempdir(), "astro.platform-locks-{0}".format(os.geteuid()))


# A removal declared with a role removes only that role.

def test_a_removal_declared_with_another_role_keeps_the_role_and_reports_it():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"}])
    result = edit(api, role=None, only_if_held={("WORKSPACE", "cw1"): "WORKSPACE_MEMBER"})
    assert api.calls == ["GET", "WORKSPACES"] and not result["changed"], "the warning names the Workspace"
    assert result["roles_kept"] == [dict(entity_type="WORKSPACE", entity_id="cw1", entity_name="ws-cw1", role_held="WORKSPACE_OWNER",
                                         role_declared="WORKSPACE_MEMBER")]
    assert result["role_after"] == "WORKSPACE_OWNER"
    assert kept_role_warnings(result) == ["Token ci (ctok) holds WORKSPACE_OWNER on WORKSPACE ws-cw1 (cw1), not the declared WORKSPACE_MEMBER: "
                                          "that role was kept, not removed. Remove it with state: absent and no role, or declare "
                                          "WORKSPACE_OWNER."]


def test_a_kept_role_is_named_also_when_the_caller_listed_the_entities():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_OWNER"},
                          {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"}])
    result = edit_several(api, [("WORKSPACE", "cw1", None), ("DEPLOYMENT", "cd1", None)], look_up_entities=False,
                          only_if_held={("WORKSPACE", "cw1"): "WORKSPACE_MEMBER", ("DEPLOYMENT", "cd1"): "DEPLOYMENT_ADMIN"})
    assert api.calls == ["GET", "WORKSPACES", "POST", "GET"], "the kept role's Workspace only, for its warning"
    assert "on WORKSPACE ws-cw1 (cw1), not the declared WORKSPACE_MEMBER" in kept_role_warnings(result)[0]
    assert [change["entity_name"] for change in result["roles_changed"]] == [None], "the changes are named by the caller"


def test_a_removal_declared_with_the_held_role_removes_it():
    api = InMemoryTokens([ORG_ROLE, {"entityType": "WORKSPACE", "entityId": "cw1", "role": "WORKSPACE_MEMBER"}])
    result = edit(api, role=None, only_if_held={("WORKSPACE", "cw1"): "WORKSPACE_MEMBER"})
    assert result["changed"] and api.token["roles"] == [ORG_ROLE] and result["roles_kept"] == []


# Entities exist before a write: first roles are looked up, by ID, one request per kind.

def test_unknown_workspaces_and_deployments_fail_naming_each_before_any_write():
    api = InMemoryTokens([ORG_ROLE])
    edits = [("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("WORKSPACE", "cwnosuch", "WORKSPACE_MEMBER"),
             ("DEPLOYMENT", "cdnosuch", "DEPLOYMENT_ADMIN"), ("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")]
    with pytest.raises(AstroInputError) as raised:
        edit_several(api, edits)
    message = str(raised.value)
    assert "Workspace 'cwnosuch'" in message and "Deployment 'cdnosuch'" in message and "nothing was written" in message
    assert "'cw1'" not in message and "'cd1'" not in message
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES"] and api.token["roles"] == [ORG_ROLE]
    assert api.looked_up == [["cd1", "cdnosuch"], ["cw1", "cwnosuch"]]


def test_unknown_entity_fails_in_check_mode_too():
    api = InMemoryTokens([ORG_ROLE])
    with pytest.raises(AstroInputError, match="cwnosuch"):
        edit_several(api, [("WORKSPACE", "cwnosuch", "WORKSPACE_MEMBER")], check_mode=True)


def test_a_change_or_removal_of_a_held_role_needs_no_existence_check_only_names():
    api = InMemoryTokens(BEFORE)
    edit_several(api, [("WORKSPACE", "cw1", "WORKSPACE_OWNER"), ("DEPLOYMENT", "cd1", None), ("DEPLOYMENT", "cdgone", None)])
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES", "POST", "GET"], "one look-up per kind, for the diff's names"
    api = InMemoryTokens(BEFORE)
    edit_several(api, [("WORKSPACE", "cw1", "WORKSPACE_OWNER"), ("DEPLOYMENT", "cd1", None), ("DEPLOYMENT", "cdgone", None)],
                 names={"cw1": "one", "cw3": "three", "cd1": "etl"})
    assert api.calls == ["GET", "POST", "GET"], "names the task knows need no look-up"


def test_entities_a_name_look_up_found_are_not_looked_up_again():
    api = InMemoryTokens([ORG_ROLE])
    edit_several(api, [("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")],
                 known=[("WORKSPACE", "cw1")], names={"cw1": "ws-cw1"})
    assert api.calls == ["GET", "DEPLOYMENTS", "POST", "GET"]


def test_entities_the_caller_listed_are_neither_checked_nor_named():
    api = InMemoryTokens([ORG_ROLE])
    result = edit_several(api, [("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")],
                          look_up_entities=False)
    assert api.calls == ["GET", "POST", "GET"], "read, write and verify only: the caller listed the entities"
    assert [change["entity_name"] for change in result["roles_changed"]] == [None, None]


def test_a_deployment_of_another_workspace_than_the_task_names_fails_before_any_write():
    api = InMemoryTokens([ORG_ROLE])
    with pytest.raises(AstroInputError, match=r"Deployment dep-cd1 \(cd1\) is in Workspace cwa, not in Workspace 'cw1'"):
        edit_several(api, [("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")], workspace_of={"cd1": "cw1"})
    assert "POST" not in api.calls


def test_a_workspace_token_is_refused_a_deployment_of_another_workspace_found_by_the_look_up():
    api = InMemoryTokens([ws("cw1", "WORKSPACE_OWNER")], scope="WORKSPACE")
    with pytest.raises(AstroInputError, match=r"belongs to Workspace ws-cw1 \(cw1\).*not of Workspace ws-cwa \(cwa\)"):
        edit_several(api, [("DEPLOYMENT", "cd1", "DEPLOYMENT_ADMIN")])
    assert "POST" not in api.calls


class EchoingTokens(InMemoryTokens):
    """A server that reads a custom Deployment role back by its ID, and lists the organization's custom roles."""

    custom = [{"id": "ccustomrunner000000000001", "name": "DAG_RUNNER", "scopeType": "DEPLOYMENT"}]

    def get_token(self, token_id):
        self.calls.append("GET")
        by_name = {r["name"]: r["id"] for r in self.custom}
        return dict(self.token, roles=[dict(r, role=by_name.get(r["role"], r["role"])) if r["entityType"] == "DEPLOYMENT" else r
                                       for r in self.token["roles"]])

    def list_roles(self, scope_types=None):
        self.calls.append("ROLES")
        return list(self.custom), []

    def replace_token_roles(self, token_id, roles):
        # Takes the ID back (a client writes back what it read), stores the name.
        by_id = {r["id"]: r["name"] for r in self.custom}
        super().replace_token_roles(token_id, [dict(r, role=by_id.get(r["role"], r["role"])) for r in roles])


def test_a_custom_role_read_back_by_its_id_is_our_write_in_effect_not_an_overwrite():
    api = EchoingTokens([ORG_ROLE])
    result = set_token_roles(api, "ctok", [("DEPLOYMENT", "cd1", "DAG_RUNNER")], sleep=lambda s: None, look_up_entities=False)
    assert result["attempts"] == 1 and api.calls == ["GET", "POST", "GET", "ROLES"], api.calls
    again = set_token_roles(api, "ctok", [("DEPLOYMENT", "cd1", "DAG_RUNNER")], sleep=lambda s: None, look_up_entities=False)
    assert again["changed"] is False and api.calls.count("POST") == 1, "the echoed role is the declared one: no rewrite"


def test_an_answer_no_overwrite_explains_fails_at_once_saying_what_was_written_and_read():
    def server_downgrades(api):
        api.token["roles"] = [dict(r, role="WORKSPACE_ACCESSOR") if r["entityType"] == "WORKSPACE" else r for r in api.token["roles"]]

    api = InMemoryTokens([ORG_ROLE], after_write=server_downgrades)
    with pytest.raises(AstroError) as failure:
        edit(api, role="WORKSPACE_OPERATOR")
    assert api.calls.count("POST") == 1, "not written again"
    message = str(failure.value)
    assert "Written: 'WORKSPACE_OPERATOR' on WORKSPACE" in message and "Read back: 'WORKSPACE_ACCESSOR' on WORKSPACE" in message
    assert "overwritten by concurrent writers" not in message


def test_an_accessor_the_server_keeps_beside_a_deployment_role_is_not_removed():
    accessor = {"entityType": "WORKSPACE", "entityId": "cwa", "role": "WORKSPACE_ACCESSOR"}
    deployment = {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"}
    api = InMemoryTokens([ORG_ROLE, deployment, accessor])
    result = set_token_roles(api, "ctok", [("WORKSPACE", "cwa", None)], sleep=lambda s: None, workspace_of={"cd1": "cwa"},
                             look_up_entities=False)
    assert result["changed"] is False and api.calls == ["GET"]
    removed = set_token_roles(api, "ctok", [("WORKSPACE", "cwa", None), ("DEPLOYMENT", "cd1", None)], sleep=lambda s: None,
                              workspace_of={"cd1": "cwa"}, look_up_entities=False)
    assert removed["changed"] is True and api.token["roles"] == [ORG_ROLE], "without the Deployment role it goes"


def test_another_workspace_role_beside_a_deployment_role_is_still_removed():
    deployment = {"entityType": "DEPLOYMENT", "entityId": "cd1", "role": "DEPLOYMENT_ADMIN"}
    author = {"entityType": "WORKSPACE", "entityId": "cwa", "role": "WORKSPACE_AUTHOR"}
    api = InMemoryTokens([ORG_ROLE, deployment, author])
    result = set_token_roles(api, "ctok", [("WORKSPACE", "cwa", None)], sleep=lambda s: None, workspace_of={"cd1": "cwa"},
                             look_up_entities=False)
    assert result["changed"] is True and api.token["roles"] == [ORG_ROLE, deployment]


# Settling (issue 22): the verifying read waits for any write still in flight; a write without answer holds the lock.

def lock_is_free(api, lock_dir):
    """Whether another edit of the token could take its lock now (flock on a description of our own)."""
    import fcntl
    path = os.path.join(lock_dir, lock_file_name(api, "ctok"))
    with open(path, "a") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


def test_the_verifying_read_waits_settle_seconds_more_and_is_made_outside_the_lock(tmp_path):
    api = InMemoryTokens([ORG_ROLE])
    waits = []
    set_token_role(api, "ctok", "WORKSPACE", "cw1", "WORKSPACE_MEMBER", lock_dir=str(tmp_path), settle_seconds=2.5,
                   sleep=lambda seconds: waits.append((seconds, lock_is_free(api, str(tmp_path)))))
    assert len(waits) == 1 and 2.5 < waits[0][0] < 2.7 and waits[0][1], "one wait past settle_seconds, the lock let go"


def test_a_write_without_answer_holds_the_lock_until_it_can_no_longer_land(tmp_path):
    api = InMemoryTokens([ORG_ROLE])
    original = api.replace_token_roles

    def unanswered_then_retried(token_id, roles):  # the client's first attempt timed out, its retry was answered
        api.unanswered.append(("POST", api.org_path("tokens", token_id, "roles")))
        original(token_id, roles)

    api.replace_token_roles = unanswered_then_retried
    waits = []
    result = set_token_role(api, "ctok", "WORKSPACE", "cw1", "WORKSPACE_MEMBER", lock_dir=str(tmp_path), settle_seconds=3.0,
                            sleep=lambda seconds: waits.append((seconds, lock_is_free(api, str(tmp_path)))))
    assert len(waits) == 1 and waits[0][0] >= 3.0 and not waits[0][1], "the lock is held through the wait"
    assert lock_is_free(api, str(tmp_path))
    assert result["answers_lost"] == 1 and any("got no answer" in w for w in edit_warnings(result))


def test_a_role_another_writer_removed_after_our_write_is_written_again_and_reported(tmp_path):
    other = {"entityType": "WORKSPACE", "entityId": "cw2", "role": "WORKSPACE_OWNER"}
    api = InMemoryTokens([ORG_ROLE])

    def late_rival(seconds):  # during our settle wait, a job that read before our write lands its stale list
        if api.calls.count("POST") == 1:
            api.token["roles"] = [ORG_ROLE, other]

    result = set_token_role(api, "ctok", "WORKSPACE", "cw1", "WORKSPACE_MEMBER", lock_dir=str(tmp_path), sleep=late_rival)
    assert api.token["roles"] == [ORG_ROLE, other, ws("cw1", "WORKSPACE_MEMBER")]
    assert result["attempts"] == 2
    assert result["roles_rewritten"] == [dict(entity_type="WORKSPACE", entity_id="cw1", role="WORKSPACE_MEMBER")]
    assert any("written again" in w and "cw1" in w for w in edit_warnings(result))
    assert api.calls == ["GET", "WORKSPACES", "POST", "GET", "GET", "POST", "GET"], "the redo reads again under the lock"


def test_a_verifying_read_that_fails_says_the_write_may_have_been_applied(tmp_path):
    api = InMemoryTokens([ORG_ROLE])
    reads = []

    def get_token(token_id):
        reads.append(token_id)
        if len(reads) == 2:
            raise AstroError("Astro API GET /x failed after 6 attempt(s): connection failed")
        return dict(api.token, roles=list(api.token["roles"]))

    api.get_token = get_token
    with pytest.raises(AstroError, match="may have been applied; run again to see") as raised:
        edit(api, lock_dir=str(tmp_path))
    assert raised.value.fail_kwargs()["possibly_applied"] is True


def test_a_negative_settle_seconds_is_refused_naming_the_value():
    with pytest.raises(AstroInputError, match="settle_seconds is -1; it must be 0 or more"):
        lock_options(dict(lock_dir=None, lock_timeout=None, settle_seconds=-1.0))


# set_roles of a team or user: its role set edited as a role list, written back whole.

class InMemoryTeams(InMemoryTokens):
    """One team (cteam), with the look-ups of InMemoryTokens; its role set as GET /teams/{id} answers it."""

    def __init__(self, role_set, after_write=None):
        super().__init__([], after_write=after_write)
        self.team = dict(id="cteam", name="data", **role_set)
        self.written = []

    def get_team(self, team_id):
        self.calls.append("GET")
        return copy.deepcopy(self.team)

    def replace_team_roles(self, team_id, role_set):
        self.calls.append("POST")
        self.written.append(copy.deepcopy(role_set))
        self.team.update(copy.deepcopy(role_set))
        if self.after_write:
            self.after_write(self)


TEAM_SET = dict(organizationRole="ORGANIZATION_MEMBER", workspaceRoles=[{"workspaceId": "cwa", "role": "WORKSPACE_AUTHOR"}],
                deploymentRoles=[{"deploymentId": "cd1", "role": "DAG_RUNNER"}],
                dagRoles=[{"deploymentId": "cd1", "dagId": "train", "role": "DAG_VIEWER"},
                          {"deploymentId": "cd1", "dagTag": "nightly", "role": "DAG_VIEWER"}])


def test_a_team_edit_writes_the_whole_set_back_with_its_organization_and_dag_roles():
    api = InMemoryTeams(copy.deepcopy(TEAM_SET))
    result = set_roles(api, TEAM, "cteam", [("WORKSPACE", "cw1", "WORKSPACE_MEMBER")], sleep=lambda s: None)
    assert api.calls == ["GET", "DEPLOYMENTS", "WORKSPACES", "POST", "GET"]
    assert api.written == [dict(TEAM_SET, workspaceRoles=TEAM_SET["workspaceRoles"] + [{"workspaceId": "cw1", "role": "WORKSPACE_MEMBER"}])]
    assert result["changed"] and result["attempts"] == 1
    assert result["team"]["dag_roles"] == [dict(deployment_id="cd1", dag_id="train", dag_tag=None, role="DAG_VIEWER"),
                                           dict(deployment_id="cd1", dag_id=None, dag_tag="nightly", role="DAG_VIEWER")]
    assert result["diff"]["after_header"] == "roles of team data (cteam)"
    assert "WORKSPACE ws-cw1 (cw1): WORKSPACE_MEMBER" in result["diff"]["after"]


def test_a_team_edit_overwritten_by_another_writer_is_redone_on_the_fresh_set():
    def stale_writer(api):
        api.after_write = None
        api.team["workspaceRoles"] = [{"workspaceId": "cwa", "role": "WORKSPACE_AUTHOR"}, {"workspaceId": "cw2", "role": "WORKSPACE_OWNER"}]

    api = InMemoryTeams(copy.deepcopy(TEAM_SET), after_write=stale_writer)
    result = set_roles(api, TEAM, "cteam", [("WORKSPACE", "cw1", "WORKSPACE_MEMBER")], sleep=lambda s: None)
    assert result["attempts"] == 2
    assert [e["workspaceId"] for e in api.team["workspaceRoles"]] == ["cwa", "cw2", "cw1"]
    assert api.team["dagRoles"] == TEAM_SET["dagRoles"] and api.team["organizationRole"] == "ORGANIZATION_MEMBER"


@pytest.mark.parametrize("edits", [[("DEPLOYMENT", "cd2", "DEPLOYMENT_ADMIN"), ("WORKSPACE", "cwa", None)],
                                   [("WORKSPACE", "cwa", None)]])
def test_a_deployment_role_without_its_workspace_role_is_refused_before_any_write(edits):
    api = InMemoryTeams(copy.deepcopy(TEAM_SET))
    with pytest.raises(AstroInputError, match=r"Team data \(cteam\) would hold a role on Deployment dep-cd1 \(cd1\).*Workspace ws-cwa \(cwa\)"):
        set_roles(api, TEAM, "cteam", edits, sleep=lambda s: None, check_mode=True)
    assert "POST" not in api.calls


def test_a_deployment_role_with_its_workspace_role_in_the_same_edit_passes():
    api = InMemoryTeams(dict(organizationRole="ORGANIZATION_MEMBER"))
    set_roles(api, TEAM, "cteam", [("WORKSPACE", "cwa", "WORKSPACE_ACCESSOR"), ("DEPLOYMENT", "cd2", "DEPLOYMENT_ADMIN")],
              sleep=lambda s: None, look_up_entities=False)
    assert api.team["deploymentRoles"] == [{"deploymentId": "cd2", "role": "DEPLOYMENT_ADMIN"}]


def test_a_subject_without_an_organization_role_is_refused_unless_the_edit_gives_one():
    api = InMemoryTeams({})
    with pytest.raises(AstroInputError, match="holds no Organization role.*give organization_role"):
        set_roles(api, TEAM, "cteam", [("WORKSPACE", "cw1", "WORKSPACE_MEMBER")], sleep=lambda s: None)
    set_roles(api, TEAM, "cteam", [("WORKSPACE", "cw1", "WORKSPACE_MEMBER"), ("ORGANIZATION", "corg", "ORGANIZATION_MEMBER")],
              sleep=lambda s: None)
    assert api.team["organizationRole"] == "ORGANIZATION_MEMBER"


def test_a_team_and_a_token_with_equal_ids_never_share_a_lock_file():
    api = InMemoryTokens([])
    names = {lock_file_name(api, "cx", kind) for kind in ("token", "team", "user")}
    assert len(names) == 3
