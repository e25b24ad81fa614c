"""Write the offline get-pip stand-in that ansible-test's sanity venvs need.

ansible-test creates its sanity/units venvs ``--without-pip`` and bootstraps
pip with a get-pip script downloaded from ci-files.testing.ansible.com, a
host these machines (and many CI runners) cannot reach.  It first looks in
``~/.ansible/test/cache/get_pip_<version>.py`` though, so we put a tiny
stand-in there: it bootstraps pip with ``ensurepip`` and then pip-installs
the requested packages (e.g. ``pip==24.2``) from the normal package index.

The pip version is read from the ansible-test that will run (the dev venv's,
or a claimed core's venv from harness.cores, each of which may pin another
pip), so upgrading ansible-core does not silently break this.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

STANDIN = '''\
"""Offline stand-in for get-pip.py, written by astro.platform tools/harness/get_pip.py."""
import subprocess
import sys


def main():
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    main()
'''


def ansible_test_dir(bin_dir: Path | str | None = None) -> Path:
    """The ansible_test package of the venv whose bin directory is given (default: this interpreter's)."""
    if bin_dir is None:
        import ansible_test  # noqa: PLC0415  (only importable inside the dev venv)

        return Path(ansible_test.__file__).parent
    found = sorted(Path(bin_dir).parent.glob("lib/python3*/site-packages/ansible_test"))
    if not found:
        raise RuntimeError(f"no ansible_test package in the venv of {bin_dir}")
    return found[-1]


def pinned_pip_version(bin_dir: Path | str | None = None) -> str:
    """Return the pip version ansible-test bootstraps (``get_venv_packages`` default).

    bin_dir: the bin directory of the venv whose ansible-test runs (default: this interpreter's).
    """
    source = ansible_test_dir(bin_dir) / "_internal" / "python_requirements.py"
    text = source.read_text(encoding="utf-8")
    match = re.search(r"default_packages\s*=\s*dict\(\s*pip='([^']+)'", text)
    if not match:
        raise RuntimeError(f"cannot find the pinned pip version in {source}")
    return match.group(1)


def standin_path(version: str | None = None, bin_dir: Path | str | None = None) -> Path:
    version = version or pinned_pip_version(bin_dir)
    return Path(os.path.expanduser("~/.ansible/test/cache")) / f"get_pip_{version.replace('.', '_')}.py"


def ensure_standin(bin_dir: Path | str | None = None) -> Path:
    """Write the stand-in for the pip version of that venv's ansible-test (default: this interpreter's),
    unless a file (ours or a real get-pip) is already there."""
    path = standin_path(bin_dir=bin_dir)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(STANDIN, encoding="utf-8")
    os.replace(tmp, path)  # atomic: safe when several pytest-xdist workers race
    return path


def main(args: list[str]) -> int:
    print(ensure_standin())
    return 0
