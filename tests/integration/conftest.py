# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Integration tests: real ansible-playbook, the built and installed collection, the emulator over HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from harness.fixtures import built_collection, installed_collection  # noqa: F401  (pytest fixtures)

sys.path.insert(0, str(Path(__file__).parent))

from playbook_runner import PlaybookRunner  # noqa: E402


@pytest.fixture
def api_env(emulator):
    return dict(ASTRO_API_URL=emulator.api_url, ASTRO_API_TOKEN=emulator.caller_secret,
                ASTRO_ORGANIZATION_ID=emulator.organization_id)


@pytest.fixture
def ansible(request, tmp_path, installed_collection, api_env, demo_seed, emulator):  # noqa: F811  (fixture argument)
    """Runs playbooks of tasks against the emulator with the installed collection.

    Every run fails its test if the API token, any token secret of the seed, or any secret the
    emulator issued since the test began (create, rotate; replaced ones too) appears in its
    -vvv --diff output, its task results or Ansible's log. The number of ansible-playbook processes
    the test started goes into its report (tests/conftest.py sums them per file in the closing summary).
    """
    secrets = [api_env["ASTRO_API_TOKEN"]] + [t["secret"] for t in demo_seed["tokens"] if t.get("secret")]
    runner = PlaybookRunner(tmp_path, installed_collection, api_env, secrets, secret_source=emulator.control.issued_secrets)
    yield runner
    request.node.user_properties.append(("ansible_playbook_processes", runner.processes))


class Seed:
    """Look up the demo seed's IDs by name."""

    def __init__(self, data):
        self.data = data

    def _one(self, kind, name, **match):
        found = [item for item in self.data[kind] if item["name"] == name and all(item.get(k) == v for k, v in match.items())]
        assert len(found) == 1, "seed has {0} {1} named {2!r}".format(len(found), kind, name)
        return found[0]

    def workspace(self, name):
        return self._one("workspaces", name)["id"]

    def deployment(self, name):
        return self._one("deployments", name)["id"]

    def token(self, name):
        return self._one("tokens", name)["id"]

    def team(self, name):
        return self._one("teams", name)["id"]

    def user(self, email):
        found = [u["id"] for u in self.data["users"] if u["username"] == email]
        assert len(found) == 1, "seed has {0} users with e-mail {1!r}".format(len(found), email)
        return found[0]

    def token_ids(self, name):
        """IDs of every token of that name (names are not unique)."""
        return [t["id"] for t in self.data["tokens"] if t["name"] == name]

    def secret(self, name):
        return self._one("tokens", name)["secret"]

    def roles(self, name):
        return self._one("tokens", name)["roles"]

    @property
    def organization(self):
        return self.data["organization"]["id"]


@pytest.fixture(scope="session")
def seed(demo_seed):
    return Seed(demo_seed)
