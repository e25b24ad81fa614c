"""Shared pytest fixtures: the local Astro API emulator (tools/astro_emulator).

Under pytest-xdist every worker process starts its own emulator (session scope).
"""

import sys
from collections import defaultdict
from pathlib import Path

import pytest

try:
    from _pytest.nodeid import coerce_node_id
except ImportError:  # pytest before 9.2 reads item._nodeid itself
    coerce_node_id = None

TOOLS_DIR = Path(__file__).resolve().parent.parent / "tools"
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from astro_emulator import Emulator  # noqa: E402 - needs the sys.path entry above
from astro_emulator.state import DEMO_SEED, load_seed  # noqa: E402

ALLOW_VIOLATIONS_MARK = "allow_contract_violations"
# Seconds of setup, call and teardown of every test, by part of the suite (its file), for the closing summary.
SECONDS_PER_PART = defaultdict(float)
# The counts tests report as user properties in their teardown, summed by part then name (the `ansible` fixture's
# ansible_playbook_processes: each process costs about 2.5 CPU-seconds before it does anything).
COUNTS_PER_PART = defaultdict(lambda: defaultdict(int))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{ALLOW_VIOLATIONS_MARK}: the test sends contract-invalid requests on purpose; do not fail it for the emulator's contract violations",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `--dist loadgroup` keep each xdist_group on one worker again under pytest 9.2.

    pytest-xdist 3.8 names a test's group by appending "@group" to item._nodeid on the worker, but pytest 9.2
    builds item.nodeid from item._id, so the group never reached the scheduler and grouped tests (the sanity runs
    of one Python, which must not build the same ansible-test venvs at once) were spread over both workers.
    """
    if coerce_node_id is None:
        return
    for item in items:
        grouped = item.__dict__.get("_nodeid")
        if grouped and grouped != item.nodeid:
            item._id = coerce_node_id(grouped)


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


def pytest_runtest_logreport(report):
    part = report.nodeid.split("::")[0]
    SECONDS_PER_PART[part] += report.duration
    if report.when == "teardown":  # only its report has what fixtures added in their teardown
        for name, value in report.user_properties:
            if isinstance(value, int):
                COUNTS_PER_PART[part][name] += value


def pytest_terminal_summary(terminalreporter):
    """What each part of the suite costs, so a slow part shows in every CI log (pytest-xdist runs two at once)."""
    if not SECONDS_PER_PART:
        return
    terminalreporter.write_sep("=", "seconds per part (its tests' setup, call and teardown, summed), and its counts")
    for part, seconds in sorted(SECONDS_PER_PART.items(), key=lambda item: -item[1]):
        counts = ", ".join("{0} {1}".format(value, name) for name, value in sorted(COUNTS_PER_PART[part].items()) if value)
        terminalreporter.write_line("{0:8.1f} s  {1}{2}".format(seconds, part, "  ({0})".format(counts) if counts else ""))
