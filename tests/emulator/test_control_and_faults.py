"""Control API (/_emulator/): reset, request log, faults; raw-path handling; concurrency."""

import threading
import time

import pytest
import requests


@pytest.fixture
def raw(emulator):
    """A plain session for answers outside openapi.yaml (injected 429/503, drops)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator.caller_secret}"
    yield session
    session.close()


def token_url(emulator, token_id):
    return f"{emulator.api_url}/organizations/{emulator.organization_id}/tokens/{token_id}"


def test_reset_restores_the_seed_and_clears_log_and_faults(emulator, owner, seed):
    token_id = seed.token_id("never-used-reader")
    assert owner.delete(f"/tokens/{token_id}").status_code == 204
    emulator.control.set_faults(latency_ms=10)
    emulator.control.reset()
    assert emulator.control.requests() == []
    assert emulator.control.faults()["latency_ms"] == 0
    assert owner.get(f"/tokens/{token_id}").status_code == 200


def test_reset_waits_for_a_slow_write_its_client_gave_up_on(emulator, raw, seed):
    """A write slowed by a latency fault must land before the reset, never after it."""
    token_id = seed.token_id("never-used-reader")
    seeded = emulator.control.token(token_id)["roles"]
    added = {"entityType": "WORKSPACE", "entityId": seed.workspace("analytics"), "role": "WORKSPACE_MEMBER"}
    emulator.control.set_faults(latency_ms=800, latency_operations=["UpdateApiTokenRoles"])
    with pytest.raises(requests.exceptions.Timeout):
        raw.post(token_url(emulator, token_id) + "/roles", json={"roles": seeded + [added]}, timeout=0.2)
    emulator.control.reset()
    threading.Event().wait(1.0)  # past the moment the slow write would land
    assert emulator.control.token(token_id)["roles"] == seeded


def test_reset_to_a_given_seed(emulator, owner, demo_seed):
    small = dict(demo_seed, tokens=[t for t in demo_seed["tokens"] if t["id"] == demo_seed["caller"]])
    emulator.control.reset(small)
    assert owner.get("/tokens").json()["totalCount"] == 1
    emulator.control.reset()
    assert owner.get("/tokens").json()["totalCount"] == len(demo_seed["tokens"])


def test_log_counts_per_operation_and_writes(emulator, owner, seed):
    owner.get("/tokens")
    owner.get("/tokens")
    owner.get(f"/tokens/{seed.token_id('ci-deployer')}")
    owner.post(f"/tokens/{seed.token_id('ci-deployer')}/rotate")
    log = emulator.control.log()
    assert log["counts"] == {"ListApiTokens": 2, "GetApiToken": 1, "RotateApiToken": 1}
    assert [entry["seq"] for entry in log["requests"]] == [1, 2, 3, 4]
    writes = emulator.control.writes()
    assert [(w["method"], w["operationId"], w["status"]) for w in writes] == [("POST", "RotateApiToken", 200)]
    emulator.control.clear_log()
    assert emulator.control.requests() == []


def test_control_token_and_state(emulator, seed):
    token = emulator.control.token(seed.token_id("ci-deployer"))
    assert len(token["roles"]) == 4 and "secret" not in token
    state = emulator.control.state()
    assert emulator.caller_secret in [t["secret"] for t in state["tokens"]]
    with pytest.raises(requests.HTTPError):
        emulator.control.token("cnosuchtoken0000000000000")


@pytest.mark.allow_contract_violations
def test_control_api_is_not_under_v1(emulator, owner):
    assert owner.request("GET", "/v1/_emulator/state", org=False).status_code == 404
    assert owner.request("GET", "/v1/organizations", org=False).status_code == 404


@pytest.mark.allow_contract_violations
def test_percent_encoded_slash_is_an_unknown_id_not_another_route(emulator, owner):
    answer = owner.get("/tokens/..%2Fworkspaces")
    assert answer.status_code == 404
    assert "../workspaces" in answer.json()["message"]
    entry = emulator.control.requests()[-1]
    assert entry["raw_path"].endswith("/tokens/..%2Fworkspaces")
    assert entry["path"].endswith("/tokens/../workspaces")
    assert entry["operationId"] == "GetApiToken"


def test_fail_next_429_with_retry_after_only_for_chosen_operations(emulator, raw, seed):
    emulator.control.set_faults(fail_next={"status": 429, "count": 2, "retry_after": 1, "operations": ["GetApiToken"]})
    url = token_url(emulator, seed.token_id("ci-deployer"))
    assert raw.get(f"{emulator.api_url}/organizations/{emulator.organization_id}/workspaces").status_code == 200
    for _ in range(2):
        answer = raw.get(url)
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "1"
        assert answer.json()["statusCode"] == 429 and answer.json()["requestId"]
    assert raw.get(url).status_code == 200
    assert [entry["status"] for entry in emulator.control.requests()] == [200, 429, 429, 200]


def test_fail_next_503_does_not_apply_the_write(emulator, raw, seed):
    emulator.control.set_faults(fail_next={"status": 503, "count": 1})
    token_id = seed.token_id("ci-deployer")
    assert raw.post(token_url(emulator, token_id), json={"name": "renamed"}).status_code == 503
    assert emulator.control.token(token_id)["name"] == "ci-deployer"
    assert raw.post(token_url(emulator, token_id), json={"name": "renamed"}).status_code == 200


@pytest.mark.parametrize("apply", [False, True])
def test_drop_next_closes_the_connection_and_applies_the_write_only_when_asked(emulator, raw, seed, apply):
    emulator.control.set_faults(drop_next={"count": 1, "operations": ["UpdateApiToken"], "apply": apply})
    token_id = seed.token_id("ci-deployer")
    with pytest.raises(requests.ConnectionError):
        raw.post(token_url(emulator, token_id), json={"name": "renamed"})
    assert emulator.control.token(token_id)["name"] == ("renamed" if apply else "ci-deployer")
    entry = emulator.control.requests()[-1]
    assert entry["dropped"] is True and entry["applied"] is apply and entry["is_write"] is True


def wait_until_held(emulator, count=1):
    """Poll the control API until `count` writes are held (a state, not a time, ends the wait)."""
    for _ in range(1000):
        if len(emulator.control.held()) >= count:
            return
        time.sleep(0.01)
    raise AssertionError("no write was held")


def test_a_held_write_lands_after_the_writes_it_waits_for(emulator, raw, seed):
    """hold_next: the held write (the client gave up on it) is applied after a later write: the ghost write."""
    emulator.control.set_faults(hold_next={"count": 1, "operations": ["UpdateApiToken"], "after_writes": 1})
    token_id = seed.token_id("ci-deployer")
    with pytest.raises(requests.Timeout):
        raw.post(token_url(emulator, token_id), json={"name": "first"}, timeout=0.3)
    wait_until_held(emulator)
    assert emulator.control.token(token_id)["name"] == "ci-deployer", "a held write is not applied yet"
    assert raw.post(token_url(emulator, token_id), json={"name": "second"}).status_code == 200
    for _ in range(1000):
        if emulator.control.faults()["writes_landed"] == 2:
            break
        time.sleep(0.01)
    assert emulator.control.token(token_id)["name"] == "first", "the held write lands last"


def test_release_lets_a_held_write_go_on(emulator, raw, seed):
    emulator.control.set_faults(hold_next={"operations": ["UpdateApiToken"]})
    token_id = seed.token_id("ci-deployer")
    answer = {}
    writer = threading.Thread(target=lambda: answer.update(status=raw.post(token_url(emulator, token_id), json={"name": "late"}).status_code))
    writer.start()
    wait_until_held(emulator)
    emulator.control.release()
    writer.join()
    assert answer["status"] == 200 and emulator.control.token(token_id)["name"] == "late"


def test_write_delay_draws_a_delay_per_write_within_the_range(emulator, raw, seed):
    emulator.control.set_faults(write_delay_ms=[20, 60], write_delay_operations=["UpdateApiToken"])
    token_id = seed.token_id("ci-deployer")
    for index in range(3):
        assert raw.post(token_url(emulator, token_id), json={"name": "n{0}".format(index)}).status_code == 200
    assert raw.get(token_url(emulator, token_id)).status_code == 200
    delays = [entry.get("write_delay_ms") for entry in emulator.control.requests()]
    assert all(20 <= delay <= 60 for delay in delays[:3]) and delays[3] is None, delays


def test_latency_applies_outside_the_state_lock(emulator, raw, seed):
    emulator.control.set_faults(latency_ms=500, latency_operations=["GetApiToken"])
    slow_answer = {}

    def slow_get():
        started = time.monotonic()
        slow_answer["status"] = raw.get(token_url(emulator, seed.token_id("ci-deployer"))).status_code
        slow_answer["elapsed"] = time.monotonic() - started

    slow = threading.Thread(target=slow_get)
    slow.start()
    with requests.Session() as other:
        other.headers["Authorization"] = f"Bearer {emulator.caller_secret}"
        # A fast request of another client is answered while the slow one still waits.
        assert other.get(f"{emulator.api_url}/organizations/{emulator.organization_id}/workspaces").status_code == 200
        assert slow.is_alive()
    slow.join()
    assert slow_answer["status"] == 200 and slow_answer["elapsed"] >= 0.5


def test_concurrent_creates_are_all_kept(emulator, owner):
    def create(index):
        answer = owner.post("/tokens", json={"name": f"parallel-{index}", "role": "ORGANIZATION_MEMBER", "scope": "ORGANIZATION"})
        assert answer.status_code == 200

    threads = [threading.Thread(target=create, args=(index,)) for index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert owner.get("/tokens").json()["totalCount"] == 20


def test_bad_fault_spec_answers_400(emulator):
    with pytest.raises(requests.HTTPError):
        emulator.control.set_faults(explode=True)
