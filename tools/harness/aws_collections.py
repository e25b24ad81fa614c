"""amazon.aws and community.aws, for the test of the shipped AWS Secrets Manager hook.

Galaxy cannot be reached here, but PyPI can, and the community package `ansible` carries both collections: its
wheel is downloaded once (pinned), and only those two collections are unpacked under .cache/aws-collections/.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import zipfile

from .paths import CACHE_DIR

# The community package whose collections are used: community.aws 9.3.0 and the amazon.aws it was released with.
ANSIBLE_PACKAGE = "ansible==11.13.0"
COLLECTIONS = ("ansible_collections/amazon/aws/", "ansible_collections/community/aws/")


def aws_collections():
    """A collections path holding amazon.aws and community.aws (made once; a file lock keeps pytest workers apart)."""
    root = CACHE_DIR / "aws-collections" / ANSIBLE_PACKAGE.replace("==", "-")
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(str(root) + ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / COLLECTIONS[1] / "MANIFEST.json").is_file():
            wheels = root.with_suffix(".wheel")
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
                            "--dest", str(wheels), ANSIBLE_PACKAGE], check=True)
            [wheel] = wheels.glob("ansible-*.whl")
            with zipfile.ZipFile(wheel) as package:
                package.extractall(root, members=[name for name in package.namelist() if name.startswith(COLLECTIONS)])
            wheel.unlink()
    return root
