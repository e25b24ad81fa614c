"""A venv of its own for a tool whose pins clash with the dev venv (galaxy-importer, the HTML docs build).

The pins live in tools/harness/requirements/<name>.txt. The venv is made once under .cache/tools/ and made
again only when that file changes (its hash is part of the directory name); a file lock keeps two pytest
workers from making the same one at once (the pattern of harness.cores).
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path

from .paths import CACHE_DIR

REQUIREMENTS_DIR = Path(__file__).resolve().parent / "requirements"
TOOLS_DIR = CACHE_DIR / "tools"


def tool_venv(name: str) -> Path:
    """The bin directory of the venv for tools/harness/requirements/<name>.txt, made if missing."""
    requirements = REQUIREMENTS_DIR / "{0}.txt".format(name)
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    venv = TOOLS_DIR / "{0}-{1}".format(name, digest)
    stamp = venv / ".installed"
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with open(TOOLS_DIR / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "-r", str(requirements)], check=True)
            stamp.touch()
    return venv / "bin"
