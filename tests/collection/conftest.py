"""Fixtures for the collection quality gate; shared ones live in tools/harness/fixtures.py."""

from __future__ import annotations

from harness.fixtures import built_collection, installed_collection, installed_collection_env  # noqa: F401
