"""README.md is the collection's page on Galaxy and Automation Hub: its links must work there, and the facts in it that
rot when the code moves (make targets, claimed cores, the collection's name and version) must match their one source.
Its wording is not tested."""

from __future__ import annotations

import re
import subprocess

import pytest

from harness.collection import galaxy_metadata, tarball_members
from harness.cores import SUPPORTED_CORES
from harness.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
REPOSITORY = "https://github.com/astro-platform/astro.platform"
# [text](target) and <a href="target">, outside fenced code blocks.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|href=\"([^\"]+)\"")


def readme_lines() -> list[str]:
    lines, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def links() -> list[str]:
    return [a or b for line in readme_lines() for a, b in LINK.findall(line)]


def anchors() -> set[str]:
    """GitHub's (and Galaxy's) ids of the README's headings."""
    found = set()
    for line in readme_lines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def repository_files() -> set[str]:
    """Files git tracks, and new ones it does not ignore (a link may come in the same commit as its file)."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                         text=True, capture_output=True, check=True).stdout
    return set(out.splitlines())


def make_targets() -> set[str]:
    """The targets the Makefile defines."""
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, re.MULTILINE))


@pytest.mark.parametrize("document", ["README.md", "CONTRIBUTING.md"])
def test_every_make_command_it_shows_exists(document):
    # A command at the start of a line (a code block) or of a code span; a renamed or removed target makes it wrong.
    shown = set(re.findall(r"(?:^|`)make ([a-z][\w-]*)", (REPO_ROOT / document).read_text(encoding="utf-8"), re.MULTILINE))
    assert {"demo", "test"} <= shown, shown
    missing = sorted(shown - make_targets())
    assert not missing, "{0} shows make targets the Makefile lacks: {1}".format(document, missing)


@pytest.mark.xdist_group("packaging")
def test_links_work_on_the_galaxy_page(built_collection):
    # Galaxy shows the README outside the repository: a relative link works only to a file of the tarball,
    # a link into the repository must be absolute and name a file that exists.
    shipped = set(tarball_members(built_collection))
    tracked = repository_files()
    found = links()
    assert found, "no links found in README.md"
    broken = []
    for target in found:
        if target.startswith("#"):
            if target[1:] not in anchors():
                broken.append("{0} (no such heading)".format(target))
        elif target.startswith(REPOSITORY + "/blob/main/") or target.startswith(REPOSITORY + "/tree/main/"):
            path = target.split("/main/", 1)[1].split("#", 1)[0].rstrip("/")
            if path not in tracked:
                broken.append("{0} (no {1} in the repository)".format(target, path))
        elif target.startswith("https://"):
            continue
        elif target.split("#", 1)[0] not in shipped:
            broken.append("{0} (relative, and not in {1})".format(target, built_collection.name))
    assert not broken, "README.md links that do not work on the Galaxy page:\n  " + "\n  ".join(broken)


def test_supported_cores_are_stated():
    # The README claims exactly harness.cores.SUPPORTED_CORES: the range and one row per series.
    text = README.read_text(encoding="utf-8")
    series = sorted(SUPPORTED_CORES, key=lambda s: tuple(int(p) for p in s.split(".")))
    assert "ansible-core {0} to {1}".format(series[0], series[-1]) in text
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| (2\.\d+) \|.*$", text, re.MULTILINE)}
    assert sorted(rows, key=lambda s: tuple(int(p) for p in s.split("."))) == series, rows
    for name, (version, python) in SUPPORTED_CORES.items():
        assert "{0} on Python {1}".format(version, python) in rows[name], rows[name]


def test_install_example_names_this_collection_and_version():
    text = README.read_text(encoding="utf-8")
    metadata = galaxy_metadata()
    fqcn = "{0}.{1}".format(metadata["namespace"], metadata["name"])
    major = int(str(metadata["version"]).split(".")[0])
    assert "ansible-galaxy collection install {0}".format(fqcn) in text
    assert 'name: {0}\n    version: ">={1}.0.0,<{2}.0.0"'.format(fqcn, major, major + 1) in text
