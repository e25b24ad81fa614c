"""The harness's one entry point: ``PYTHONPATH=tools python -m harness COMMAND [ARGS...]`` (what the Makefile runs).

Each command is a module of this package with a ``main(args)``, called with the fixed arguments below and then
ARGS. A module is imported only when its command runs: ``make demo`` has only requirements-demo.txt installed,
which holds none of the dev tools the other commands import.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module, its fixed first arguments, what it does)
COMMANDS = {
    "demo": ("run_demo", [], "build + install the collection, run the demo playbooks against the emulator"),
    "sanity": ("run_ansible_test", ["sanity"], "ansible-test sanity on a copy under .cache/trees/ ([--core SERIES])"),
    "units": ("run_ansible_test", ["units"], "ansible-test units on a copy under .cache/trees/ ([--core SERIES])"),
    "lint": ("lint", [], "ansible-lint --profile production --offline on the working tree"),
    "import": ("galaxy_import", [], "galaxy-importer on a built tarball, as Automation Hub runs it ([TARBALL])"),
    "changelog": ("changelog", [], "antsibull-changelog: release [--date YYYY-MM-DD] | lint"),
    "docs": ("docs", [], "antsibull-docs: lint | build (the HTML site into .cache/docs/)"),
    "tree": ("collection_tree", [], "copy the collection to ROOT/ansible_collections/astro/platform ([ROOT])"),
    "get-pip": ("get_pip", [], "write the offline get-pip stand-in ansible-test needs"),
    "sanity-ignores": ("sanity_ignores", [], "write tests/sanity/ignore-<core>.txt: the development files sanity skips"),
}


def usage() -> str:
    lines = ["usage: python -m harness COMMAND [ARGS...]", "", "commands:"]
    lines += ["  {0:<10} {1}".format(name, what) for name, (_module, _args, what) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(usage(), file=sys.stderr)
        return 2
    module_name, fixed, _what = COMMANDS[argv[0]]
    module = importlib.import_module("." + module_name, __package__)
    return module.main([*fixed, *argv[1:]])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
