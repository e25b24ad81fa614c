# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import socket
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible.module_utils.basic import AnsibleFallbackNotFound
from ansible_collections.astro.platform.plugins.module_utils.astro_api import (
    COLLECTION_VERSION,
    AstroClient,
    connection_options,
    connection_warnings,
    parse_retry_after,
    retry_delay,
    sends_token_in_clear,
    set_env_fallback,
)
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroConfigError, AstroInputError, AstroTransportError

SECRET = "astro-unit-test-secret-5f1e0c2b9a"
ORG = "clorg0000000000000000000a"


def make_client(url, sleeps=None, **kwargs):
    """A client of the scripted server; the pauses it would sleep are appended to `sleeps`, not slept."""
    sleeps = [] if sleeps is None else sleeps
    options = dict(api_token=SECRET, organization_id=ORG, api_url=url, max_retries=3, sleep=sleeps.append)
    options.update(kwargs)
    return AstroClient(**options)


def error_body(message, status, request_id="req-123"):
    return {"message": message, "statusCode": status, "requestId": request_id}


def test_pagination_reads_three_pages_once_each(scripted_server):
    items = [{"id": "t%04d" % i} for i in range(2500)]
    for offset in (0, 1000, 2000):
        scripted_server.answer(body={"tokens": items[offset:offset + 1000], "totalCount": 2500, "offset": offset, "limit": 1000})
    client = make_client(scripted_server.url)
    assert client.list_tokens() == items
    assert [r["path"] for r in scripted_server.requests] == [
        "/v1/organizations/%s/tokens?offset=%d&limit=1000" % (ORG, offset) for offset in (0, 1000, 2000)]


def test_429_is_retried_after_retry_after(scripted_server):
    scripted_server.answer(429, error_body("slow down", 429), {"Retry-After": "1"}).answer(body={"id": "tok"})
    sleeps = []
    client = make_client(scripted_server.url, sleeps=sleeps)
    assert client.get_token("tok") == {"id": "tok"}
    assert len(scripted_server.requests) == 2
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 1.1


def test_retry_after_is_capped():
    assert parse_retry_after("3600") == 3600.0
    assert retry_delay(1, "3600") <= 61.0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(scripted_server, status):
    scripted_server.answer(status, error_body("unavailable", status)).answer(body={"id": "tok"})
    sleeps = []
    client = make_client(scripted_server.url, sleeps=sleeps)
    assert client.get_token("tok") == {"id": "tok"}
    assert len(scripted_server.requests) == 2 and len(sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(scripted_server, status):
    scripted_server.answer(status, error_body("no", status)).answer(body={"id": "tok"})
    sleeps = []
    client = make_client(scripted_server.url, sleeps=sleeps)
    with pytest.raises(AstroAPIError) as raised:
        client.get_token("tok")
    assert raised.value.status == status
    assert len(scripted_server.requests) == 1 and sleeps == []


def test_retry_budget_is_bounded_and_reported(scripted_server):
    for attempt in range(4):
        scripted_server.answer(503, error_body("down for maintenance", 503, "req-503"))
    sleeps = []
    client = make_client(scripted_server.url, max_retries=3, sleeps=sleeps)
    with pytest.raises(AstroAPIError) as raised:
        client.get_token("tok")
    assert len(scripted_server.requests) == 4 and len(sleeps) == 3
    assert "after 4 attempts" in str(raised.value) and "down for maintenance" in str(raised.value)


def test_error_message_has_status_path_message_request_id_and_never_the_token(scripted_server):
    body = error_body("Invalid role WORKSPACE_BOSS", 400, "req-abc-42")
    body["fieldErrors"] = [{"code": "invalid", "field": "roles[1].role", "message": "unknown role"}]
    scripted_server.answer(400, body)
    client = make_client(scripted_server.url)
    with pytest.raises(AstroAPIError) as raised:
        client.replace_token_roles("tok1", [])
    text = str(raised.value)
    for part in ("400", "POST", "/organizations/%s/tokens/tok1/roles" % ORG, "Invalid role WORKSPACE_BOSS", "req-abc-42", "roles[1].role"):
        assert part in text
    assert SECRET not in text and SECRET not in repr(raised.value.fail_kwargs())
    assert raised.value.fail_kwargs()["request_id"] == "req-abc-42"
    assert scripted_server.requests[0]["headers"]["Authorization"] == "Bearer " + SECRET


def test_a_non_json_error_still_says_what_came_back(scripted_server):
    scripted_server.answer(404, None)
    client = make_client(scripted_server.url)
    with pytest.raises(AstroAPIError) as raised:
        client.get_token("tok")
    assert "404" in str(raised.value)


def test_connection_errors_are_retried_then_reported():
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = []
    client = make_client("http://127.0.0.1:%d/v1" % port, max_retries=2, sleeps=sleeps)
    with pytest.raises(AstroTransportError) as raised:
        client.get_token("tok")
    assert len(sleeps) == 2
    assert "after 3 attempt(s)" in str(raised.value) and "connection failed" in str(raised.value)


@pytest.mark.parametrize("hostile, encoded", [
    ("../workspaces", "..%2Fworkspaces"),
    ("a/b", "a%2Fb"),
    ("%2F", "%252F"),
    ("x?y=1", "x%3Fy%3D1"),
    ("x#frag", "x%23frag"),
    ("é", "%C3%A9"),
])
def test_ids_cannot_leave_their_path_segment(scripted_server, hostile, encoded):
    scripted_server.answer(body={"id": "x"})
    client = make_client(scripted_server.url)
    client.get_token(hostile)
    assert scripted_server.requests[0]["path"] == "/v1/organizations/%s/tokens/%s" % (ORG, encoded)


@pytest.mark.parametrize("dots", ["", ".", ".."])
def test_dot_segments_are_refused_before_any_request(scripted_server, dots):
    client = make_client(scripted_server.url)
    with pytest.raises(AstroInputError) as raised:
        client.get_token(dots)
    assert repr(dots) in str(raised.value)
    assert scripted_server.requests == []


def test_query_parameters_follow_the_api_conventions(scripted_server):
    scripted_server.answer(body={"workspaces": [], "totalCount": 0, "offset": 0, "limit": 1000})
    scripted_server.answer(body={"tokens": [], "totalCount": 0, "offset": 0, "limit": 1000})
    client = make_client(scripted_server.url)
    client.list_workspaces(names=["a b", "c"])
    client.list_tokens(organization_only=True)
    assert scripted_server.requests[0]["path"].endswith("/workspaces?names=a+b&names=c&offset=0&limit=1000")
    assert "includeOnlyOrganizationTokens=true" in scripted_server.requests[1]["path"]


def test_user_agent_names_the_collection_and_version(scripted_server):
    scripted_server.answer(body={"id": "x"})
    client = make_client(scripted_server.url)
    client.get_token("x")
    assert "astro.platform/" + COLLECTION_VERSION in scripted_server.requests[0]["headers"]["User-Agent"]


@pytest.mark.parametrize("missing, names", [
    ("api_token", ("api_token", "ASTRO_API_TOKEN")),
    ("organization_id", ("organization_id", "ASTRO_ORGANIZATION_ID")),
])
def test_missing_credentials_name_the_option_and_the_variable(missing, names):
    options = dict(api_token=SECRET, organization_id=ORG)
    options[missing] = None
    with pytest.raises(AstroConfigError) as raised:
        AstroClient(**options)
    assert all(name in str(raised.value) for name in names)


@pytest.mark.parametrize("options, bad", [
    (dict(api_url="ftp://example.com"), "ftp://example.com"),
    (dict(timeout=0), "0"),
    (dict(max_retries=-1), "-1"),
])
def test_bad_connection_options_are_named(options, bad):
    with pytest.raises(AstroConfigError) as raised:
        AstroClient(api_token=SECRET, organization_id=ORG, **options)
    assert bad in str(raised.value)


@given(st.text(min_size=1, max_size=300))
def test_any_id_stays_one_literal_path_segment(value):
    client = AstroClient(api_token=SECRET, organization_id=ORG, api_url="http://127.0.0.1:9/v1")
    if not value.strip("."):
        with pytest.raises(AstroInputError):
            client.org_path("tokens", value)
        return
    path = urlsplit("http://127.0.0.1:9/v1" + client.org_path("tokens", value, "roles")).path
    segments = path.split("/")
    assert segments[:5] == ["", "v1", "organizations", ORG, "tokens"] and segments[6:] == ["roles"]
    assert unquote(segments[5]) == value


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_name_is_one_query_value(scripted_server, name):
    scripted_server.answer(body={"workspaces": [], "totalCount": 0, "offset": 0, "limit": 1000})
    client = make_client(scripted_server.url)
    client.list_workspaces(names=[name])
    query = parse_qs(urlsplit(scripted_server.requests[-1]["path"]).query, keep_blank_values=True)
    assert query["names"] == [name] and query["offset"] == ["0"]


# The token is checked before use; no error ever quotes it.

@pytest.mark.parametrize(("suffix", "said"), [
    ("\r\n", "ends with a line break; strip it"),
    ("\n", "ends with a line break; strip it"),
    ("\r", "ends with a line break; strip it"),
    (" ", "starts or ends with whitespace"),
    ("\tx", "not visible ASCII"),
    (" x", "not visible ASCII"),
    ("\x00x", "not visible ASCII"),
    ("\u00e9x", "not visible ASCII"),
])
def test_a_token_with_whitespace_or_control_characters_fails_without_quoting_it(suffix, said):
    with pytest.raises(AstroConfigError) as caught:
        make_client("https://api.example.com/v1", api_token=SECRET + suffix)
    assert said in str(caught.value)
    assert SECRET[4:12] not in str(caught.value)


def test_any_transport_error_of_requests_is_described_without_the_header(scripted_server):
    client = make_client(scripted_server.url)
    # What requests does with a header it refuses: its error quotes the whole header, token included.
    client._session.headers["Authorization"] = "Bearer " + SECRET + "\n"
    with pytest.raises(AstroTransportError) as caught:
        client.get_token("tok")
    assert "InvalidHeader" in str(caught.value) and SECRET not in str(caught.value)
    assert scripted_server.requests == []


def test_an_invalid_url_fails_as_a_transport_error_not_a_crash():
    client = make_client("http://")
    with pytest.raises(AstroTransportError, match="could not be sent .InvalidURL"):
        client.get_token("tok")


# Empty is unset: AWX injects '' for a credential field left empty.

@pytest.mark.parametrize(("option", "default"), [
    ("api_url", "https://api.astronomer.io/v1"), ("validate_certs", True), ("ca_path", None), ("timeout", 30.0), ("max_retries", 5),
])
def test_an_empty_connection_option_is_its_default(option, default):
    options = connection_options(dict(api_token=SECRET, organization_id=ORG, **{option: ""}))
    assert options[option] == default
    client = AstroClient(**options)
    assert client.api_url == "https://api.astronomer.io/v1"


def test_the_client_treats_every_empty_option_as_unset():
    client = AstroClient(api_token=SECRET, organization_id=ORG, api_url="", validate_certs="", ca_path="", timeout="", max_retries="")
    assert (client.api_url, client.timeout, client.max_retries, client._verify) == ("https://api.astronomer.io/v1", 30.0, 5, True)


@pytest.mark.parametrize(("option", "variable"), [("api_token", "ASTRO_API_TOKEN"), ("organization_id", "ASTRO_ORGANIZATION_ID")])
def test_an_empty_token_or_organization_is_missing(option, variable):
    options = dict(api_token=SECRET, organization_id=ORG, api_url="https://api.example.com/v1")
    options[option] = ""
    with pytest.raises(AstroConfigError, match=variable):
        AstroClient(**options)


def test_an_empty_environment_variable_is_no_fallback(monkeypatch):
    monkeypatch.setenv("ASTRO_API_URL", "")
    with pytest.raises(AnsibleFallbackNotFound):
        set_env_fallback("ASTRO_API_URL")
    monkeypatch.setenv("ASTRO_API_URL", "http://127.0.0.1:1/v1")
    assert set_env_fallback("ASTRO_API_URL") == "http://127.0.0.1:1/v1"


# http:// sends the token in clear: a warning, except to this machine.

@pytest.mark.parametrize(("url", "in_clear"), [
    ("http://api.example.com/v1", True),
    ("HTTP://api.example.com/v1", True),
    ("http://10.0.0.5:8080/v1", True),
    ("http://localhost.localdomain/v1", True),
    ("http://127.0.0.1:8080/v1", False),
    ("http://127.45.6.7/v1", False),
    ("http://[::1]:8080/v1", False),
    ("http://localhost:8080/v1", False),
    ("http://LocalHost/v1", False),
    ("https://api.example.com/v1", False),
])
def test_plain_http_off_this_machine_sends_the_token_in_clear(url, in_clear):
    assert sends_token_in_clear(url) is in_clear


def test_connection_warnings_name_the_url_and_never_the_token():
    options = connection_options(dict(api_token=SECRET, organization_id=ORG, api_url="http://api.example.com/v1", validate_certs=False))
    warnings = connection_warnings(options)
    assert len(warnings) == 2 and "travels in clear" in warnings[1] and "http://api.example.com/v1" in warnings[1]
    assert not any(SECRET in w for w in warnings)
    assert connection_warnings(connection_options(dict(api_url="http://127.0.0.1:9/v1"))) == []


def test_roles_look_up_asks_for_default_roles_and_returns_both_lists(scripted_server):
    custom = [{"id": "cr1", "name": "DAG_RUNNER", "scopeType": "DEPLOYMENT"}]
    default = [{"name": "DEPLOYMENT_ADMIN", "scopeType": "DEPLOYMENT", "permissions": []}]
    scripted_server.answer(body={"roles": custom, "defaultRoles": default, "totalCount": 1, "offset": 0, "limit": 1000})
    assert make_client(scripted_server.url).list_roles(scope_types=["DEPLOYMENT"]) == (custom, default)
    query = parse_qs(urlsplit(scripted_server.requests[0]["path"]).query)
    assert query["includeDefaultRoles"] == ["true"] and query["scopeTypes"] == ["DEPLOYMENT"]


def test_429_without_retry_after_waits_out_the_one_second_window_each_time(scripted_server):
    """No public source shows Astro sending Retry-After: quick full-jitter retries would land in the same window."""
    for _attempt in range(3):
        scripted_server.answer(429, error_body("Too many requests", 429))
    scripted_server.answer(body={"id": "tok"})
    sleeps = []
    client = make_client(scripted_server.url, sleeps=sleeps)
    assert client.get_token("tok") == {"id": "tok"}
    assert len(scripted_server.requests) == 4 and len(sleeps) == 3
    # Each pause is slept through the shared budget (a hair of it may have passed already), doubling from 1 s.
    for attempt, pause in enumerate(sleeps, 1):
        assert pause >= 0.99 * 2 ** (attempt - 1), sleeps


def test_a_429_holds_off_the_other_processes_of_the_controller_too(scripted_server):
    scripted_server.answer(429, error_body("Too many requests", 429)).answer(body={"id": "tok"}).answer(body={"id": "tok"})
    client = make_client(scripted_server.url, sleeps=[])
    client.get_token("tok")
    fork_sleeps = []
    # Another fork (same API and token, its own process): its first request waits for the pause the 429 started.
    fork = make_client(scripted_server.url, sleeps=fork_sleeps)
    fork.get_token("tok")
    assert len(fork_sleeps) == 1 and fork_sleeps[0] > 0.5


def test_a_refused_page_size_falls_back_to_100_once_for_the_whole_controller(scripted_server):
    refusal = dict(error_body("Invalid request: limit must be at most 100, got 1000", 400),
                   fieldErrors=[{"code": "max", "field": "limit", "message": "limit must be at most 100, got 1000"}])
    page = {"tokens": [{"id": "t1"}], "totalCount": 1, "offset": 0, "limit": 100}
    scripted_server.answer(400, refusal).answer(body=page).answer(body=page)
    notes = []
    assert make_client(scripted_server.url, note=notes.append).list_tokens() == [{"id": "t1"}]
    later_notes = []
    assert make_client(scripted_server.url, note=later_notes.append).list_tokens() == [{"id": "t1"}]
    limits = [parse_qs(urlsplit(r["path"]).query)["limit"] for r in scripted_server.requests]
    assert limits == [["1000"], ["100"], ["100"]]
    assert len(notes) == 1 and "refused pages of 1000 tokens" in notes[0] and "pages of 100" in notes[0]
    assert later_notes == []


def test_a_400_that_is_not_about_the_page_size_is_not_taken_for_one(scripted_server):
    scripted_server.answer(400, error_body("workspaceId is malformed", 400))
    with pytest.raises(AstroAPIError, match="workspaceId is malformed"):
        make_client(scripted_server.url).list_tokens(workspace_id="x")
    assert len(scripted_server.requests) == 1


def test_the_client_names_itself_as_astro_s_own_clients_do(scripted_server):
    scripted_server.answer(body={"id": "tok"})
    make_client(scripted_server.url).get_token("tok")
    headers = {name.lower(): value for name, value in scripted_server.requests[0]["headers"].items()}
    assert headers["x-astro-client-identifier"] == "astro.platform"
    assert headers["x-astro-client-version"] == COLLECTION_VERSION


def test_a_403_names_the_organization_that_was_used(scripted_server):
    """A 403 for a wrong organization ID must not only blame the token's role."""
    scripted_server.answer(403, error_body("forbidden", 403))
    with pytest.raises(AstroAPIError) as raised:
        make_client(scripted_server.url).list_tokens()
    text = str(raised.value)
    assert "the request was for the Organization {0!r} (organization_id or ASTRO_ORGANIZATION_ID)".format(ORG) in text, text
    assert "the API token's role does not allow this" in text and SECRET not in text


def test_a_404_shows_the_api_url_that_was_used_and_a_missing_version(scripted_server):
    base = scripted_server.url[:-len("/v1")]
    scripted_server.answer(404, error_body("not found", 404)).answer(404, error_body("not found", 404))
    with pytest.raises(AstroAPIError) as raised:
        make_client(base).list_tokens()
    text = str(raised.value)
    assert "api_url was {0!r}, which does not end with /v1".format(base) in text, text
    with pytest.raises(AstroAPIError) as raised:
        make_client(scripted_server.url).get_token("tok")
    text = str(raised.value)
    assert "api_url was {0!r}".format(scripted_server.url) in text and "does not end with" not in text, text
    assert SECRET not in text


def test_a_404_never_shows_credentials_of_the_url(scripted_server):
    url = scripted_server.url.replace("http://", "http://someone:pa55word@")
    scripted_server.answer(404, error_body("not found", 404))
    with pytest.raises(AstroAPIError) as raised:
        make_client(url).get_token("tok")
    assert "pa55word" not in str(raised.value) and "api_url was 'http://127.0.0.1:" in str(raised.value)


@pytest.mark.parametrize("date, moved", [
    ("Sat, 01 Jan 2000 00:00:00 GMT", True),  # the API's clock, far from this host's
    (None, False),  # no Date header: this host's clock
    ("not a date", False),
    ("Sat, 01 Jan 2000 00:00:00 -0000", False),  # a time of no known zone
])
def test_now_is_the_apis_clock_from_the_date_header_or_else_this_hosts(scripted_server, date, moved):
    scripted_server.answer(body={"id": "tok"}, headers={"Date": date} if date else {"Date": ""})
    client = make_client(scripted_server.url)
    assert client.now().year > 2000, "before any answer: this host's clock"
    client.get_token("tok")
    assert (client.now().year == 2000) is moved, client.now()
    assert client.now().tzinfo is not None
