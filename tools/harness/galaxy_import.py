"""Run galaxy-importer on a built tarball the way Automation Hub runs it on upload.

Settings (galaxy-importer reads them from GALAXY_IMPORTER_* variables): flake8 on, version >= 1.0.0
required, a required tag checked, the changelog checked, ansible-lint on; its ansible-test step off, since
it needs a container engine (sanity runs in `make test` through harness.run_ansible_test instead).
galaxy-importer runs in its own venv (harness.tool_venv, pins in requirements/galaxy-importer.txt).

Usage: python -m harness import [TARBALL]   (default: builds the working tree into .cache/dist/ first)
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from .collection import build_collection
from .paths import CACHE_DIR, tool_env
from .tool_venv import tool_venv

SETTINGS = {
    "GALAXY_IMPORTER_RUN_FLAKE8": "true",
    "GALAXY_IMPORTER_REQUIRE_V1_OR_GREATER": "true",
    "GALAXY_IMPORTER_CHECK_REQUIRED_TAGS": "true",
    "GALAXY_IMPORTER_CHECK_CHANGELOG": "true",
    "GALAXY_IMPORTER_RUN_ANSIBLE_LINT": "true",
    "GALAXY_IMPORTER_RUN_ANSIBLE_DOC": "true",
    "GALAXY_IMPORTER_RUN_ANSIBLE_TEST": "false",
}

# Findings the importer reports that are kept on purpose: (pattern, one-line reason).
KEPT = [
    (re.compile(r"^WARNING: plugins/\S+\.py:\d+:\d+: W503 line break before binary operator$"),
     "PEP 8 recommends the break before a binary operator; pycodestyle ignores W503 by default, only the importer "
     "selects it (it also selects W504, the opposite rule, so one of the two always fires on a wrapped condition)"),
]

FINDING = re.compile(r"^(WARNING|ERROR):")


def run(tarball: Path | str, timeout: float = 900) -> subprocess.CompletedProcess:
    """galaxy-importer's output (stdout and stderr together) for the tarball; never raises on its exit status."""
    bindir = tool_venv("galaxy-importer")
    workdir = Path(tempfile.mkdtemp(prefix="galaxy-import-", dir=CACHE_DIR))
    env = tool_env(**SETTINGS)
    env["PATH"] = str(bindir) + os.pathsep + env["PATH"]
    # No site or user galaxy-importer.cfg can change the settings above (the variables win anyway).
    env["GALAXY_IMPORTER_CONFIG"] = str(workdir / "galaxy-importer.cfg")
    env["GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP"] = str(workdir / "ansible-tmp")
    env["GALAXY_IMPORTER_TMP_ROOT_DIR"] = str(workdir)
    return subprocess.run(
        [str(bindir / "python"), "-m", "galaxy_importer.main", str(Path(tarball).resolve())],
        cwd=workdir, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=timeout, check=False,
    )


def findings(output: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(findings nobody accepted, [(finding, reason it is kept)]) among the importer's WARNING/ERROR lines."""
    unexpected, kept = [], []
    for line in output.splitlines():
        line = line.strip()
        if not FINDING.match(line):
            continue
        reason = next((why for pattern, why in KEPT if pattern.match(line)), None)
        if reason is None:
            unexpected.append(line)
        else:
            kept.append((line, reason))
    return unexpected, kept


def main(args: list[str]) -> int:
    tarball = Path(args[0]) if args else build_collection(CACHE_DIR / "dist")
    result = run(tarball)
    print(result.stdout)
    unexpected, kept = findings(result.stdout)
    for line, reason in kept:
        print("kept: {0}\n  because {1}".format(line, reason))
    print("galaxy-importer exit {0}; {1} finding(s) not accepted".format(result.returncode, len(unexpected)))
    return 1 if result.returncode or unexpected else 0
