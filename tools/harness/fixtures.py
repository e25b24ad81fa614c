"""Shared pytest fixtures: the collection built and installed once per pytest worker.

Use them from any conftest.py (``pytest.ini`` puts ``tools/`` on ``sys.path``)::

    from harness.fixtures import built_collection, installed_collection  # noqa: F401

``installed_collection`` is the *collections path* (a directory containing
``ansible_collections/astro/platform``): set ``ANSIBLE_COLLECTIONS_PATH`` to it,
or use ``installed_collection_env`` for a ready-made environment dict.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .collection import build_collection, install_collection
from .paths import tool_env


@pytest.fixture(scope="session")
def built_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the collection tarball built from the working tree."""
    return build_collection(tmp_path_factory.mktemp("collection-build"))


@pytest.fixture(scope="session")
def installed_collection(built_collection: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collections path where the built tarball was installed with ``ansible-galaxy collection install -p``."""
    return install_collection(built_collection, tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="session")
def installed_collection_env(installed_collection: Path) -> dict[str, str]:
    """Environment for ansible-playbook/ansible-doc that sees only the installed collection.

    The localhost interpreter is pinned to the Python running the tests (the dev venv),
    since interpreter discovery may otherwise pick a pyenv shim and fail with rc 127.
    """
    return tool_env(
        ANSIBLE_COLLECTIONS_PATH=str(installed_collection),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCAL_TEMP=str(installed_collection / ".ansible-tmp"),
    )
