"""Contract validation on the server, HTTPS, and the command line."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from astro_emulator import Emulator
from astro_emulator.tls import make_self_signed_cert

TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"


@pytest.mark.allow_contract_violations
def test_server_records_contract_violations(emulator, owner):
    assert owner.get("/workspaces").status_code == 200
    assert emulator.control.violations() == []
    owner.get("/workspaces", params={"limit": 5000})
    owner.post("/tokens/x/roles", json={"role": []})
    violations = emulator.control.violations()
    assert [(v["operationId"], v["kind"]) for v in violations] == [("ListWorkspaces", "request"), ("UpdateApiTokenRoles", "request")]
    assert "limit" in violations[0]["error"] and "roles" in violations[1]["error"]


def test_https_with_self_signed_cert(tmp_path, demo_seed):
    certfile, keyfile = make_self_signed_cert(tmp_path)
    with Emulator(seed=demo_seed, certfile=certfile, keyfile=keyfile) as emulator:
        assert emulator.api_url.startswith("https://127.0.0.1:")
        url = f"{emulator.api_url}/organizations/{emulator.organization_id}/workspaces"
        headers = {"Authorization": f"Bearer {emulator.caller_secret}"}
        assert requests.get(url, headers=headers, verify=certfile, timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url, headers=headers, timeout=10)
        assert emulator.control.counts() == {"ListWorkspaces": 1}


def test_cli_prints_exports_writes_port_file_and_exits_0_on_sigterm(tmp_path):
    port_file = tmp_path / "url"
    env = dict(os.environ, PYTHONPATH=str(TOOLS_DIR))
    process = subprocess.Popen([sys.executable, "-m", "astro_emulator", "--port-file", str(port_file)],
                               stdout=subprocess.PIPE, text=True, env=env)
    try:
        first = process.stdout.readline()
        assert first.startswith("Astro API emulator listening on http://127.0.0.1:")
        exports = dict(process.stdout.readline().strip().removeprefix("export ").split("=", 1) for _ in range(3))
        api_url = first.split()[-1]
        assert port_file.read_text().strip() == api_url == exports["ASTRO_API_URL"]
        answer = requests.get(f"{api_url}/organizations/{exports['ASTRO_ORGANIZATION_ID']}/tokens",
                              headers={"Authorization": f"Bearer {exports['ASTRO_API_TOKEN']}"}, timeout=10)
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
