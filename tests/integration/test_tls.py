# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TLS is verified by default; ca_path trusts a private CA; validate_certs: false works and warns."""

from __future__ import annotations

import pytest
from astro_emulator import Emulator
from astro_emulator.state import DEMO_SEED
from astro_emulator.tls import make_self_signed_cert


@pytest.fixture(scope="module")
def https_emulator(tmp_path_factory):
    certfile, keyfile = make_self_signed_cert(tmp_path_factory.mktemp("tls"))
    with Emulator(seed=DEMO_SEED, certfile=certfile, keyfile=keyfile) as emulator:
        yield emulator


def test_tls_verification(ansible, https_emulator):
    env = {"ASTRO_API_URL": https_emulator.api_url}
    tasks = [
        {"name": "private CA", "astro.platform.token_info": {"names": ["ci-deployer"], "ca_path": https_emulator.certfile}},
        {"name": "untrusted", "astro.platform.token_info": {"names": ["ci-deployer"], "max_retries": 0}, "ignore_errors": True},
        {"name": "unverified", "astro.platform.token_info": {"names": ["ci-deployer"], "validate_certs": False}},
    ]
    run = ansible.run(tasks, env=env)
    assert run.task("private CA")["tokens"][0]["name"] == "ci-deployer"
    untrusted = run.task("untrusted")
    assert untrusted["failed"] and "TLS verification failed" in untrusted["msg"] and "ca_path" in untrusted["msg"]
    unverified = run.task("unverified")
    assert unverified["tokens"] and any("validate_certs is false" in w for w in unverified.get("warnings", []))
