"""The token lifecycle endpoints (CreateApiToken, UpdateApiToken, RotateApiToken, DeleteApiToken), the secrets
they issue, and the emulator's clock. Every answer is checked against openapi.yaml (the `owner` client), and
every request too (the `emulator` fixture fails a test that caused a contract violation)."""

import base64
import datetime
import json

import pytest
import requests

from astro_emulator.state import format_time, parse_time


def create(owner, **body):
    body = dict({"name": "lifecycle", "role": "ORGANIZATION_MEMBER", "scope": "ORGANIZATION"}, **body)
    answer = owner.post("/tokens", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def days_ago(days):
    return format_time(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days))


def test_every_create_issues_a_new_random_secret(owner, client_as):
    first, second = create(owner), create(owner, name="lifecycle-2")
    assert first["token"] != second["token"]
    assert len(first["token"]) >= 64 and len(second["token"]) >= 64
    for token in (first, second):
        assert client_as(secret=token["token"]).get(f"/tokens/{token['id']}").status_code == 200


def claims(secret):
    header, payload, signature = secret.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))) == {"alg": "RS256", "typ": "JWT"}
    assert signature
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_every_secret_is_a_jwt_naming_its_token_as_astros_do(owner, emulator, seed):
    """SEMANTICS.md "Which token a secret is": the apiTokenId claim, which the Astro CLI reads; the demo caller's too."""
    made = create(owner)
    assert claims(made["token"])["apiTokenId"] == made["id"] and claims(made["token"])["org_id"] == emulator.organization_id
    rotated = owner.post(f"/tokens/{made['id']}/rotate").json()
    assert claims(rotated["token"])["apiTokenId"] == made["id"] and rotated["token"] != made["token"]
    assert claims(emulator.caller_secret)["apiTokenId"] == seed.token_id("ansible-automation-owner")


def test_the_secret_is_in_no_other_answer(owner, emulator):
    token = create(owner, description="d")
    answers = [
        owner.get(f"/tokens/{token['id']}").json(),
        owner.post(f"/tokens/{token['id']}", json={"name": "renamed"}).json(),
        *owner.get("/tokens", params={"limit": 1000}).json()["tokens"],
        emulator.control.token(token["id"]),
    ]
    for answer in answers:
        assert "token" not in answer and "secret" not in answer
        assert token["token"] not in str(answer)


def test_rotate_issues_a_new_secret_and_the_old_one_answers_401(owner, client_as):
    token = create(owner)
    rotated = owner.post(f"/tokens/{token['id']}/rotate")
    assert rotated.status_code == 200
    rotated = rotated.json()
    assert rotated["token"] != token["token"] and rotated["id"] == token["id"]
    assert rotated["shortToken"] != token["shortToken"]
    assert rotated["lastRotatedAt"] and rotated["createdAt"] == token["createdAt"] and rotated["roles"] == token["roles"]
    assert client_as(secret=token["token"]).get(f"/tokens/{token['id']}").status_code == 401
    assert client_as(secret=rotated["token"]).get(f"/tokens/{token['id']}").status_code == 200
    again = owner.post(f"/tokens/{token['id']}/rotate").json()
    assert client_as(secret=rotated["token"]).get(f"/tokens/{token['id']}").status_code == 401
    assert client_as(secret=again["token"]).get(f"/tokens/{token['id']}").status_code == 200


@pytest.mark.parametrize("name", ["never-used-reader", "data-platform-ci", "etl-prod-deployer"])
def test_rotate_works_for_every_scope_and_gives_a_seeded_token_without_secret_one(owner, client_as, seed, name):
    token_id = seed.token_id(name)
    rotated = owner.post(f"/tokens/{token_id}/rotate").json()
    # Any valid bearer may list roles; a token without a secret before the rotate has one after it.
    assert client_as(secret=rotated["token"]).get("/roles").status_code == 200


def test_a_deleted_tokens_secret_answers_401(owner, client_as):
    token = create(owner)
    assert owner.delete(f"/tokens/{token['id']}").status_code == 204
    assert client_as(secret=token["token"]).get("/roles").status_code == 401


def test_update_changes_name_and_description_and_keeps_the_rest(owner, client_as):
    token = create(owner, description="first", tokenExpiryPeriodInDays=30)
    updated = owner.post(f"/tokens/{token['id']}", json={"name": "renamed", "description": "second"}).json()
    assert (updated["name"], updated["description"]) == ("renamed", "second")
    kept = owner.post(f"/tokens/{token['id']}", json={"name": "renamed-again"}).json()
    assert kept["description"] == "second"
    for field in ("roles", "endAt", "expiryPeriodInDays", "createdAt", "shortToken"):
        assert kept[field] == token[field]
    assert client_as(secret=token["token"]).get(f"/tokens/{token['id']}").status_code == 200


def test_issued_secrets_lists_every_secret_made_since_the_reset(owner, emulator):
    assert emulator.control.issued_secrets() == []
    token = create(owner)
    rotated = owner.post(f"/tokens/{token['id']}/rotate").json()
    other = create(owner, name="other")
    assert emulator.control.issued_secrets() == [token["token"], rotated["token"], other["token"]]
    emulator.control.reset()
    assert emulator.control.issued_secrets() == []


def test_the_clock_dates_creation_rotation_and_updates(owner, emulator):
    control = emulator.control
    control.set_clock(now="2025-01-01T00:00:00Z")
    token = create(owner, tokenExpiryPeriodInDays=10)
    assert token["createdAt"].startswith("2025-01-01T00:00") and token["startAt"] == token["createdAt"]
    assert token["endAt"].startswith("2025-01-11T00:00")
    control.set_clock(now="2025-02-01T12:00:00Z")
    assert owner.post(f"/tokens/{token['id']}/rotate").json()["lastRotatedAt"].startswith("2025-02-01T12:00")
    assert owner.post(f"/tokens/{token['id']}", json={"name": "n"}).json()["updatedAt"].startswith("2025-02-01T12:00")
    control.reset_clock()
    assert abs(parse_time(control.clock()["now"]) - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=1)


def test_the_clock_by_offset_and_reset(owner, emulator):
    control = emulator.control
    clock = control.set_clock(offset_seconds=-100 * 86400)
    assert clock["offset_seconds"] == -100 * 86400
    assert abs(parse_time(clock["now"]) - parse_time(days_ago(100))) < datetime.timedelta(minutes=1)
    assert abs(parse_time(create(owner)["createdAt"]) - parse_time(days_ago(100))) < datetime.timedelta(minutes=1)
    control.reset()
    assert control.clock()["offset_seconds"] == 0


def test_the_clock_decides_expiry(owner, client_as, emulator):
    token = create(owner, tokenExpiryPeriodInDays=1)
    assert client_as(secret=token["token"]).get("/roles").status_code == 200
    emulator.control.set_clock(offset_seconds=2 * 86400)
    assert client_as(secret=token["token"]).get("/roles").status_code == 401
    emulator.control.reset_clock()
    assert client_as(secret=token["token"]).get("/roles").status_code == 200


def test_the_clock_refuses_unknown_keys(emulator):
    answer = requests.post(emulator.base_url + "/_emulator/clock", json={"today": "x"}, timeout=10)
    assert answer.status_code == 400 and "today" in answer.json()["message"]
    answer = requests.post(emulator.base_url + "/_emulator/clock", json={"now": "yesterday"}, timeout=10)
    assert answer.status_code == 400
