# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import os
import stat

import pytest

from ansible_collections.astro.platform.plugins.module_utils.entities import ORGANIZATION_ROLES
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_own_role_name
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import (
    CreateRecord,
    SecretFile,
    SecretKept,
    Target,
    check_expiry_days,
    check_expiry_unchanged,
    check_rotate_after_days,
    check_token_is,
    expiry_days_of,
    made_by_lost_create,
    matching_tokens,
    only_token,
    parse_time,
    render_token,
    secret_older_than,
)

ORG = "corg0000000000000000000aa"
WS = "cws00000000000000000000aa"
UTC = datetime.timezone.utc


def token(name="t", scope="ORGANIZATION", entity=ORG, role="ORGANIZATION_MEMBER", **fields):
    return dict({"id": "c" + name, "name": name, "scope": scope, "description": "",
                 "roles": [{"entityType": scope, "entityId": entity, "role": role}],
                 "createdAt": "2025-01-01T00:00:00Z", "startAt": "2025-01-01T00:00:00Z"}, **fields)


@pytest.mark.parametrize("days", [None, 1, 3650])
def test_expiry_days_in_range(days):
    check_expiry_days(days)


@pytest.mark.parametrize("days", [0, -5, 3651])
def test_expiry_days_out_of_range_name_the_value_and_the_range(days):
    with pytest.raises(AstroInputError, match=r"expiry_days is {0}; it must be 1 to 3650".format(days)):
        check_expiry_days(days)


def test_rotate_after_days_must_be_positive():
    check_rotate_after_days(None)
    check_rotate_after_days(1)
    with pytest.raises(AstroInputError, match="rotate_after_days is 0"):
        check_rotate_after_days(0)


def test_parse_time_takes_the_api_form_and_variants():
    expected = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_time("2025-01-02T03:04:05Z") == expected
    assert parse_time("2025-01-02T03:04:05+00:00") == expected
    assert parse_time("2025-01-02T03:04:05.250000Z") == expected.replace(microsecond=250000)
    assert parse_time(None) is None and parse_time("") is None


def test_expiry_days_of_a_token():
    assert expiry_days_of(token()) is None
    assert expiry_days_of(token(expiryPeriodInDays=30, endAt="2025-01-31T00:00:00Z")) == 30
    assert expiry_days_of(token(endAt="2025-04-11T00:00:00Z")) == 100, "derived from startAt and endAt"


def test_an_expiry_difference_fails_and_says_what_to_do():
    check_expiry_unchanged(token(expiryPeriodInDays=30), 30)
    check_expiry_unchanged(token(), None)
    with pytest.raises(AstroInputError) as raised:
        check_expiry_unchanged(token(expiryPeriodInDays=30), None)
    message = str(raised.value)
    assert "expires 30 days after creation" in message and "never expires" in message
    assert "state: absent" in message and "set expiry_days to the token's value (30)" in message
    with pytest.raises(AstroInputError, match="set expiry_days to nothing"):
        check_expiry_unchanged(token(), 90)


def test_secret_age_counts_from_the_last_rotation_else_the_creation():
    now = datetime.datetime(2025, 4, 11, 0, 0, 1, tzinfo=UTC)  # 100 days and a second after creation
    assert secret_older_than(token(), 100, now) and not secret_older_than(token(), 101, now)
    rotated = token(lastRotatedAt="2025-04-01T00:00:00Z")
    assert not secret_older_than(rotated, 11, now) and secret_older_than(rotated, 10, now)
    assert not secret_older_than(token(), 100, now - datetime.timedelta(seconds=1)), "exactly 100 days is not older"


def test_matching_tokens_needs_name_scope_and_own_entity():
    mine = token("bot", "WORKSPACE", WS, "WORKSPACE_MEMBER")
    org_token_in_workspace = dict(token("bot"), roles=token("bot")["roles"] + [{"entityType": "WORKSPACE", "entityId": WS, "role": "WORKSPACE_OWNER"}])
    other_workspace = token("bot", "WORKSPACE", "cother0000000000000000000", "WORKSPACE_MEMBER")
    tokens = [mine, org_token_in_workspace, other_workspace, token("other", "WORKSPACE", WS, "WORKSPACE_MEMBER")]
    assert matching_tokens(tokens, "bot", "WORKSPACE", WS) == [mine]
    assert matching_tokens(tokens, "bot", "ORGANIZATION", ORG) == [org_token_in_workspace]


def test_only_token_lists_every_candidate():
    assert only_token([], "bot", "ORGANIZATION", ORG) is None
    one = token("bot")
    assert only_token([one], "bot", "ORGANIZATION", ORG) is one
    two = [dict(one, id="cfirst", description="team A"), dict(one, id="csecond", description="team B")]
    with pytest.raises(AstroInputError) as raised:
        only_token(two, "bot", "ORGANIZATION", ORG)
    message = str(raised.value)
    assert "2 ORGANIZATION tokens" in message and "cfirst" in message and "csecond" in message
    assert "team A" in message and "set token_id" in message


def test_a_token_by_id_must_have_the_tasks_scope_and_entity():
    workspace_token = token("bot", "WORKSPACE", WS, "WORKSPACE_MEMBER")
    check_token_is(workspace_token, "WORKSPACE", WS)
    check_token_is(workspace_token, "WORKSPACE", None)
    with pytest.raises(AstroInputError, match="has scope WORKSPACE.*Set scope to workspace"):
        check_token_is(workspace_token, "ORGANIZATION", ORG)
    with pytest.raises(AstroInputError, match="belongs to Workspace {0}, not to Workspace cother".format(WS)):
        check_token_is(workspace_token, "WORKSPACE", "cother")


def test_the_diff_text_never_holds_a_secret():
    answer = token("bot", expiryPeriodInDays=7, description="d", token="s3cr3t-value-never-shown")
    text = render_token(answer, "new (created by this task)")
    assert "s3cr3t" not in text
    assert text.splitlines() == ["name: bot", "scope: ORGANIZATION " + ORG, "description: d", "role: ORGANIZATION_MEMBER",
                                 "expiry: expires 7 days after creation", "secret: new (created by this task)"]
    assert render_token(None, "x") == ""


def test_own_role_names_per_scope():
    for role in ORGANIZATION_ROLES:
        check_own_role_name("ORGANIZATION", role)
    check_own_role_name("WORKSPACE", "WORKSPACE_ACCESSOR")
    check_own_role_name("DEPLOYMENT", "ANY_CUSTOM_NAME")  # checked against the custom roles elsewhere
    with pytest.raises(AstroInputError, match=r"'WORKSPACE_OWNER' is not valid for a token of scope ORGANIZATION; valid roles: ORGANIZATION_OWNER"):
        check_own_role_name("ORGANIZATION", "WORKSPACE_OWNER")
    with pytest.raises(AstroInputError, match=r"valid roles: WORKSPACE_OWNER, WORKSPACE_OPERATOR"):
        check_own_role_name("WORKSPACE", "ORGANIZATION_OWNER")


def test_secret_file_is_written_0600_atomically_over_an_old_file(tmp_path):
    path = tmp_path / "ci.token"
    path.write_text("old")
    os.chmod(path, 0o644)
    secret_file = SecretFile(str(path))
    secret_file.prepare()
    temps = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert len(temps) == 1 and path.read_text() == "old", "nothing replaced before commit"
    assert stat.S_IMODE(os.stat(tmp_path / temps[0]).st_mode) == 0o600
    secret_file.commit("new-secret")
    assert path.read_text() == "new-secret" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["ci.token"]


def test_secret_file_discard_leaves_nothing(tmp_path):
    secret_file = SecretFile(str(tmp_path / "t"))
    secret_file.prepare()
    secret_file.discard()
    assert os.listdir(tmp_path) == []


def test_secret_file_refuses_paths_it_cannot_write(tmp_path):
    with pytest.raises(AstroInputError, match="is a directory"):
        SecretFile(str(tmp_path)).check()
    with pytest.raises(AstroInputError, match="does not exist"):
        SecretFile(str(tmp_path / "missing" / "t")).check()


def test_secret_file_refuses_a_directory_it_may_not_write(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(str(locked), os.W_OK):  # root writes anywhere; the check cannot be shown failing
        pytest.skip("running as root")
    with pytest.raises(AstroInputError, match="not writable"):
        SecretFile(str(locked / "t")).check()


# The record of a create, kept until its secret was handed over (issue 22).

class Client:
    api_url = "https://api.example/v1"
    organization_id = ORG


def test_a_create_record_holds_what_was_sent_privately_and_no_secret(tmp_path):
    locks = tmp_path / "locks"
    record = CreateRecord(Client(), Target("WORKSPACE", WS), "ci", str(locks))
    assert record.read() is None
    record.write()
    fields = record.read()
    assert {k: fields[k] for k in ("name", "scope", "entity_id")} == {"name": "ci", "scope": "WORKSPACE", "entity_id": WS}
    assert stat.S_IMODE(os.stat(locks).st_mode) == 0o700 and stat.S_IMODE(os.stat(record.path).st_mode) == 0o600
    other = CreateRecord(Client(), Target("WORKSPACE", WS), "ci-2", str(locks))
    assert other.read() is None, "one record per name, scope and entity"
    record.remove()
    record.remove()  # gone already: nothing to do
    assert record.read() is None and os.listdir(locks) == []


def test_a_symlink_in_place_of_a_create_record_is_refused(tmp_path):
    locks = tmp_path / "locks"
    record = CreateRecord(Client(), Target("ORGANIZATION", ORG), "ci", str(locks))
    record.write()
    record.remove()
    os.symlink(str(tmp_path / "elsewhere"), record.path)
    with pytest.raises(Exception, match="create record"):
        record.write()
    assert not (tmp_path / "elsewhere").exists()


def test_only_a_token_made_after_the_create_was_sent_is_the_lost_one():
    sent = {"sent_at": "2026-01-10T12:00:00Z"}
    assert made_by_lost_create(token(createdAt="2026-01-10T12:00:03Z"), sent)
    assert made_by_lost_create(token(createdAt="2026-01-10T11:55:00Z"), sent), "clocks may differ by minutes"
    assert not made_by_lost_create(token(createdAt="2025-06-01T00:00:00Z"), sent), "there before the create"


# Issue 26: a secret_file where another user could interfere is refused before any API call; a secret is never lost.

@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_secret_file_refuses_a_directory_others_may_write_to(tmp_path, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(AstroInputError, match=r"has mode {0:04o}: other users may write to it \(run: chmod go-w".format(mode)):
        SecretFile(str(shared / "t")).check()


def test_secret_file_under_a_sticky_parent_such_as_tmp_is_taken(tmp_path):
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    (sticky / "mine").mkdir(mode=0o700)
    SecretFile(str(sticky / "mine" / "t")).check()
    with pytest.raises(AstroInputError, match="other users may write to it"):
        SecretFile(str(sticky / "t")).check()  # in the sticky directory itself, another user may take the name first


@pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")
@pytest.mark.parametrize("planted", ["directory", "parent", "symlink", "file"])
def test_secret_file_refuses_what_another_user_owns(tmp_path, planted):
    other = 65534
    target = tmp_path / "d" / "t"
    target.parent.mkdir(mode=0o700)
    if planted == "directory":
        os.chown(target.parent, other, -1)
    elif planted == "parent":
        os.chown(tmp_path, other, -1)
    elif planted == "symlink":
        (tmp_path / "root-only").mkdir(mode=0o700)
        (tmp_path / "link").symlink_to(tmp_path / "root-only")
        os.lchown(tmp_path / "link", other, -1)
        target = tmp_path / "link" / "t"
    else:
        target.write_text("theirs")
        os.chown(target, other, -1)
    with pytest.raises(AstroInputError, match="uid 65534"):
        SecretFile(str(target)).check()


def test_a_secret_that_cannot_be_moved_in_place_stays_in_its_temporary_file(tmp_path):
    path = tmp_path / "ci.token"
    secret_file = SecretFile(str(path))
    secret_file.prepare()
    path.mkdir()  # the path made a directory while the temporary file exists
    (path / "x").write_text("")
    with pytest.raises(SecretKept) as raised:
        secret_file.commit("new-secret")
    with open(raised.value.temp_path) as kept:
        assert kept.read() == "new-secret"
    assert stat.S_IMODE(os.stat(raised.value.temp_path).st_mode) == 0o600
