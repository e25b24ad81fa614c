# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The token lifecycle calls of the client: bodies as in openapi.yaml, and a create is never sent twice."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.astro.platform.plugins.module_utils.astro_api import AstroClient
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroTransportError

ORG = "clorg0000000000000000000a"


def make_client(url, sleeps):
    return AstroClient(api_token="unit-test-bearer", organization_id=ORG, api_url=url, max_retries=3, sleep=sleeps.append)


def error(status):
    return {"message": "m", "statusCode": status, "requestId": "r"}


def test_create_sends_only_what_is_set(scripted_server):
    scripted_server.answer(body={"id": "cnew"}).answer(body={"id": "cnew2"})
    client = make_client(scripted_server.url, [])
    client.create_token("ci", "ORGANIZATION", "ORGANIZATION_MEMBER")
    client.create_token("ws", "WORKSPACE", "WORKSPACE_MEMBER", entity_id="cws", description="d", expiry_days=30)
    first, second = scripted_server.requests
    assert (first["method"], first["path"]) == ("POST", "/v1/organizations/%s/tokens" % ORG)
    assert first["body"] == {"name": "ci", "scope": "ORGANIZATION", "role": "ORGANIZATION_MEMBER"}
    assert second["body"] == {"name": "ws", "scope": "WORKSPACE", "role": "WORKSPACE_MEMBER", "entityId": "cws",
                              "description": "d", "tokenExpiryPeriodInDays": 30}


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_create_that_may_have_happened_is_not_sent_again(scripted_server, status):
    """A gateway's 503 too: it may come after the backend made the token (issue 23)."""
    scripted_server.answer(status, error(status)).answer(body={"id": "cnew"})
    sleeps = []
    with pytest.raises(AstroAPIError, match="may have been applied; run again to see") as raised:
        make_client(scripted_server.url, sleeps).create_token("ci", "ORGANIZATION", "ORGANIZATION_MEMBER")
    assert len(scripted_server.requests) == 1 and sleeps == []
    assert raised.value.possibly_applied and raised.value.fail_kwargs()["possibly_applied"] is True


@pytest.mark.parametrize("status", [429])
def test_a_create_refused_unapplied_is_retried(scripted_server, status):
    scripted_server.answer(status, error(status)).answer(body={"id": "cnew"})
    sleeps = []
    assert make_client(scripted_server.url, sleeps).create_token("ci", "ORGANIZATION", "ORGANIZATION_MEMBER") == {"id": "cnew"}
    assert len(scripted_server.requests) == 2 and len(sleeps) == 1


def test_a_create_without_answer_is_not_retried():
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = []
    with pytest.raises(AstroTransportError, match="after 1 attempt"):
        make_client("http://127.0.0.1:%d/v1" % port, sleeps).create_token("ci", "ORGANIZATION", "ORGANIZATION_MEMBER")
    assert sleeps == []


def test_update_rotate_delete_paths_and_bodies(scripted_server):
    scripted_server.answer(body={"id": "ct"}).answer(502, error(502)).answer(body={"id": "ct"}).answer(204)
    client = make_client(scripted_server.url, [])
    client.update_token("ct", "name", "")
    client.rotate_token("ct")  # retried after a 502: a second rotation only makes the last secret the valid one
    client.delete_token("ct")
    assert [(r["method"], r["path"], r["body"]) for r in scripted_server.requests] == [
        ("POST", "/v1/organizations/%s/tokens/ct" % ORG, {"name": "name", "description": ""}),
        ("POST", "/v1/organizations/%s/tokens/ct/rotate" % ORG, None),
        ("POST", "/v1/organizations/%s/tokens/ct/rotate" % ORG, None),
        ("DELETE", "/v1/organizations/%s/tokens/ct" % ORG, None),
    ]
