"""The strict modes (tools/astro_emulator/strict.py): Astro's documented rate limits by default, and the page size,
echo and server-added entry that no public source rules out."""

import threading

import pytest
import requests

from astro_emulator.strict import RATE_LIMITS, RateLimiter

DAG_RUNNER_ID = "c36ep712gi2msl77o5jxkchmj"


def burst(owner, method, path, count):
    """`count` requests sent at once from as many threads (released together), answers in arrival order of the log."""
    barrier = threading.Barrier(count)
    answers = [None] * count

    def send(index):
        with requests.Session() as session:
            barrier.wait()
            answers[index] = session.request(method, owner.org_url(path), headers={"Authorization": f"Bearer {owner.secret}"},
                                             timeout=10)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("method", sorted(RATE_LIMITS))
def test_a_sliding_one_second_window_admits_the_limit_and_no_more(method):
    limiter, limit = RateLimiter(), RATE_LIMITS[method]
    assert [limiter.admit("Bearer a", method, now=10.0) for _ in range(limit + 1)] == [True] * limit + [False]
    assert limiter.admit("Bearer b", method, now=10.0), "another token has its own window"
    assert not limiter.admit("Bearer a", method, now=10.99)
    assert limiter.admit("Bearer a", method, now=11.0), "the window has moved on"
    assert limiter.refused == 2


NO_SUCH_TOKEN = "/tokens/cnosuchtoken0000000000000"


def test_the_documented_delete_limit_is_enforced_by_default_without_retry_after(emulator, owner):
    """12 DELETEs at once (5/s is the limit most sure to be crossed by one burst on a busy machine)."""
    answers = burst(owner, "DELETE", NO_SUCH_TOKEN, 12)
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(404) >= 5 and 429 in statuses, statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert "Retry-After" not in refused.headers
    assert refused.json()["statusCode"] == 429 and refused.json()["requestId"] and refused.json()["message"]
    assert emulator.control.modes()["rate_limited"] == statuses.count(429)
    entries = emulator.control.requests()
    assert sorted(e["status"] for e in entries) == sorted(statuses)
    assert all(e.get("rate_limited") for e in entries if e["status"] == 429)


def test_a_refused_request_is_not_carried_out(emulator, owner, seed):
    token_id = seed.token_id("never-used-reader")
    answers = burst(owner, "DELETE", f"/tokens/{token_id}", 12)
    assert sorted(a.status_code for a in answers)[:2] == [204, 404] and 429 in [a.status_code for a in answers]
    assert emulator.control.state()["tokens"] is not None
    deleted = [e for e in emulator.control.requests() if e["status"] == 204]
    assert len(deleted) == 1, "only an admitted DELETE ran"


def test_retry_after_and_the_switch_are_for_tests_to_choose(emulator, owner):
    emulator.control.set_modes(retry_after=2)
    refused = [a for a in burst(owner, "DELETE", NO_SUCH_TOKEN, 12) if a.status_code == 429]
    assert refused and all(a.headers["Retry-After"] == "2" for a in refused)
    emulator.control.set_modes(rate_limits=False)
    assert {a.status_code for a in burst(owner, "DELETE", NO_SUCH_TOKEN, 12)} == {404}
    emulator.control.reset()
    assert emulator.control.modes()["rate_limits"] is True


@pytest.mark.parametrize("path", ["/tokens", "/roles"])
def test_largest_page_refuses_more_than_100_tokens_or_roles(emulator, owner, path):
    emulator.control.set_modes(largest_page=100)
    refused = owner.get(path, params={"limit": 1000})
    assert refused.status_code == 400 and refused.json()["fieldErrors"][0]["field"] == "limit"
    assert owner.get(path, params={"limit": 100}).status_code == 200
    assert owner.get("/workspaces", params={"limit": 1000}).status_code == 200


def test_custom_role_echo_answers_the_id_and_takes_it_back(emulator, owner, seed):
    emulator.control.set_modes(custom_role_echo="id")
    token_id = seed.token_id("ci-deployer")
    roles = owner.get(f"/tokens/{token_id}").json()["roles"]
    added = {"entityType": "DEPLOYMENT", "entityId": seed.deployment("etl-staging"), "role": "DAG_RUNNER"}
    assert owner.roles(token_id, [r for r in roles if r["entityId"] != added["entityId"]] + [added]).status_code == 200
    read = owner.get(f"/tokens/{token_id}").json()["roles"]
    assert dict(added, role=DAG_RUNNER_ID) in read
    assert dict(added) in emulator.control.token(token_id)["roles"], "stored by name"
    # A client that writes back what it read (the echoed ID) keeps the role.
    assert owner.roles(token_id, read).status_code == 200
    assert dict(added) in emulator.control.token(token_id)["roles"]


def test_server_adds_workspace_accessor_with_a_deployment_role(emulator, owner, seed):
    emulator.control.set_modes(server_adds_accessor=True)
    token_id = seed.token_id("never-used-reader")
    roles = owner.get(f"/tokens/{token_id}").json()["roles"]
    deployment = {"entityType": "DEPLOYMENT", "entityId": seed.deployment("training"), "role": "DEPLOYMENT_ADMIN"}
    assert owner.roles(token_id, roles + [deployment]).status_code == 200
    accessor = {"entityType": "WORKSPACE", "entityId": seed.workspace("ml-research"), "role": "WORKSPACE_ACCESSOR"}
    assert accessor in owner.get(f"/tokens/{token_id}").json()["roles"]
