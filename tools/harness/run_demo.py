"""`make demo`: build + install the collection, start the emulator, run the demo playbooks.

Steps:
  1. ``ansible-galaxy collection build`` the working tree and install the tarball
     into ``.cache/demo-collections`` (what a user gets from Galaxy, not the checkout);
  2. start ``python -m astro_emulator --seed SEED --port 0 --port-file FILE`` and wait
     until it is listening;
  3. run ``ansible-playbook -i playbooks/inventory/astro.yml PLAYBOOK`` with
     ANSIBLE_COLLECTIONS_PATH, ASTRO_API_URL, ASTRO_API_TOKEN and
     ASTRO_ORGANIZATION_ID set (organization id and caller secret come from the seed);
  4. run the onboarding playbook once more: it must report zero changes;
  5. stop the emulator whatever happened; exit non-zero if a run failed or the re-run changed anything.

``--core SERIES`` runs the playbooks with that claimed ansible-core (harness.cores.SUPPORTED_CORES) and its
venv's Python; ``--tarball`` installs an already built collection, ``--installed`` uses the one installed in
``--collections-path`` as it is; ``--output-dir`` takes the emulator log and the audit reports (default .cache/). tests/collection/test_core_matrix.py runs it for every claimed core.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from .collection import build_collection, install_collection
from .cores import SUPPORTED_CORES, core_venv
from .paths import CACHE_DIR, REPO_ROOT, tool_env, venv_bin

DEFAULT_SEED = REPO_ROOT / "tools" / "astro_emulator" / "seeds" / "demo.yaml"
DEFAULT_PLAYBOOK = REPO_ROOT / "playbooks" / "demo.yml"
INVENTORY = REPO_ROOT / "playbooks" / "inventory" / "astro.yml"
RERUN_PLAYBOOK = REPO_ROOT / "playbooks" / "onboard_workspaces.yml"
# The demo's declarations, which demo.yml names for its onboarding (onboard_workspaces.yml has no default).
RERUN_DECLARATIONS = REPO_ROOT / "playbooks" / "vars" / "onboarding.yml"
RECAP_CHANGED = re.compile(r"^\S+\s+: ok=\d+\s+changed=(\d+)", re.MULTILINE)
START_TIMEOUT = 30.0


def seed_credentials(seed: Path) -> tuple[str, str]:
    """(organization id, caller token secret) from an emulator seed file."""
    data = yaml.safe_load(seed.read_text(encoding="utf-8"))
    org_id = data["organization"]["id"]
    caller = data["caller"]
    for token in data.get("tokens") or []:
        if token.get("id") == caller:
            if not token.get("secret"):
                raise SystemExit(f"{seed}: caller token {caller} has no secret")
            return org_id, token["secret"]
    raise SystemExit(f"{seed}: caller {caller!r} is not one of its tokens")


def start_emulator(seed: Path, workdir: Path, output_dir: Path = CACHE_DIR) -> tuple[subprocess.Popen, str]:
    port_file = workdir / "emulator.url"
    log_path = output_dir / "demo-emulator.log"
    log = log_path.open("w", encoding="utf-8")
    env = tool_env(PYTHONPATH=str(REPO_ROOT / "tools"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "astro_emulator", "--seed", str(seed), "--port", "0", "--port-file", str(port_file)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C in the terminal reaches us, we stop it cleanly
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"emulator exited with {proc.returncode}; see {log_path}:\n{log_path.read_text()}")
        if port_file.exists():
            url = port_file.read_text(encoding="utf-8").strip()
            if url:
                return proc, url
        time.sleep(0.1)
    stop_emulator(proc)
    raise RuntimeError(f"emulator did not start within {START_TIMEOUT:.0f}s; see {log_path}")


def stop_emulator(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_playbook(cmd: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ansible-playbook, showing its output as it comes; return its exit status and output."""
    print(f"==> {' '.join(cmd)}", flush=True)
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    return proc.wait(), "".join(lines)


def parse_args(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m harness demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--playbook", type=Path, default=DEFAULT_PLAYBOOK)
    parser.add_argument("--collections-path", type=Path, default=CACHE_DIR / "demo-collections")
    parser.add_argument("--core", choices=sorted(SUPPORTED_CORES), help="claimed ansible-core series to run with (default: the dev venv's)")
    parser.add_argument("--tarball", type=Path, help="install this built collection instead of building the working tree")
    parser.add_argument("--installed", action="store_true",
                        help="the collection is installed in --collections-path already: neither build nor install it")
    parser.add_argument("--output-dir", type=Path, default=CACHE_DIR, help="where the emulator log and the audit reports go")
    parser.add_argument("ansible_playbook_args", nargs="*", help="extra arguments for ansible-playbook (after --)")
    return parser.parse_args(args)


def install(collections_path: Path, tarball: Path | None) -> Path:
    """Install ``tarball`` (default: the working tree, built) into a fresh ``collections_path``; return it resolved."""
    print(f"==> building and installing the collection into {collections_path}", flush=True)
    if collections_path.exists():
        shutil.rmtree(collections_path)
    tarball = tarball or build_collection(CACHE_DIR / "demo-build")
    return install_collection(tarball, collections_path).resolve()


def ansible_binaries(core: str | None) -> tuple[str, str]:
    """(ansible-playbook, Python) of the claimed core's venv, or of the dev venv."""
    if core:
        bin_dir = core_venv(core)
        return str(bin_dir / "ansible-playbook"), str(bin_dir / "python")
    return venv_bin("ansible-playbook"), sys.executable


def demo_env(collections_path: Path, python: str, url: str, org_id: str, secret: str) -> dict[str, str]:
    env = tool_env(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        # Implicit localhost: pin the interpreter to this venv's Python; discovery
        # may otherwise pick a pyenv shim of another version and fail with rc 127.
        ANSIBLE_PYTHON_INTERPRETER=python,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ASTRO_API_URL=url,
        ASTRO_API_TOKEN=secret,
        ASTRO_ORGANIZATION_ID=org_id,
    )
    env.pop("ANSIBLE_NOCOLOR", None)  # a human watches this one
    env.pop("ANSIBLE_FORCE_COLOR", None)
    env.pop("PY_COLORS", None)
    return env


def run_demo_playbooks(ansible_playbook: str, playbook: Path, common: list[str], env: dict[str, str], audit_dir: Path) -> int:
    """The demo playbook, then the onboarding again, which must change nothing; the exit status."""
    returncode, _ = run_playbook([ansible_playbook, str(playbook), *common], env)
    if returncode != 0:
        return returncode
    print(f"==> the audit is in {audit_dir}; now the same onboarding again, which must change nothing", flush=True)
    returncode, output = run_playbook([ansible_playbook, str(RERUN_PLAYBOOK), "-e", "astro_onboarding_vars_file=" + str(RERUN_DECLARATIONS),
                                       *common], env)
    changed = sum(int(count) for count in RECAP_CHANGED.findall(output))
    if returncode == 0 and changed:
        print(f"==> the re-run reported {changed} change(s); it should have reported none", file=sys.stderr)
        return 1
    if returncode == 0:
        print("==> re-run: 0 changes, every Workspace is as declared", flush=True)
    return returncode


def main(args: list[str]) -> int:
    options = parse_args(args)
    seed = options.seed.resolve()
    playbook = options.playbook.resolve()
    if not playbook.exists():
        print(f"demo playbook {playbook} does not exist", file=sys.stderr)
        return 2
    org_id, secret = seed_credentials(seed)
    output_dir = options.output_dir.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    collections_path = options.collections_path.resolve() if options.installed else install(options.collections_path, options.tarball)
    ansible_playbook, python = ansible_binaries(options.core)

    with tempfile.TemporaryDirectory(prefix="astro-demo-") as tmp:
        print(f"==> starting the Astro API emulator (seed {seed.relative_to(REPO_ROOT) if seed.is_relative_to(REPO_ROOT) else seed})",
              flush=True)
        proc, url = start_emulator(seed, Path(tmp), output_dir)
        try:
            print(f"==> emulator listening on {url}", flush=True)
            env = demo_env(collections_path, python, url, org_id, secret)
            audit_dir = output_dir / "demo-reports"
            common = ["-i", str(INVENTORY), "-e", f"astro_audit_dir={audit_dir}", *options.ansible_playbook_args]
            return run_demo_playbooks(ansible_playbook, playbook, common, env, audit_dir)
        finally:
            stop_emulator(proc)
            print("==> emulator stopped", flush=True)
