"""The release notes: changelogs/fragments/ into changelogs/changelog.yaml and CHANGELOG.rst (antsibull-changelog).

`make changelog` (``changelog.py release``) adds every fragment in changelogs/fragments/ to the release of the
version in galaxy.yml, and the modules, plugins and roles whose ``version_added`` is that version; it makes the
release if changelog.yaml has none yet, and adds to it if it has (``--update-existing``, keeping its date).
Run it again after merging branches with new fragments: they land in the same release. Fragments are removed
once they are in changelog.yaml (``keep_fragments: false`` in changelogs/config.yaml).

Usage: python -m harness changelog release [--date YYYY-MM-DD]
       python -m harness changelog lint
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import subprocess
from pathlib import Path

import yaml

from .collection import galaxy_metadata
from .paths import REPO_ROOT, tool_env, venv_bin

CHANGELOGS = "changelogs"
# What antsibull-changelog reads: its config, the release data, the fragments, and (to list what is new) the
# collection's metadata, plugins and roles.
SOURCES = ("galaxy.yml", CHANGELOGS, "plugins", "roles", "meta")


def fragments(source: Path = REPO_ROOT) -> list[str]:
    """Fragments not yet in a release."""
    return sorted(p.name for p in (source / CHANGELOGS / "fragments").glob("*.y*ml"))


def releases(source: Path = REPO_ROOT) -> dict:
    data = yaml.safe_load((source / CHANGELOGS / "changelog.yaml").read_text(encoding="utf-8")) or {}
    return data.get("releases") or {}


def antsibull_changelog(args: list[str], cwd: Path = REPO_ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """antsibull-changelog in ``cwd`` (it finds plugins with the dev venv's ansible-doc); never raises on exit status."""
    return subprocess.run(
        [venv_bin("antsibull-changelog"), *args], cwd=cwd, env=tool_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False,
    )


def release(date: str | None = None, source: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """Add the fragments and new plugins to the release of galaxy.yml's version; regenerate CHANGELOG.rst."""
    version = str(galaxy_metadata(source)["version"])
    existing = releases(source).get(version) or {}
    date = date or existing.get("release_date") or datetime.date.today().isoformat()
    return antsibull_changelog(
        ["release", "--version", version, "--date", str(date), "--update-existing", "--reload-plugins"], cwd=source,
    )


def copy_sources(dest: Path, source: Path = REPO_ROOT) -> Path:
    """A copy of what antsibull-changelog reads (and CHANGELOG.rst), so a check never changes the working tree."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in (*SOURCES, "CHANGELOG.rst"):
        path = source / entry
        if path.is_dir():
            shutil.copytree(path, dest / entry, ignore=shutil.ignore_patterns("__pycache__", ".plugin-cache.yaml"))
        elif path.exists():
            shutil.copy2(path, dest / entry)
    return dest


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness changelog", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="add the fragments to galaxy.yml's version and write CHANGELOG.rst")
    rel.add_argument("--date", help="release date (default: the release's date if it exists, else today)")
    sub.add_parser("lint", help="antsibull-changelog lint")
    args = parser.parse_args(args)
    if args.command == "lint":
        result = antsibull_changelog(["lint"])
    else:
        result = release(args.date)
    print(result.stdout, end="")
    if args.command == "release" and result.returncode == 0:
        version = galaxy_metadata()["version"]
        print("CHANGELOG.rst and changelogs/changelog.yaml: release {0}; fragments left: {1}".format(
            version, ", ".join(fragments()) or "none"))
    return result.returncode
