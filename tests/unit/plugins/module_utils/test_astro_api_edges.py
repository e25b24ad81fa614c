# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client at the edges of trust (issue 26): a gateway that echoes secrets, a token cut at a clip boundary,
a URL two parsers read differently, an answer too big to hold."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.astro.platform.plugins.module_utils import astro_api
from ansible_collections.astro.platform.plugins.module_utils.astro_api import AstroClient, sends_token_in_clear
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroTransportError

SECRET = "astro-unit-test-secret-5f1e0c2b9a"
NEW_SECRET = "Xq7nR2vLp9TsW4yKb8Hc3Jd6Fg1Zm5Na0Qe_Ur-Io"
ORG = "clorg0000000000000000000a"
ANSWER = {"id": "tok1", "name": "ci", "token": NEW_SECRET, "scope": "ORGANIZATION"}


def make_client(url, **kwargs):
    return AstroClient(**dict(dict(api_token=SECRET, organization_id=ORG, api_url=url, max_retries=3, sleep=lambda _s: None), **kwargs))


def pieces(secret, size=8):
    """Every run of `size` characters of the secret: none may show, whole or cut."""
    return [secret[start:start + size] for start in range(len(secret) - size + 1)]


def shows_any_of(secret, text):
    return [piece for piece in pieces(secret) if piece in text]


def everything_of(raised):
    return str(raised.value) + json.dumps(raised.value.fail_kwargs())


@pytest.mark.parametrize("status", [500, 400, 409])
def test_a_new_secret_echoed_in_a_gateway_error_is_masked(scripted_server, status):
    scripted_server.answer(status, {"message": "upstream said: " + json.dumps(ANSWER), "requestId": "gw"})
    with pytest.raises(AstroAPIError) as raised:
        make_client(scripted_server.url).rotate_token("tok1")
    assert shows_any_of(NEW_SECRET, everything_of(raised)) == []
    assert "upstream said:" in str(raised.value) and '\\"token\\": \\"********' in json.dumps(raised.value.api_message)


def test_the_last_retried_502_of_a_rotate_never_shows_its_secret(scripted_server):
    for attempt in range(4):
        scripted_server.answer(502, ("<html>Bad gateway; upstream answered " + json.dumps(dict(ANSWER, token=NEW_SECRET + str(attempt)))
                                     + "</html>").encode())
    with pytest.raises(AstroAPIError) as raised:
        make_client(scripted_server.url).rotate_token("tok1")
    assert len(scripted_server.requests) == 4 and "502" in str(raised.value)
    assert shows_any_of(NEW_SECRET, everything_of(raised)) == []


def test_a_200_answer_that_is_not_json_never_shows_the_secret_it_starts_with(scripted_server):
    scripted_server.answer(200, (json.dumps(ANSWER) + " <!-- cached by gateway -->").encode())
    with pytest.raises(AstroTransportError) as raised:
        make_client(scripted_server.url).create_token("ci", "ORGANIZATION", "ORGANIZATION_MEMBER")
    assert "not JSON" in str(raised.value)
    assert shows_any_of(NEW_SECRET, everything_of(raised)) == []


def test_a_secret_the_client_was_given_is_masked_in_its_later_errors(scripted_server):
    scripted_server.answer(200, ANSWER).answer(500, {"message": "cannot index " + NEW_SECRET})
    client = make_client(scripted_server.url)
    assert client.rotate_token("tok1")["token"] == NEW_SECRET
    with pytest.raises(AstroAPIError) as raised:
        client.get_token("tok1")
    assert "cannot index ********" in str(raised.value) and shows_any_of(NEW_SECRET, everything_of(raised)) == []


@pytest.mark.parametrize("offset", range(240, 300, 7))
def test_the_api_token_cut_at_the_clip_boundary_shows_none_of_it(scripted_server, offset):
    """A body that is not an Astro error is shown cut at 300 characters; the token sits across the cut."""
    scripted_server.answer(401, ("x" * offset + "Bearer " + SECRET + " refused" + "y" * 400).encode())
    with pytest.raises(AstroAPIError) as raised:
        make_client(scripted_server.url).get_token("tok1")
    assert shows_any_of(SECRET, everything_of(raised)) == []


@pytest.mark.parametrize("url", ["http://evil.example\\@localhost/v1", "http://evil.example\\@127.0.0.1/v1"])
def test_the_clear_text_check_reads_the_host_as_the_transport_does(url):
    assert sends_token_in_clear(url) is True


def test_a_url_the_parsers_read_alike_is_judged_as_before():
    assert sends_token_in_clear("http://localhost\\@evil.example/v1") is False  # urllib3 connects to localhost


def test_an_answer_larger_than_the_bound_is_refused_unread(scripted_server, monkeypatch):
    monkeypatch.setattr(astro_api, "MAX_ANSWER_BYTES", 4096)
    monkeypatch.setattr(astro_api, "ANSWER_CHUNK_BYTES", 1024)
    scripted_server.answer(200, {"tokens": [{"id": "t" * 100}] * 100, "totalCount": 100})
    with pytest.raises(AstroTransportError) as raised:
        make_client(scripted_server.url).list_tokens()
    assert "larger than 4096 bytes" in str(raised.value)


def test_an_answer_within_the_bound_is_read_whole(scripted_server, monkeypatch):
    monkeypatch.setattr(astro_api, "MAX_ANSWER_BYTES", 1 << 20)
    tokens = [{"id": "t%04d" % i} for i in range(100)]
    scripted_server.answer(200, {"tokens": tokens, "totalCount": 100})
    assert make_client(scripted_server.url).list_tokens() == tokens


# Which token the client runs as: the apiTokenId claim of its secret, a JWT (SEMANTICS.md "Which token a secret is").

def jwt(claims, header=None):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return "{0}.{1}.c2lnbmF0dXJl".format(part(header or {"alg": "RS256", "typ": "JWT"}), part(claims))


CALLER = "ct6437dlcyrnunkhuvu4fwzx3"


@pytest.mark.parametrize("secret, expected", [
    (jwt({"apiTokenId": CALLER, "org_id": ORG}), CALLER),
    (jwt({"apiTokenId": CALLER.upper()}), CALLER),  # IDs are lower-case, as the CLI types them
    (jwt({"org_id": ORG}), None),  # no claim
    (jwt({"apiTokenId": "../../etc/passwd"}), None),  # not an Astro ID: never used
    (jwt({"apiTokenId": 12}), None),
    (jwt(["not", "a", "mapping"]), None),
    (SECRET, None),  # not a JWT
    ("a.%%%.c", None),  # not base64
    ("a." + base64.urlsafe_b64encode(b"\xff\xfe").decode() + ".c", None),  # not UTF-8
    ("a..c", None),
])
def test_the_callers_token_id_is_read_from_its_secrets_claims(secret, expected):
    assert astro_api.caller_token_id(secret) == expected
    assert make_client("https://api.example.com/v1", api_token=secret).caller_token_id == expected
