"""The collection's documentation site: lint its markup, or build it as HTML, offline.

``lint`` runs ``antsibull-docs lint-collection-docs --plugin-docs`` (plugin, module and role docs, the guides in
docs/docsite/rst/, docs/docsite/links.yml and extra-docs.yml) on a collection directory; ``make test`` runs it on
the installed tarball (tests/collection/test_release.py).

``build`` (``make docs``) writes a Sphinx project with ``antsibull-docs sphinx-init`` into .cache/docs/ and runs
its build.sh in a venv of its own (harness.tool_venv, pins in requirements/docs-build.txt): the site is
.cache/docs/build/html/index.html. The build is offline: intersphinx is off, so the references into the Ansible
docs (ansible-core's return values, configuration and cache variables) stay plain text; every other Sphinx
warning fails the build.

Usage: python -m harness docs lint | build
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .lint import collections_path
from .paths import CACHE_DIR, FQCN, NAME, NAMESPACE, tool_env, venv_bin
from .tool_venv import tool_venv

DOCS_DIR = CACHE_DIR / "docs"
# Targets in the Ansible docs (reached through intersphinx online) that the generated pages refer to.
OFFLINE_ONLY = re.compile(r"WARNING: (undefined label: '(common_return_values|ansible_configuration_settings)'"
                          r"|'envvar' reference target not found: ANSIBLE_\w+)")


# Ansible's markup ends a classic code span at the first ")": C(f(x)) renders as "f(x" in ansible-doc, on Galaxy and
# in the docs site, and antsibull-docs lint does not report it. The semantic ones (V, O, RV, E) take a backslash escape.
CLASSIC_SPAN = re.compile(r"\b([CIBMUP])\(([^)]*)\)")
SEMANTIC_SPAN = re.compile(r"\b(V|O|RV|E)\(((?:\\.|[^\\)])*)\)")
UNESCAPED_OPEN = re.compile(r"(?<!\\)\(")
NOT_MARKUP = frozenset(("examples", "plainexamples", "metadata", "filename", "collection"))


def cut_code_spans(doc) -> list[str]:
    """The markup spans of a plugin's or role's documentation (ansible-doc's JSON) that a ")" inside them cuts short."""
    if isinstance(doc, dict):
        return [span for key, value in doc.items() if key not in NOT_MARKUP for span in cut_code_spans(value)]
    if isinstance(doc, list):
        return [span for value in doc for span in cut_code_spans(value)]
    if not isinstance(doc, str):
        return []
    cut = [match.group(0) for match in CLASSIC_SPAN.finditer(doc) if "(" in match.group(2)]
    return cut + [match.group(0) for match in SEMANTIC_SPAN.finditer(doc) if UNESCAPED_OPEN.search(match.group(2))]


def lint(collections: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """antsibull-docs lint-collection-docs on collections/ansible_collections/astro/platform."""
    collection_dir = Path(collections) / "ansible_collections" / NAMESPACE / NAME
    return subprocess.run(
        [venv_bin("antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."],
        cwd=collection_dir, env=tool_env(ANSIBLE_COLLECTIONS_PATH=str(collections)), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False,
    )


def build(dest: Path = DOCS_DIR, collections: Path | None = None) -> int:
    """The HTML site of the working tree (or of ``collections``) in dest/build/html; returns the exit status."""
    bindir = tool_venv("docs-build")
    env = tool_env(ANSIBLE_COLLECTIONS_PATH=str(collections or collections_path()))
    env["PATH"] = str(bindir) + os.pathsep + env["PATH"]
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    init = subprocess.run([str(bindir / "antsibull-docs"), "sphinx-init", "--use-current", "--squash-hierarchy",
                           "--dest-dir", str(dest), FQCN], env=env, check=False)
    if init.returncode:
        return init.returncode
    with open(dest / "conf.py", "a", encoding="utf-8") as conf:
        conf.write("\n# make docs: offline, no intersphinx inventories to fetch.\nintersphinx_mapping = {}\n")
    warnings = dest / "sphinx-warnings.log"
    script = (dest / "build.sh").read_text(encoding="utf-8")
    (dest / "build.sh").write_text(script.replace(" -W --keep-going", " --keep-going -w {0}".format(warnings)),
                                   encoding="utf-8")
    built = subprocess.run(["bash", str(dest / "build.sh")], env=env, check=False)
    if built.returncode:
        return built.returncode
    unexpected = [line for line in warnings.read_text(encoding="utf-8").splitlines()
                  if "WARNING" in line and not OFFLINE_ONLY.search(line)]
    if unexpected:
        print("docs: Sphinx warnings:\n" + "\n".join(unexpected), file=sys.stderr)
        return 1
    print("docs: {0}".format(dest / "build" / "html" / "index.html"))
    return 0


def main(args: list[str]) -> int:
    if args == ["lint"]:
        result = lint(collections_path())
        print(result.stdout, end="")
        return result.returncode
    if args == ["build"]:
        return build()
    print(__doc__, file=sys.stderr)
    return 2
