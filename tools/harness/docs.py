"""The collection's documentation site: lint its markup, or build it as HTML, offline.

``lint`` runs ``antsibull-docs lint-collection-docs --plugin-docs`` (plugin, module and role docs, the guides in
docs/docsite/rst/, docs/docsite/links.yml and extra-docs.yml) on a collection directory; ``make test`` runs it on
the installed tarball (tests/collection/test_release.py).

``build`` (``make docs``) writes a Sphinx project with ``antsibull-docs sphinx-init`` into .cache/docs/ and runs
its build.sh in a venv of its own (harness.tool_venv, pins in requirements/docs-build.txt): the site is
.cache/docs/build/html/index.html. The build is offline: the references into the Ansible docs (ansible-core's
return values, configuration, environment variables, action plugins, ansible.builtin's plugins) resolve through an
intersphinx inventory written here from the installed ansible-core (``ansible_inventory``), so they link to
docs.ansible.com and no Sphinx warning is expected: any warning fails the build.

Usage: python -m harness docs lint | build
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

from .lint import collections_path
from .paths import CACHE_DIR, FQCN, NAME, NAMESPACE, tool_env, venv_bin
from .tool_venv import tool_venv

DOCS_DIR = CACHE_DIR / "docs"
ANSIBLE_DOCS = "https://docs.ansible.com/ansible/devel/"
# Labels of the Ansible docs that antsibull-docs' pages refer to: (page#anchor, title).
ANSIBLE_LABELS = {
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
}


def ansible_inventory(path: Path) -> Path:
    """An intersphinx inventory (objects.inv) of the Ansible docs' targets the pages may refer to: the labels above,
    every environment variable of ansible-core's configuration and every ansible.builtin module and plugin."""
    import ansible  # noqa: PLC0415  (the dev venv's ansible-core, the version the docs venv pins)
    import yaml  # noqa: PLC0415

    core = Path(ansible.__file__).parent
    lines = ["{0} std:label -1 {1} {2}".format(name, uri, title) for name, (uri, title) in ANSIBLE_LABELS.items()]
    settings = yaml.safe_load((core / "config" / "base.yml").read_text(encoding="utf-8"))
    for setting in settings.values():
        for env in setting.get("env") or []:
            lines.append("{0} std:envvar 1 reference_appendices/config.html#envvar-$ -".format(env["name"]))
    plugins = [("module", source.stem) for source in (core / "modules").glob("*.py") if source.stem != "__init__"]
    for kind in ("become", "cache", "callback", "connection", "filter", "inventory", "lookup", "shell", "strategy",
                 "test", "vars"):
        plugins += [(kind, source.stem) for source in (core / "plugins" / kind).glob("*.[py][ym]*")
                    if source.stem != "__init__" and source.suffix in (".py", ".yml")]
    for kind, name in sorted(set(plugins)):
        label = "ansible_collections.ansible.builtin.{0}_{1}".format(name, kind)
        lines.append("{0} std:label -1 collections/ansible/builtin/{1}_{2}.html#{3} ansible.builtin.{1} {2}".format(
            label, name, kind, label.replace(".", "-").replace("_", "-")))
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
    path.write_bytes(header.encode() + zlib.compress(("\n".join(lines) + "\n").encode("utf-8")))
    return path


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


class _CodeText(html.parser.HTMLParser):
    """The text of every <code> element of an HTML page."""

    def __init__(self):
        super().__init__()
        self.depth, self.spans, self.current = 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag == "code":
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "code" and self.depth:
            self.depth -= 1
            if not self.depth:
                self.spans.append("".join(self.current))
                self.current = []

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def cut_html_code(html_dir: Path) -> list[str]:
    """The <code> texts of the built site (page: text) with more "(" than ")": a code span cut short."""
    cut = []
    for page in sorted(Path(html_dir).rglob("*.html")):
        parser = _CodeText()
        parser.feed(page.read_text(encoding="utf-8"))
        cut += ["{0}: {1}".format(page.name, text) for text in parser.spans if text.count("(") > text.count(")")]
    return cut


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
    inventory = ansible_inventory(dest / "ansible-objects.inv")
    with open(dest / "conf.py", "a", encoding="utf-8") as conf:
        conf.write("\n# make docs: offline; the Ansible docs' targets from a local inventory (harness.docs.ansible_inventory).\n"
                   "intersphinx_mapping = {{'ansible_devel': ({0!r}, {1!r})}}\n".format(ANSIBLE_DOCS, str(inventory)))
    warnings = dest / "sphinx-warnings.log"
    script = (dest / "build.sh").read_text(encoding="utf-8")
    (dest / "build.sh").write_text(script.replace(" -W --keep-going", " --keep-going -w {0}".format(warnings)),
                                   encoding="utf-8")
    built = subprocess.run(["bash", str(dest / "build.sh")], env=env, check=False)
    if built.returncode:
        return built.returncode
    unexpected = [line for line in warnings.read_text(encoding="utf-8").splitlines() if "WARNING" in line]
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
