"""Shared pytest fixtures: the local Astro API emulator (tools/astro_emulator).

Under pytest-xdist every worker process starts its own emulator (session scope).
"""

import sys
from pathlib import Path

import pytest

TOOLS_DIR = Path(__file__).resolve().parent.parent / "tools"
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from astro_emulator import Emulator  # noqa: E402 - needs the sys.path entry above
from astro_emulator.state import DEMO_SEED, load_seed  # noqa: E402

ALLOW_VIOLATIONS_MARK = "allow_contract_violations"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{ALLOW_VIOLATIONS_MARK}: the test sends contract-invalid requests on purpose; do not fail it for the emulator's contract violations",
    )


@pytest.fixture(scope="session")
def demo_seed():
    """The parsed demo seed (look IDs up by name in it)."""
    return load_seed(DEMO_SEED)


@pytest.fixture(scope="session")
def emulator_server():
    """One emulator per session (per xdist worker), validating the contract."""
    emulator = Emulator(seed=DEMO_SEED, validate_contract=True)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(request, emulator_server):
    """The session's emulator, reset to the demo seed with an empty log and no faults.

    After the test, fails it if the emulator saw requests or answers that break
    openapi.yaml (unless the test is marked allow_contract_violations).
    """
    emulator_server.control.reset()
    yield emulator_server
    if request.node.get_closest_marker(ALLOW_VIOLATIONS_MARK):
        return
    violations = emulator_server.control.violations()
    if violations:
        lines = [f"  #{v['seq']} {v['method']} {v['raw_path']} ({v['operationId']}) {v['kind']}: {v['error']}" for v in violations]
        pytest.fail("the Astro API emulator saw contract violations (docs/astro-api/openapi.yaml):\n" + "\n".join(lines), pytrace=False)
