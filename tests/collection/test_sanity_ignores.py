"""tests/sanity/ignore-<core>.txt is what ``python -m harness sanity-ignores`` writes for the checkout as it is:
every development file skipped by its rule, with its reason, and nothing else (harness.sanity_ignores)."""

from __future__ import annotations

from harness import sanity_ignores
from harness.cores import SUPPORTED_CORES


def test_the_ignore_files_are_written_from_the_rules():
    expected = sanity_ignores.expected()
    assert sorted(expected) == sorted("ignore-{0}.txt".format(series) for series in SUPPORTED_CORES)
    present = {path.name: path.read_text(encoding="utf-8") for path in sanity_ignores.SANITY_DIR.glob("ignore-*.txt")}
    stale = sorted(name for name in set(expected) | set(present) if expected.get(name) != present.get(name))
    assert not stale, "tests/sanity/{0} not as the rules say: run PYTHONPATH=tools .venv/bin/python -m harness sanity-ignores".format(
        ", ".join(stale))


def test_no_shipped_file_is_skipped():
    lines = sanity_ignores.ignore_lines(sanity_ignores.checkout_files())
    skipped = {line.split(" ", 1)[0] for line in lines}
    assert not {path for path in skipped if path.startswith(("plugins/", "roles/", "playbooks/", "meta/", "tests/unit/"))}
    assert all("!skip  # " in line for line in lines), lines
