"""Quality tools as tests: ansible-test sanity/units and ansible-lint (production profile).

These are the slowest tests of `make test`; each is in its own xdist group
so `pytest -n 2 --dist loadgroup` runs them on different workers.
"""

from __future__ import annotations

import pytest

from harness import lint, run_ansible_test
from harness.collection import fail_with_output

TIMEOUT = 900


@pytest.mark.slow
@pytest.mark.xdist_group("ansible-test-sanity")
def test_ansible_test_sanity(tmp_path_factory):
    # Runs against a copy at <tmp>/ansible_collections/astro/platform (no .git there, so
    # every copied file is content); the get-pip stand-in is written if missing.
    result = run_ansible_test.run(
        "sanity", tree_root=tmp_path_factory.mktemp("sanity"), capture=True, timeout=TIMEOUT,
    )
    if result.returncode != 0:
        fail_with_output(result, "ansible-test sanity")


@pytest.mark.slow
@pytest.mark.xdist_group("ansible-test-units")
def test_ansible_test_units(tmp_path_factory):
    result = run_ansible_test.run(
        "units", tree_root=tmp_path_factory.mktemp("units"), capture=True, timeout=TIMEOUT,
    )
    if result.returncode != 0:
        fail_with_output(result, "ansible-test units")
    # Demand that tests actually ran (an empty tests/unit must not pass silently).
    if " passed" not in result.stdout:
        fail_with_output(result, "ansible-test units ran no tests")


@pytest.mark.slow
@pytest.mark.xdist_group("ansible-lint")
def test_ansible_lint_production():
    # --offline, with the working tree made resolvable as astro.platform (see harness/lint.py).
    result = lint.run(capture=True, timeout=TIMEOUT)
    if result.returncode != 0:
        fail_with_output(result, "ansible-lint --profile production")
