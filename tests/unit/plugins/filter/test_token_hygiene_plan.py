# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""token_hygiene_plan: what the hygiene playbook does to which token. The playbook's end-to-end tests
(tests/integration/test_token_hygiene.py) run it against the emulator; the rules are hammered here."""

from __future__ import annotations

import datetime

from ansible_collections.astro.platform.plugins.filter.token_hygiene_plan import token_hygiene_plan

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
OLD = "2026-01-01T00:00:00Z"
RECENT = "2026-11-20T00:00:00Z"


def token(token_id, name, **times):
    return dict(dict(id=token_id, name=name, scope="ORGANIZATION", created_at=OLD, last_used_at=RECENT, expiry=None,
                     expiry_days=None, last_rotated_at=None), **times)


TOKENS = [token("c" + "1" * 24, "ci-deployer"), token("c" + "2" * 24, "ci-old", last_used_at=None),
          token("c" + "3" * 24, "ci-expired", expiry="2026-02-01T00:00:00Z"), token("c" + "4" * 24, "shared"),
          token("c" + "5" * 24, "shared"), token("c" + "6" * 24, "caller"), token("c" + "7" * 24, "other-expired")]
IDS = {t["name"]: t["id"] for t in TOKENS}
ROWS = [{"token_id": IDS["ci-expired"], "flags": ["expired"]}, {"token_id": IDS["other-expired"], "flags": ["expired", "never used"]}]
LISTING = {"tokens": TOKENS, "caller_token_id": IDS["caller"]}


def plan(**options):
    return token_hygiene_plan(LISTING, ROWS, now=NOW, secret_dir="/s", **options)


def ids(entries):
    return [e["token_id"] for e in entries]


def test_nothing_is_in_scope_unless_named():
    found = plan()
    assert found["in_scope"] == [] and found["delete"] == [] and found["rotate_candidates"] == []
    assert ids(found["left_alone"]) == [IDS["ci-expired"], IDS["other-expired"]]


def test_a_pattern_puts_whole_names_in_scope_the_expired_are_deleted_the_others_are_rotation_candidates():
    found = plan(name_pattern="ci-.*")
    assert ids(found["in_scope"]) == [IDS["ci-deployer"], IDS["ci-old"], IDS["ci-expired"]]
    assert [(e["token_id"], e["reason"]) for e in found["delete"]] == [(IDS["ci-expired"], "expired 2026-02-01T00:00:00Z")]
    assert found["rotate_candidates"][0] == dict(token="ci-deployer", token_id=IDS["ci-deployer"], scope="ORGANIZATION",
                                                 expiry_days=None, secret_file="/s/" + IDS["ci-deployer"] + ".token",
                                                 reason="secret made " + OLD + ", more than 90 days ago")
    assert ids(found["left_alone"]) == [IDS["other-expired"]] and not found["caller_unknown"]


def test_selectors_by_id_or_unique_name_the_ambiguous_and_the_unknown_are_reported():
    found = plan(selectors=["ci-deployer", IDS["ci-old"].upper(), "shared", "nope"])
    assert ids(found["in_scope"]) == [IDS["ci-deployer"], IDS["ci-old"]]
    assert found["ambiguous"] == [{"name": "shared", "token_ids": ["c" + "4" * 24, "c" + "5" * 24]}]
    assert found["not_found"] == ["nope"]


def test_unused_tokens_are_deleted_only_when_asked_and_unreadable_times_never_delete():
    assert ids(plan(name_pattern="ci-.*", delete_unused_after_days=30)["delete"]) == [IDS["ci-old"], IDS["ci-expired"]]
    assert "never used, created " + OLD + ", more than 30 days ago" in [
        e["reason"] for e in plan(name_pattern="ci-.*", delete_unused_after_days="30")["delete"]]
    garbled = dict(LISTING, tokens=[token("c" + "8" * 24, "ci-garbled", last_used_at="yesterday")])
    assert token_hygiene_plan(garbled, [], name_pattern="ci-.*", delete_unused_after_days=1, now=NOW)["delete"] == []


def test_the_callers_token_stays_out_unless_named_by_id_with_the_flag():
    assert IDS["caller"] not in ids(plan(name_pattern=".*")["in_scope"])
    assert IDS["caller"] not in ids(plan(selectors=[IDS["caller"]])["in_scope"])
    assert IDS["caller"] not in ids(plan(selectors=["caller"], include_caller_token=True)["in_scope"])
    assert ids(plan(selectors=[IDS["caller"]], include_caller_token="yes")["in_scope"]) == [IDS["caller"]]
    unknown = token_hygiene_plan(dict(LISTING, caller_token_id=None), ROWS, name_pattern=".*", now=NOW)
    assert unknown["caller_unknown"]
    assert not token_hygiene_plan(dict(LISTING, caller_token_id=None), ROWS, caller_token_id=IDS["caller"].upper(),
                                  name_pattern=".*", now=NOW)["caller_unknown"]


def test_exclusions_by_id_or_name_the_expired_kept_when_asked_and_ids_that_cannot_name_a_file():
    found = plan(name_pattern="ci-.*", exclude=["ci-deployer", IDS["ci-old"].upper()], delete_expired="false")
    assert ids(found["in_scope"]) == [IDS["ci-expired"]] and found["delete"] == []
    assert ids(found["rotate_candidates"]) == [IDS["ci-expired"]]
    odd = token_hygiene_plan({"tokens": [token("../x", "ci-odd")], "caller_token_id": IDS["caller"]}, [], name_pattern="ci-.*")
    assert odd["bad_ids"] == ["../x"]
    assert plan(name_pattern="ci-.*", rotate_after_days=None)["rotate_candidates"] == []
