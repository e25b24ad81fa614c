"""Run ``ansible-test sanity`` or ``ansible-test units`` on a copy of the collection.

Usage:
    python -m harness sanity [--core SERIES] [extra ansible-test args...]
    python -m harness units  [--core SERIES] [extra ansible-test args...]

--core runs the ansible-test of that claimed ansible-core series (harness.cores.SUPPORTED_CORES,
e.g. 2.16), from its venv under .cache/cores, with ``--python`` that venv's Python version.

Environment:
    ASTRO_TREE_ROOT   where to build ansible_collections/astro/platform
                      (default: .cache/trees/<command>)

What it handles for you:
  * the collection must live under ansible_collections/astro/platform, so the
    shippable content is copied there (harness.collection_tree);
  * ``--python 3.11`` (or the core venv's Python version): without it ansible-test
    probes other interpreters via pyenv shims and fails with exit 127;
  * sanity and units run on the dev venv's Python (no ``--venv``: it rebuilds a
    controller venv for every fresh copy); units first check that the dev venv
    satisfies tests/unit/requirements.txt;
  * ANSIBLE_TEST_CONTENT_ROOT, so a copy inside this git work tree (.cache/)
    is not mistaken for part of the git repository (whose listing ignores .cache);
  * the offline get-pip stand-in in ~/.ansible/test/cache (harness.get_pip), for the
    pip version the running ansible-test pins (each core may pin another one).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .collection_tree import build_tree
from .cores import SUPPORTED_CORES, core_venv
from .get_pip import ensure_standin
from .paths import CACHE_DIR, tool_env, venv_bin

PYTHON_VERSION = "3.11"

COMMON = ["--color", "no"]
PER_COMMAND = {
    # Sanity runs on the dev venv's Python: every sanity test gets its own cached venv
    # under ~/.ansible/test/venv anyway, and --venv would add ~11 s per fresh tree to
    # build a controller venv in tests/output/.
    "sanity": [],
    # Units also run on the dev venv's Python, which must already hold what
    # tests/unit/requirements.txt lists (checked below, pinned in requirements-dev.txt).
    # --venv would build tests/output/.tmp/delegation from scratch for every fresh
    # copy: 20 s alone, 60-80 s while sanity runs beside it under `make test`.
    # --requirements would pip-install into the dev venv pytest itself runs from.
    "units": [],
}


def missing_unit_requirements(collection_dir: Path) -> list[str]:
    """Requirements of tests/unit/requirements.txt not satisfied by this interpreter."""
    from importlib import metadata  # noqa: PLC0415

    path = collection_dir / "tests" / "unit" / "requirements.txt"
    if not path.exists():
        return []
    missing = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        line = line.split(";", 1)[0].strip()
        name, _, version = line.partition("==")
        name = name.split("[", 1)[0].strip()
        for op in ("<", ">", "!", "~", "="):
            name = name.split(op, 1)[0].strip()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(f"{line} (not installed)")
            continue
        if version and installed != version.strip():
            missing.append(f"{line} (installed: {installed})")
    return missing


def command_line(command: str, extra: list[str], core: str | None = None) -> list[str]:
    if command not in PER_COMMAND:
        raise SystemExit(f"unknown ansible-test command {command!r}; expected one of {sorted(PER_COMMAND)}")
    if core is None:
        ansible_test, python = venv_bin("ansible-test"), PYTHON_VERSION
    else:
        ansible_test, python = str(core_venv(core) / "ansible-test"), SUPPORTED_CORES[core][1]
    return [ansible_test, command, "--python", python, *COMMON, *PER_COMMAND[command], *extra]


def run(command: str, extra: list[str] | None = None, tree_root: Path | str | None = None,
        capture: bool = False, timeout: float | None = None, core: str | None = None,
        checkout: bool = False) -> subprocess.CompletedProcess:
    """Copy the collection, then run ansible-test ``command`` inside the copy.

    core: a series of harness.cores.SUPPORTED_CORES whose ansible-test runs, instead of the dev venv's.
    checkout: copy every file of a checkout (harness.collection_tree), not only the shippable content.
    """
    if core is not None and core not in SUPPORTED_CORES:
        raise SystemExit(f"unknown ansible-core series {core!r}; expected one of {sorted(SUPPORTED_CORES)}")
    extra = list(extra or [])
    root = Path(tree_root or os.environ.get("ASTRO_TREE_ROOT") or CACHE_DIR / "trees" / command)
    collection_dir = build_tree(root, checkout=checkout)
    bin_dir = core_venv(core) if core else None
    ensure_standin(bin_dir)
    if command == "units" and core is None:
        missing = missing_unit_requirements(collection_dir)
        if missing:
            message = ("tests/unit/requirements.txt is not satisfied by the dev venv "
                       f"({sys.executable}); pin these in requirements-dev.txt too:\n  " + "\n  ".join(missing))
            if not capture:
                print(message, file=sys.stderr)
            return subprocess.CompletedProcess(["ansible-test", command], 3, message + "\n" if capture else None)
    argv = command_line(command, extra, core)
    # The default tree (.cache/trees/...) is inside this git work tree: ansible-test would
    # walk up, find /.git and list files with git, which ignores .cache/ -> "no tests/unit/".
    # Naming the content root stops the walk, so the copy is read as unversioned content.
    env = tool_env(ANSIBLE_TEST_CONTENT_ROOT=str(collection_dir))
    if bin_dir:
        # ansible-test --python X without --venv looks for pythonX on PATH: the core venv's must come first.
        env["PATH"] = str(bin_dir) + os.pathsep + env["PATH"]
    return subprocess.run(
        argv,
        cwd=collection_dir,
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        timeout=timeout,
        check=False,
    )


def main(args: list[str]) -> int:
    """args: the ansible-test command (sanity or units), then --core SERIES and ansible-test's own arguments, if any."""
    parser = argparse.ArgumentParser(prog="python -m harness", allow_abbrev=False, usage=__doc__.split("Usage:")[1].split("\n\n")[0])
    parser.add_argument("command", choices=sorted(PER_COMMAND))
    parser.add_argument("--core", choices=sorted(SUPPORTED_CORES), help="run that claimed ansible-core's ansible-test")
    parser.add_argument("--checkout", action="store_true", help="on every file of a checkout, not only the shippable content")
    options, extra = parser.parse_known_args(args)
    return run(options.command, extra, core=options.core, checkout=options.checkout).returncode
