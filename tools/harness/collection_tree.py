"""Copy the collection content to <root>/ansible_collections/astro/platform/.

ansible-test only works on a collection that sits under an
``ansible_collections/<namespace>/<name>/`` directory.  The repository root is
the collection root, so the harness copies the shippable content (plus the
unit and sanity test inputs) into such a tree.  The copy has no ``.git``, so
ansible-test treats every file in it as content: development-only paths
(tools/, tests/emulator, tests/integration, tests/collection, .venv, ...)
are never copied.

Usage: python -m harness tree [ROOT]   (default ROOT: .cache)
Prints the path of the collection directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .paths import CACHE_DIR, NAME, NAMESPACE, REPO_ROOT

# Top-level entries copied when present.
TOP_LEVEL = [
    "galaxy.yml",
    "meta",
    "plugins",
    "roles",
    "playbooks",
    "changelogs",
    "docs",
    "README.md",
    "LICENSE",
    "COPYING",
    "CHANGELOG.rst",
    "CHANGELOG.md",
    "extensions",
    "requirements.txt",
    "bindep.txt",
]
# Test inputs ansible-test needs. Not tests/sanity/: its ignore files are about the development files of a checkout
# (harness.sanity_ignores), which this copy leaves out.
TEST_ENTRIES = ["tests/config.yml", "tests/unit"]

IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", ".pytest_cache", ".hypothesis", ".ansible", "output", "*.tar.gz"
)


def build_tree(root: Path | str | None = None, source: Path | str | None = None, checkout: bool = False) -> Path:
    """(Re)create the copy under ``root`` and return the collection directory.

    checkout: copy every file of a checkout instead (those git lists: tracked, and new ones it does not ignore), the
    development files and tests/sanity/ included, as ansible-test sees a clone (.github/workflows/ci.yml runs it so).
    """
    src = Path(source) if source else REPO_ROOT
    base = Path(root) if root else CACHE_DIR
    dest = base / "ansible_collections" / NAMESPACE / NAME
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if checkout:
        from .sanity_ignores import checkout_files  # noqa: PLC0415

        for entry in checkout_files():
            target = dest / entry
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / entry, target)
        return dest
    for entry in TOP_LEVEL + TEST_ENTRIES:
        path = src / entry
        if not path.exists():
            continue
        target = dest / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, ignore=IGNORE, symlinks=True)
        else:
            shutil.copy2(path, target)
    return dest


def main(args: list[str]) -> int:
    print(build_tree(Path(args[0]) if args else None))
    return 0
