"""Helpers for the emulator's own tests: an Astro client that checks every answer against openapi.yaml."""

import pytest
import requests

from astro_emulator.contract import ContractValidator, validate_response


@pytest.fixture(scope="session")
def contract():
    return ContractValidator()


class AstroClient:
    """Calls the emulator's /v1 API as one token; every answer is validated against openapi.yaml."""

    def __init__(self, emulator, contract, secret):
        self.emulator = emulator
        self.contract = contract
        self.secret = secret
        self.session = requests.Session()

    def org_url(self, path=""):
        return f"{self.emulator.api_url}/organizations/{self.emulator.organization_id}{path}"

    def request(self, method, path, *, org=True, headers=None, **kwargs):
        url = self.org_url(path) if org else self.emulator.base_url + path
        all_headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        all_headers.update(headers or {})
        response = self.session.request(method, url, headers=all_headers, timeout=10, **kwargs)
        bad_answers = [v for v in validate_response(self.contract, response) if v["kind"] == "response"]
        assert not bad_answers, f"{method} {path} answered outside openapi.yaml: {bad_answers}"
        if response.status_code >= 400:
            body = response.json()
            assert body["statusCode"] == response.status_code and body["requestId"] and body["message"]
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def roles(self, token_id, roles):
        return self.post(f"/tokens/{token_id}/roles", json={"roles": roles})


class Seed:
    """Demo seed lookups by name."""

    def __init__(self, data):
        self.data = data
        self.org_id = data["organization"]["id"]

    def _by_name(self, kind, name):
        matches = [item for item in self.data[kind] if item["name"] == name]
        assert len(matches) == 1, f"{kind} named {name}: {len(matches)} matches"
        return matches[0]

    def workspace(self, name):
        return self._by_name("workspaces", name)["id"]

    def deployment(self, name):
        return self._by_name("deployments", name)["id"]

    def team_id(self, name):
        return self._by_name("teams", name)["id"]

    def user_id(self, email):
        matches = [user["id"] for user in self.data["users"] if user["username"] == email]
        assert len(matches) == 1, f"users with e-mail {email}: {len(matches)} matches"
        return matches[0]

    def token(self, name):
        return self._by_name("tokens", name)

    def token_id(self, name):
        return self.token(name)["id"]

    def secret(self, name):
        return self.token(name)["secret"]


@pytest.fixture
def seed(demo_seed):
    return Seed(demo_seed)


@pytest.fixture
def owner(emulator, contract):
    """Client authenticated as the seed's caller (ORGANIZATION_OWNER)."""
    return AstroClient(emulator, contract, emulator.caller_secret)


@pytest.fixture
def client_as(emulator, contract, seed):
    """client_as("token-name") or client_as(secret=...): a client for another bearer."""
    def make(name=None, secret=None):
        return AstroClient(emulator, contract, secret if name is None else seed.secret(name))
    return make
