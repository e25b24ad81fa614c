"""Well-known paths of the repository, computed from this file's location."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache"
VENV_DIR = REPO_ROOT / ".venv"

NAMESPACE = "astro"
NAME = "platform"
FQCN = f"{NAMESPACE}.{NAME}"


def venv_bin(tool: str) -> str:
    """Return the path of a console script of the Python running this code.

    The harness always runs inside the dev venv, so the tools live beside
    sys.executable; fall back to the repo venv, then to PATH.
    """
    here = Path(sys.executable).parent / tool
    if here.exists():
        return str(here)
    repo = VENV_DIR / "bin" / tool
    if repo.exists():
        return str(repo)
    return tool


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for child tools: venv bin first on PATH, no user config leaking in."""
    # Drop pytest's/xdist's own variables so a nested pytest (ansible-test units) starts clean.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTEST_XDIST"))}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    # Never let a developer's ansible.cfg or collections change what is tested.
    env.pop("ANSIBLE_CONFIG", None)
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    env.pop("ANSIBLE_COLLECTIONS_PATHS", None)
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PY_COLORS"] = "0"
    env.update(extra)
    return env


def playbook_env(collections_path, workdir, api_env, **extra: str) -> dict[str, str]:
    """Environment for ansible-playbook against an Astro API: only the given collections path,
    scratch directories under workdir, no inherited ANSIBLE_*/ASTRO_* settings, quiet warnings,
    and the ASTRO_* credentials of api_env."""
    workdir = Path(workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "ASTRO_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_HOME=str(workdir / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
        ANSIBLE_REMOTE_TMP=str(workdir / "remote-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ASTRO_LOCK_DIR=str(workdir / "locks"),
    )
    env.update(api_env)
    env.update(extra)
    return env
