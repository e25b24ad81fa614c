"""tests/sanity/ignore-<core>.txt: what ansible-test sanity skips on a checkout, written from the rules below.

A checkout holds, besides the collection, development files that never ship (build_ignore in galaxy.yml): the
pytest suite outside tests/unit, the emulator and the harness (tools/), the benchmark. ansible-test lints every file
git lists with the rules of shipped plugins (pylint's disallowed name "_", pep8 at 160 columns, "\\n" line endings,
module shebangs), so the model collections list such files in their ignore files; here every entry comes from a rule
of RULES, with its reason, and tests/collection/test_sanity_ignores.py fails when the files are not what
``python -m harness sanity-ignores`` writes (after adding or removing a development file, run it again).
The shipped content has no entry: tests/unit and everything in the tarball are checked in full.

Usage: python -m harness sanity-ignores   (writes tests/sanity/ignore-<series>.txt for every claimed core)
"""

from __future__ import annotations

import subprocess
import sys

from .cores import SUPPORTED_CORES
from .paths import REPO_ROOT

SANITY_DIR = REPO_ROOT / "tests" / "sanity"
DEV_PYTHON = ("tests/", "tools/", "benchmarks/")
# (does the rule cover this path, the tests it skips there, the one-line reason)
RULES = [
    (lambda path: path.endswith(".py") and path.startswith(DEV_PYTHON) and not path.startswith("tests/unit/"),
     ("pep8", "pylint"),
     "development-only code (build_ignore: not in the collection); the plugins' pylint and pep8 rules are not applied to it"),
    (lambda path: path == "benchmarks/results/latest.csv", ("line-endings",),
     "written by make bench with csv's RFC 4180 line endings (\\r\\n); not in the collection"),
    (lambda path: path.startswith("benchmarks/") and path.endswith(".py") and (REPO_ROOT / path).read_bytes().startswith(b"#!"),
     ("shebang",), "a script run as benchmarks/<name>.py, not a module; not in the collection"),
]


def checkout_files() -> list[str]:
    """The files of a checkout: tracked, and new ones git does not ignore (a file may come in the same commit)."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                         text=True, capture_output=True, check=True).stdout
    return sorted(path for path in set(out.splitlines()) if (REPO_ROOT / path).is_file())


def ignore_lines(files: list[str]) -> list[str]:
    return ["{0} {1}!skip  # {2}".format(path, test, reason)
            for path in files for covers, tests, reason in RULES if covers(path) for test in tests]


def expected() -> dict[str, str]:
    """{file name: content} of tests/sanity/ for the checkout as it is."""
    text = "\n".join(ignore_lines(checkout_files())) + "\n"
    return {"ignore-{0}.txt".format(series): text for series in SUPPORTED_CORES}


def main(args: list[str]) -> int:
    if args:
        print(__doc__, file=sys.stderr)
        return 2
    SANITY_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in expected().items():
        (SANITY_DIR / name).write_text(text, encoding="utf-8")
        print("wrote tests/sanity/{0} ({1} entries)".format(name, text.count("\n")))
    return 0
