"""The release as a user gets it: the tarball through galaxy-importer (which runs ansible-lint), the release notes, the docs.

Each tool run is its own test (and its own xdist group), so `make test`'s --durations shows what each costs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from harness import changelog, docs, galaxy_import
from harness.collection import fail_with_output, galaxy_metadata, module_names, plugin_names, tarball_members
from harness.paths import FQCN, REPO_ROOT

TIMEOUT = 900


@pytest.mark.slow
@pytest.mark.xdist_group("galaxy-importer")
def test_galaxy_importer_accepts_the_tarball(built_collection):
    # What Galaxy and Automation Hub run on upload (flake8 on, version >= 1.0.0, tags, changelog, ansible-lint);
    # its ansible-test step needs a container engine and is off (sanity runs in test_ansible_tools.py).
    result = galaxy_import.run(built_collection, timeout=TIMEOUT)
    if result.returncode != 0 or "Importer processing completed successfully" not in result.stdout:
        fail_with_output(result, "galaxy-importer")
    unexpected, kept = galaxy_import.findings(result.stdout)
    for line, reason in kept:
        print("kept: {0}\n  because {1}".format(line, reason))
    if unexpected:
        print(result.stdout)
        pytest.fail("galaxy-importer findings nobody accepted (fix them, or add them to KEPT in "
                    "tools/harness/galaxy_import.py with a one-line reason):\n  " + "\n  ".join(unexpected),
                    pytrace=False)


def test_importer_findings_are_told_apart():
    # The filter the test above relies on: a kept finding is kept, anything else is reported.
    output = ("Loading module token_roles\n"
              "WARNING: plugins/modules/token_roles.py:296:18: W503 line break before binary operator\n"
              "WARNING: plugins/modules/token_roles.py:12:1: F401 'os' imported but unused\n"
              "ERROR: The import failed for the following reason: something\n")
    unexpected, kept = galaxy_import.findings(output)
    assert [line for line, _ in kept] == [
        "WARNING: plugins/modules/token_roles.py:296:18: W503 line break before binary operator"]
    assert unexpected == ["WARNING: plugins/modules/token_roles.py:12:1: F401 'os' imported but unused",
                          "ERROR: The import failed for the following reason: something"]


def test_tree_lint_covers_every_shipped_file(built_collection):
    # ansible-lint runs once on the tree (test_ansible_tools.py) and once inside galaxy-importer (above), not a third
    # time on the installed tarball: the tree run uses the same production profile with no skip_list, so it covers the
    # tarball as long as .ansible-lint's exclude_paths exclude no file that ships.
    config = yaml.safe_load((REPO_ROOT / ".ansible-lint").read_text(encoding="utf-8"))
    assert config.get("profile") == "production" and not config.get("skip_list") and not config.get("warn_list"), config
    excluded = [path.rstrip("/") + "/" for path in config.get("exclude_paths", [])]
    shipped = [member for member in tarball_members(built_collection) if not member.endswith("/")]
    hidden = [member for member in shipped if any((member + "/").startswith(path) for path in excluded)]
    assert not hidden, "shipped files the tree's ansible-lint run excludes (.ansible-lint exclude_paths): {0}".format(hidden)


@pytest.mark.slow
@pytest.mark.xdist_group("antsibull-docs")
def test_antsibull_docs_lint(installed_collection):
    # Plugin, module and role docs markup, docs/docsite/{links,extra-docs}.yml and the guides, as shipped.
    result = docs.lint(installed_collection, timeout=TIMEOUT)
    if result.returncode != 0 or result.stdout.strip():
        fail_with_output(result, "antsibull-docs lint-collection-docs --plugin-docs")


@pytest.mark.xdist_group("changelog")
def test_antsibull_changelog_lint():
    result = changelog.antsibull_changelog(["lint"])
    if result.returncode != 0 or result.stdout.strip():
        fail_with_output(result, "antsibull-changelog lint")


@pytest.mark.xdist_group("changelog")
def test_changelog_is_up_to_date(tmp_path):
    # CHANGELOG.rst is what `make changelog` writes: nothing hand-edited, and while galaxy.yml's version is
    # released in changelog.yaml, no fragment or new plugin waits outside it (a merged fragment fails this
    # until `make changelog` puts it into the release).
    copy = changelog.copy_sources(tmp_path / "collection")
    version = str(galaxy_metadata()["version"])
    if version in changelog.releases():
        result = changelog.release(source=copy)
        what = "make changelog"
    else:  # the next version is in development: its fragments wait for its release
        result = changelog.antsibull_changelog(["generate"], cwd=copy)
        what = "antsibull-changelog generate"
    if result.returncode != 0:
        fail_with_output(result, what)
    committed = (REPO_ROOT / "CHANGELOG.rst").read_text(encoding="utf-8")
    generated = (copy / "CHANGELOG.rst").read_text(encoding="utf-8")
    assert generated == committed, (
        "CHANGELOG.rst is not what `{0}` writes (fragments waiting: {1}); run `make changelog` and commit "
        "CHANGELOG.rst, changelogs/changelog.yaml and the removed fragments".format(
            what, ", ".join(changelog.fragments()) or "none"))


def test_changelog_lists_everything_new():
    # antsibull-changelog lists a module, plugin or role as new in the release its version_added names
    # (1.0.0 for everything the first release has).
    releases = changelog.releases()
    assert "1.0.0" in releases, "changelogs/changelog.yaml has no release 1.0.0: run `make changelog`"
    assert (releases["1.0.0"].get("changes") or {}).get("release_summary"), "1.0.0 has no release_summary"
    listed = {"module": [], "filter": [], "inventory": [], "role": []}
    listed_in = {}
    for version, release in releases.items():
        entries = {
            "module": release.get("modules", []),
            "filter": release.get("plugins", {}).get("filter", []),
            "inventory": release.get("plugins", {}).get("inventory", []),
            "role": release.get("objects", {}).get("role", []),
        }
        for kind, items in entries.items():
            listed[kind] += [item["name"] for item in items]
            listed_in.update({(kind, item["name"]): version for item in items})
    present = {
        "module": module_names(),
        "filter": plugin_names("filter"),
        "inventory": plugin_names("inventory"),
        "role": sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if p.is_dir()),
    }
    assert present["module"] and present["role"], present
    listed = {kind: sorted(names) for kind, names in listed.items()}
    assert listed == present, "changelog.yaml lists as new {0}; the collection has {1} (check version_added)".format(
        listed, present)
    for (kind, name), version in sorted(listed_in.items()):
        assert version_added(kind, name) == version, "{0} {1} has version_added {2}; it is new in {3}".format(
            kind, name, version_added(kind, name), version)
    rst = (REPO_ROOT / "CHANGELOG.rst").read_text(encoding="utf-8")
    for kind, names in present.items():
        for name in names:
            assert "{0}.{1} - ".format(FQCN, name) in rst, "CHANGELOG.rst does not list {0} {1}".format(kind, name)


def version_added(kind: str, name: str) -> str:
    """The version_added of a module's or plugin's DOCUMENTATION, or of a role's main entry point."""
    if kind == "role":
        specs = yaml.safe_load((REPO_ROOT / "roles" / name / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        return str(specs["argument_specs"]["main"].get("version_added"))
    source = Path(REPO_ROOT / "plugins" / ("modules" if kind == "module" else kind) / "{0}.py".format(name))
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return str(yaml.safe_load(node.value.value).get("version_added"))
    raise AssertionError("{0} has no DOCUMENTATION".format(source))
