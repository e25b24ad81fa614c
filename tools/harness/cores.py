"""One virtual environment per ansible-core the collection claims, for the tests that run on each of them.

`SUPPORTED_CORES` is the one home of the claimed range: meta/runtime.yml's requires_ansible, the README and
the version-matrix tests all follow it. Each core gets the newest Python it supports among the ones pyenv
carries here (ansible-core 2.20 and later need Python 3.12). The venvs are made once under .cache/cores/
and reused; a file lock keeps two pytest workers from making the same one at once.
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .paths import CACHE_DIR

# ansible-core series -> (exact version tested, Python version it runs on)
SUPPORTED_CORES = {
    "2.16": ("2.16.19", "3.11"),
    "2.17": ("2.17.14", "3.11"),
    "2.18": ("2.18.19", "3.11"),
    "2.19": ("2.19.14", "3.11"),
    "2.20": ("2.20.10", "3.12"),
    "2.21": ("2.21.5", "3.12"),
}
OLDEST_CORE = min(SUPPORTED_CORES, key=lambda series: tuple(int(p) for p in series.split(".")))
NEWEST_CORE = max(SUPPORTED_CORES, key=lambda series: tuple(int(p) for p in series.split(".")))
# What a core's venv needs besides ansible-core itself: the collection's own requirement.
RUNTIME_PACKAGES = ("requests==2.34.2",)
CORES_DIR = CACHE_DIR / "cores"


def python_for(version: str) -> str:
    """An interpreter of that Python version: this one if it matches, else pyenv's."""
    if "{0}.{1}".format(*sys.version_info[:2]) == version:
        return sys.executable
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(pyenv_root, "versions", "{0}.*".format(version), "bin", "python" + version)))
    # Else pythonX.Y on PATH: what actions/setup-python installs in CI (.github/workflows/ci.yml).
    found = found or [path for path in [shutil.which("python" + version)] if path]
    if not found:
        raise RuntimeError("Python {0} is needed for this ansible-core and neither pyenv ({1}/versions/{0}.*) nor PATH "
                           "has it".format(version, pyenv_root))
    return found[-1]


def core_venv(series: str) -> Path:
    """The bin directory of a venv with that ansible-core series (as pinned above) and the runtime requirements."""
    version, python = SUPPORTED_CORES[series]
    venv = CORES_DIR / "ansible-core-{0}".format(version)
    stamp = venv / ".installed"
    CORES_DIR.mkdir(parents=True, exist_ok=True)
    with open(CORES_DIR / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            subprocess.run([python_for(python), "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "ansible-core=={0}".format(version), *RUNTIME_PACKAGES], check=True)
            stamp.touch()
    return venv / "bin"
