"""Quality tools as tests: ansible-test units and ansible-lint (production profile).

ansible-test sanity runs once per claimed ansible-core in test_core_matrix.py.
These are among the slowest tests of `make test`; each is in its own xdist group
so `pytest -n 2 --dist loadgroup` runs them on different workers.
"""

from __future__ import annotations

import pytest

from harness import lint, run_ansible_test
from harness.collection import fail_with_output

TIMEOUT = 900


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
