"""Run ``ansible-lint --profile production --offline`` on the repository.

``--offline`` is needed (otherwise ansible-lint refreshes its schemas from the
internet), but it also turns off ansible-lint's "install the collection under
test into .ansible/collections" step, so playbooks using ``astro.platform.*``
fail with ``syntax-check[unknown-module]``.  We therefore point
ANSIBLE_COLLECTIONS_PATH at ``.cache/lint-collections``, where
``ansible_collections/astro/platform`` is a symlink to the working tree.

Usage: python -m harness lint [extra ansible-lint args...]
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .paths import CACHE_DIR, NAME, NAMESPACE, REPO_ROOT, tool_env, venv_bin

ARGS = ["--profile", "production", "--offline", "--nocolor"]


def collections_path() -> Path:
    root = CACHE_DIR / "lint-collections"
    link = root / "ansible_collections" / NAMESPACE / NAME
    link.parent.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and Path(os.readlink(link)) == REPO_ROOT):
        if link.is_symlink() or link.is_file():
            link.unlink()
        tmp = link.with_name(f".{NAME}.{os.getpid()}")
        tmp.symlink_to(REPO_ROOT, target_is_directory=True)
        os.replace(tmp, link)  # atomic when several runs race
    return root


def command(extra: list[str] | None = None) -> list[str]:
    return [venv_bin("ansible-lint"), *ARGS, *(extra or [])]


def env(collections: Path | None = None) -> dict[str, str]:
    result = tool_env(ANSIBLE_COLLECTIONS_PATH=str(collections or collections_path()), NO_COLOR="1")
    # On GitHub Actions ansible-lint appends annotation output; keep the log plain.
    result.pop("GITHUB_ACTIONS", None)
    return result


def run(extra: list[str] | None = None, capture: bool = False, timeout: float | None = None,
        cwd: Path = REPO_ROOT, collections: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(extra), cwd=cwd, env=env(collections), text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        timeout=timeout, check=False,
    )


def main(args: list[str]) -> int:
    return run(args).returncode
