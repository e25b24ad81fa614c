"""Build, install and inspect the astro.platform collection (used by tests and `make`)."""

from __future__ import annotations

import re
import subprocess
import tarfile
from pathlib import Path

import yaml

from .paths import FQCN, NAME, NAMESPACE, REPO_ROOT, tool_env, venv_bin


# "ERROR: ..." / "FATAL: ..." (ansible-test) and "rule[tag]: ..." (ansible-lint) lines.
KEY_LINE = re.compile(r"^\s*(?:ERROR:|FATAL:|[a-z][\w-]*\[[\w.-]+\]: )")


class ToolError(RuntimeError):
    """A command failed; the message carries its full output."""


def run_tool(argv: list[str], cwd: Path | str | None = None, env: dict[str, str] | None = None,
             timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command, capturing stdout+stderr together; never raises on exit status."""
    return subprocess.run(
        argv, cwd=cwd, env=env or tool_env(), text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=timeout, check=False,
    )


def describe(result: subprocess.CompletedProcess) -> str:
    cmd = " ".join(str(a) for a in result.args)
    return f"$ {cmd}\n(exit {result.returncode})\n{result.stdout}"


def fail_with_output(result: subprocess.CompletedProcess, what: str, key_lines: int = 10) -> None:
    """Fail the current pytest test: full output to stdout, a short reason as the message.

    The message is kept short because pytest prints it again, untruncated, in the
    ``-ra`` summary when ``CI`` is set; the whole tool output is in "Captured stdout call".
    """
    import pytest  # noqa: PLC0415  (this module is also used outside pytest)

    print(describe(result))
    keys = [line.strip() for line in result.stdout.splitlines() if KEY_LINE.match(line)]
    reason = f"{what} failed (exit {result.returncode}); full output in 'Captured stdout call'"
    if keys:
        shown = keys[:key_lines]
        more = f"\n  ... and {len(keys) - len(shown)} more" if len(keys) > len(shown) else ""
        reason += ":\n  " + "\n  ".join(shown) + more
    pytest.fail(reason, pytrace=False)


def galaxy_metadata(source: Path | str = REPO_ROOT) -> dict:
    return yaml.safe_load((Path(source) / "galaxy.yml").read_text(encoding="utf-8"))


def build_collection(output_dir: Path | str, source: Path | str = REPO_ROOT) -> Path:
    """``ansible-galaxy collection build`` the repository into ``output_dir``; return the tarball."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    result = run_tool(
        [venv_bin("ansible-galaxy"), "collection", "build", "--force", "--output-path", str(output_dir), str(source)],
        cwd=source,
    )
    meta = galaxy_metadata(source)
    tarball = output_dir / f"{NAMESPACE}-{NAME}-{meta['version']}.tar.gz"
    if result.returncode != 0 or not tarball.exists():
        raise ToolError(describe(result))
    return tarball


def install_collection(tarball: Path | str, collections_path: Path | str) -> Path:
    """Install a built tarball with ``ansible-galaxy collection install -p``; return the collections path.

    Set ``ANSIBLE_COLLECTIONS_PATH`` to the returned path to use it.
    """
    collections_path = Path(collections_path)
    collections_path.mkdir(parents=True, exist_ok=True)
    result = run_tool(
        [venv_bin("ansible-galaxy"), "collection", "install", "--force", "--offline",
         str(tarball), "-p", str(collections_path)],
    )
    installed = collections_path / "ansible_collections" / NAMESPACE / NAME
    if result.returncode != 0 or not (installed / "MANIFEST.json").exists():
        raise ToolError(describe(result))
    return collections_path


def tarball_members(tarball: Path | str) -> list[str]:
    with tarfile.open(tarball, "r:gz") as archive:
        return sorted(m.name for m in archive.getmembers())


def module_names(source: Path | str = REPO_ROOT) -> list[str]:
    """Module short names in plugins/modules (underscore-prefixed files are private)."""
    modules_dir = Path(source) / "plugins" / "modules"
    if not modules_dir.is_dir():
        return []
    return sorted(
        p.stem for p in modules_dir.glob("*.py")
        if not p.name.startswith("_") and p.name != "__init__.py"
    )


def plugin_names(plugin_type: str, source: Path | str = REPO_ROOT) -> list[str]:
    """Names of plugins of a type (plugins/<type>/*.py, public only)."""
    directory = Path(source) / "plugins" / plugin_type
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.py") if not p.name.startswith("_"))


def action_group(group: str = "astro", source: Path | str = REPO_ROOT) -> list[str]:
    """Entries of an action group in meta/runtime.yml, normalised to short names.

    Fully qualified entries of this collection (astro.platform.x) become ``x``;
    metadata entries (``- metadata: {extend_group: ...}``) are skipped.
    """
    runtime = yaml.safe_load((Path(source) / "meta" / "runtime.yml").read_text(encoding="utf-8")) or {}
    entries = (runtime.get("action_groups") or {}).get(group) or []
    names = []
    for entry in entries:
        if isinstance(entry, dict):
            continue
        entry = str(entry)
        if entry.startswith(FQCN + "."):
            entry = entry[len(FQCN) + 1:]
        names.append(entry)
    return names
