"""Packaging checks: what the built collection contains, runtime metadata, rendered docs."""

from __future__ import annotations

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from harness.collection import (
    action_group,
    describe,
    galaxy_metadata,
    module_names,
    plugin_names,
    run_tool,
    tarball_members,
)
from harness.cores import SUPPORTED_CORES
from harness.paths import FQCN, REPO_ROOT, venv_bin

# Top-level entries that must never ship (development-only).
FORBIDDEN_TOP_LEVEL = {
    "tools", ".venv", ".cache", ".ansible", ".ci", ".git", ".github", "Makefile",
    "requirements-dev.txt", "requirements-demo.txt", "pytest.ini", ".gitignore", ".ansible-lint", ".pytest_cache",
    ".hypothesis", "benchmarks", "CONTRIBUTING.md",
}


def top_level(members: list[str]) -> set[str]:
    return {m.split("/", 1)[0] for m in members}


@pytest.mark.xdist_group("packaging")
def test_build_excludes_dev_files(built_collection):
    members = tarball_members(built_collection)
    tops = top_level(members)
    for required in ("MANIFEST.json", "FILES.json", "meta", "plugins", "README.md"):
        assert required in tops, f"{required} missing from {built_collection.name}: {sorted(tops)}"
    assert "meta/runtime.yml" in members
    for module in module_names():
        assert f"plugins/modules/{module}.py" in members
    # Of tests/, only tests/config.yml ships (it declares the modules controller-only for ansible-test).
    tests = sorted(m for m in members if m.startswith("tests/"))
    assert tests == ["tests/config.yml"], f"tests/ in {built_collection.name}: {tests}"
    assert "extensions/awx/create_credential_type.yml" not in members, "a playbook needing awx.awx ships"
    leaked = sorted(tops & FORBIDDEN_TOP_LEVEL)
    assert not leaked, f"development files shipped in {built_collection.name}: {leaked}"
    junk = [m for m in members if "__pycache__" in m or m.endswith((".pyc", ".tar.gz"))]
    assert not junk, f"build artefacts shipped: {junk}"


def test_galaxy_metadata_finds_the_collection_and_its_docs():
    # Galaxy's search goes by tags; its "Documentation" link is the HTML site the release workflow publishes.
    metadata = galaxy_metadata()
    assert {"astro", "astronomer"} <= set(metadata["tags"]), metadata["tags"]
    assert metadata["documentation"] == "https://astro-platform.github.io/astro.platform/", metadata["documentation"]
    workflows = (REPO_ROOT / ".github" / "workflows").glob("*.yml")
    assert any("actions/deploy-pages" in path.read_text(encoding="utf-8") for path in workflows), "nothing publishes the site"


def series_key(series: str) -> tuple[int, ...]:
    return tuple(int(part) for part in series.split("."))


def test_requires_ansible_is_the_supported_cores():
    # Claimed = tested: meta/runtime.yml's requires_ansible admits exactly the series of harness.cores.SUPPORTED_CORES.
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    spec = SpecifierSet(runtime["requires_ansible"])
    series = sorted(SUPPORTED_CORES, key=series_key)
    oldest, newest = series_key(series[0]), series_key(series[-1])
    for name in series:
        assert spec.contains(SUPPORTED_CORES[name][0]), f"requires_ansible {spec} excludes {SUPPORTED_CORES[name][0]}"
        assert spec.contains(f"{name}.0") and spec.contains(f"{name}.99"), f"{spec} admits only part of {name}"
    below = f"{oldest[0]}.{oldest[1] - 1}.99"
    above = f"{newest[0]}.{newest[1] + 1}.0"
    assert not spec.contains(below), f"requires_ansible {spec} admits {below}, older than every tested core"
    assert not spec.contains(above), f"requires_ansible {spec} admits {above}, newer than every tested core"
    assert [f"{oldest[0]}.{minor}" for minor in range(oldest[1], newest[1] + 1)] == series, (
        f"SUPPORTED_CORES has gaps: {series}")


def api_modules() -> list[str]:
    """The modules that talk to the Astro API: they take the shared connection options (doc fragment astro.platform.astro)."""
    return [
        name for name in module_names()
        if "- astro.platform.astro\n" in (REPO_ROOT / "plugins" / "modules" / f"{name}.py").read_text(encoding="utf-8")
    ]


def test_action_group_matches_modules():
    # module_defaults for group/astro.platform.astro hand the connection options to every module of the group, so it
    # lists exactly the modules that take them (onboarding_report, an action that makes no request, takes none).
    modules = api_modules()
    assert modules, "plugins/modules/ contains no module with the astro.platform.astro doc fragment"
    group = action_group("astro")
    assert len(group) == len(set(group)), f"duplicate entries in action group astro: {group}"
    assert sorted(group) == modules, (
        "meta/runtime.yml action_groups.astro must list exactly the modules that extend the astro.platform.astro "
        "doc fragment\n"
        f"  only in action group: {sorted(set(group) - set(modules))}\n"
        f"  only in plugins/modules with the fragment: {sorted(set(modules) - set(group))}"
    )


def _doc_cases():
    cases = [("module", name) for name in module_names()]
    cases += [("inventory", name) for name in plugin_names("inventory")]
    cases += [("lookup", name) for name in plugin_names("lookup")]
    cases += [("filter", name) for name in plugin_names("filter")]
    return cases or [("module", "<none>")]


@pytest.mark.xdist_group("packaging")
@pytest.mark.parametrize(("plugin_type", "name"), _doc_cases())
def test_ansible_doc_renders(plugin_type, name, installed_collection_env):
    assert name != "<none>", "plugins/modules/ contains no modules"
    fqcn = f"{FQCN}.{name}"
    result = run_tool([venv_bin("ansible-doc"), "-t", plugin_type, fqcn], env=installed_collection_env)
    assert result.returncode == 0, describe(result)
    out = result.stdout
    assert fqcn in out, describe(result)
    assert "[WARNING]" not in out, describe(result)
    if plugin_type in ("module", "inventory", "lookup", "filter"):
        assert "EXAMPLES:" in out, "no EXAMPLES rendered:\n" + describe(result)
        # Examples must use the FQCN of the plugin (module: task key; inventory: plugin: value).
        examples = out.split("EXAMPLES:", 1)[1]
        assert fqcn in examples, "EXAMPLES do not mention the FQCN:\n" + describe(result)
