# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Set or remove roles of one token without losing anybody else's roles.

The API replaces a token's whole role list on every write and has no precondition,
so a read-modify-write that races another one silently drops an edit. Two defences:
- edits of one token from this controller are serialized by a file lock held from
  the read to the end of the write (forks and parallel playbooks share it);
- every write is verified by a fresh read; when our role is not in effect, another
  writer overwrote us (from another controller, say), and the edit is redone on the
  fresh list, a bounded number of times.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import stat
import tempfile
import time

try:
    import fcntl
except ImportError:  # not POSIX: no lock, the verifying read still guards
    fcntl = None

from ansible_collections.astro.platform.plugins.module_utils.astro_api import set_env_fallback
from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError, AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.resolve import EntityNames
from ansible_collections.astro.platform.plugins.module_utils.role_display import named, printable, render_roles
from ansible_collections.astro.platform.plugins.module_utils.role_list import (
    first_roles,
    home_workspace_id,
    missing_edits,
    named_entities,
    removals_not_held,
    role_on,
    roles_by_entity,
    with_roles,
    without_entities,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_home_workspace
from ansible_collections.astro.platform.plugins.module_utils.token_view import token_summary

MAX_WRITE_ATTEMPTS = 5
# Jitter added to the pause before the verifying read, so parallel writers spread out.
VERIFY_JITTER = (0.01, 0.1)


DEFAULT_LOCK_TIMEOUT = 300.0
# How often a waiting edit tries the lock again; short, since a held lock is held for a few requests only.
LOCK_POLL_INTERVAL = 0.05


def role_edit_argument_spec():
    return dict(
        lock_dir=dict(type="path", fallback=(set_env_fallback, ["ASTRO_LOCK_DIR"])),
        lock_timeout=dict(type="float", fallback=(set_env_fallback, ["ASTRO_LOCK_TIMEOUT"])),
    )


def lock_options(params):
    """The keyword arguments of set_token_role(s) that role_edit_argument_spec() gives (empty means unset)."""
    return dict(lock_dir=params["lock_dir"] or None,
                lock_timeout=DEFAULT_LOCK_TIMEOUT if params["lock_timeout"] is None else params["lock_timeout"])


def is_private_dir(path):
    """A real directory (not a symlink) that only we can enter: owned by our user, no group or other access."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def private_runtime_dir():
    """Where this user's per-controller state (lock files, say) goes by default: a directory no other user can enter,
    nor create first, as anyone can in the shared temporary directory. (directory, whether it is the user's own)

    The per-user runtime directory when the system gives a private one (XDG_RUNTIME_DIR); else the user's cache
    directory (XDG_CACHE_HOME, or ~/.cache) when the directory above it (the home) is this user's and closed to
    others; else the temporary directory, shared: (that, False).
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and is_private_dir(runtime):
        return runtime, True
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    try:
        home = os.lstat(os.path.dirname(os.path.abspath(cache)))
    except OSError:
        home = None
    if home is not None and stat.S_ISDIR(home.st_mode) and home.st_uid == os.geteuid() and not home.st_mode & 0o022:
        return cache, True
    return tempfile.gettempdir(), False


def default_lock_dir():
    """astro.platform-locks in private_runtime_dir(); with the uid in its name in the shared temporary directory."""
    directory, own = private_runtime_dir()
    return os.path.join(directory, "astro.platform-locks" if own else "astro.platform-locks-{0}".format(os.geteuid()))


def open_lock_dir(lock_dir):
    """A descriptor of the lock directory, created private; refuse one that another user could tamper with.

    Another local user who owns the directory, or may write to it, could delete lock files (two edits of one
    token then run at once), plant symlinks or FIFOs, or hold the locks forever.
    """
    parent = os.path.dirname(os.path.abspath(lock_dir))
    try:
        os.makedirs(parent, exist_ok=True)
        os.mkdir(lock_dir, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise AstroError("Cannot create the lock directory {0} ({1}); set lock_dir (or ASTRO_LOCK_DIR) to a directory "
                         "of yours.".format(lock_dir, exc.strerror))
    try:
        fd = os.open(lock_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        raise AstroError("The lock directory {0} is not a directory, or is a symbolic link ({1}); set lock_dir (or "
                         "ASTRO_LOCK_DIR) to a real directory of yours, mode 0700.".format(lock_dir, exc.strerror))
    info = os.fstat(fd)
    problem = None
    if info.st_uid != os.geteuid():
        problem = ("is owned by uid {0}, not by this user (uid {1}): another user controls it, which stops every role edit "
                   "here (and could be an attack); have it removed (as root: rm -r {2}), or set XDG_RUNTIME_DIR to a "
                   "private runtime directory of yours").format(info.st_uid, os.geteuid(), lock_dir)
    elif info.st_mode & 0o077:
        problem = "has mode {0:04o}: other users can tamper with its lock files; run: chmod 700 {1}".format(
            stat.S_IMODE(info.st_mode), lock_dir)
    if problem:
        os.close(fd)
        raise AstroError("Refusing the lock directory {0}: it {1}. Or set lock_dir (or ASTRO_LOCK_DIR) to a directory "
                         "owned by this user with mode 0700.".format(lock_dir, problem))
    return fd


def open_lock_file(dir_fd, name, shown_path):
    """Open (creating it private) a lock file, refusing a symlink, a FIFO or anything else not a regular file of ours."""
    try:
        # O_NONBLOCK: opening a FIFO planted there must not hang; O_NOFOLLOW: a symlink fails with ELOOP.
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600, dir_fd=dir_fd)
    except OSError as exc:
        raise AstroError("Cannot open the lock file {0} ({1}); a symbolic link there is refused. Remove it, or set "
                         "lock_dir (or ASTRO_LOCK_DIR) to another directory.".format(shown_path, exc.strerror))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        os.close(fd)
        raise AstroError("Refusing the lock file {0}: it is not a regular file owned by this user. Remove it, or set "
                         "lock_dir (or ASTRO_LOCK_DIR) to another directory.".format(shown_path))
    return fd


def wait_for_lock(fd, timeout, shown_path, sleep=time.sleep):
    """Take the exclusive lock, trying again until timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise AstroError("Timed out after {0:g} s waiting for the lock file {1}, held by another edit of the same "
                                 "token. If no other playbook is running, a stuck process holds it (fuser {1} names it); "
                                 "lock_timeout (or ASTRO_LOCK_TIMEOUT) sets the wait.".format(timeout, shown_path))
            sleep(LOCK_POLL_INTERVAL)


def lock_file_name(client, token_id):
    key = "\n".join((client.api_url, client.organization_id, token_id)).encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:40] + ".lock"


@contextlib.contextmanager
def token_lock(client, token_id, lock_dir=None, lock_timeout=DEFAULT_LOCK_TIMEOUT):
    """Hold an exclusive lock on (API, organization, token) for this controller."""
    if fcntl is None:
        yield
        return
    lock_dir = lock_dir or default_lock_dir()
    name = lock_file_name(client, token_id)
    shown_path = os.path.join(lock_dir, name)
    dir_fd = open_lock_dir(lock_dir)
    try:
        fd = open_lock_file(dir_fd, name, shown_path)
    finally:
        os.close(dir_fd)
    try:
        wait_for_lock(fd, lock_timeout, shown_path)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def set_token_role(client, token_id, entity_type, entity_id, role, **kwargs):
    """Make the token hold `role` on the entity (None: hold none); return the module result."""
    result = set_token_roles(client, token_id, [(entity_type, entity_id, role)], **kwargs)
    changes = result.pop("roles_changed")
    if result["roles_kept"]:
        role = result["roles_kept"][0]["role_held"]
    result.update(role_before=changes[0]["role_before"] if changes else role, role_after=role)
    return result


def kept_role_warnings(result):
    """A warning for each role a removal left alone because the token holds another role there than declared."""
    text = ("Token {token} holds {role_held} on {entity_type} {entity}, not the declared {role_declared}: that role was "
            "kept, not removed. Remove it with state: absent and no role, or declare {role_held}.")
    token = "{0} ({1})".format(printable(result["token"]["name"]), result["token"]["id"])
    return [text.format(token=token, entity=named(kept["entity_id"], {kept["entity_id"]: kept.get("entity_name")}), **kept)
            for kept in result["roles_kept"]]


def check_home_workspace_named(client, token, workspace_ids, names=None):
    """check_home_workspace, whose refusal names the Workspaces: looked up (one request) on that failure only."""
    try:
        check_home_workspace(token, workspace_ids, names)
    except AstroInputError:
        names = EntityNames(client, names)
        names.look_up(workspace_ids=[home_workspace_id(token)] + list(workspace_ids))
        check_home_workspace(token, workspace_ids, names)
        raise


def set_token_roles(client, token_id, edits, check_mode=False, precheck=None, lock_dir=None,
                    lock_timeout=DEFAULT_LOCK_TIMEOUT, only_if_held=None, sleep=time.sleep, known=(), workspace_of=None,
                    names=None, look_up_entities=True):
    """Make the token hold each (entity_type, entity_id, role) of `edits` (role None: hold none), in one write.

    `edits` give each entity one role: a caller that takes several from its user checks them first, before any
    request (check_one_edit_per_entity, as token_roles does).

    precheck(token) runs on the freshly read token before anything is written and raises
    AstroInputError when the edit must not be made (wrong scope, say). Then every Workspace and Deployment
    the token gets its first role on is looked up (check_entities_exist), except those in `known`
    ((entity_type, entity_id) a name look-up of this task already found); workspace_of maps a Deployment ID
    to the Workspace the task says it is in; names maps the IDs whose names the task knows to those names.
    only_if_held: {(entity_type, entity_id): role} of removals to make only where the token holds that role;
    the others are left alone and listed in the result's roles_kept.
    look_up_entities=False: the caller listed every entity of `edits` in this run (the onboarding role's plan does):
    nothing is looked up to check them or to name the changes, whose names are those `names` gives; only a kept role
    (only_if_held) costs a look-up, for its warning.
    Costs: 1 read when nothing changes; read, write and verifying read when anything does, plus one
    look-up per kind (Workspaces, Deployments) that gets a first role or, for the names that the diff, the
    changes and the warnings show, is named by the token's roles; a kept role without a change costs that look-up too.
    """
    names = EntityNames(client, names)
    edits = list(dict.fromkeys(tuple(edit) for edit in edits))  # an edit listed twice is one edit
    with token_lock(client, token_id, lock_dir, lock_timeout):
        started = time.monotonic()
        token = client.get_token(token_id)
        read_seconds = time.monotonic() - started
        if precheck:
            precheck(token)
        before = token.get("roles") or []
        kept = removals_not_held(before, edits, only_if_held)
        edits = without_entities(edits, kept)
        # Inside the lock: only the read tells which entities are new, and reading again outside it would
        # cost every edit a request. The look-up lengthens the lock only for edits that add a first role.
        edited_roles = with_roles(before, edits)
        changed = edited_roles != before
        # Names only when a person is shown something: a no-op stays one read.
        if look_up_entities:
            to_name = named_entities(before + edited_roles) + [(WORKSPACE, w) for w in (workspace_of or {}).values() if w] if changed or kept else []
            check_entities_exist(client, token, [e for e in first_roles(before, edits) if e not in set(known)], workspace_of,
                                 names, to_name)
        elif kept:
            # A kept role's warning names its entity, which the caller's names may not cover: a rare path, one
            # look-up per kind.
            names.look_up(workspace_ids=[i for t, i, _held, _declared in kept if t == WORKSPACE],
                          deployment_ids=[i for t, i, _held, _declared in kept if t == DEPLOYMENT])
        attempts = 0
        written = edited_roles
        if changed and not check_mode:
            written, attempts = _write_verified(client, token_id, edits, edited_roles, sleep, read_seconds, names)
    name = "{0} ({1})".format(printable(token.get("name")), token.get("id"))  # a diff header: one line, as it reads
    held = roles_by_entity(before)
    return dict(
        changed=changed,
        token=token_summary(token, roles=written),
        roles_changed=[dict(entity_type=entity_type, entity_id=entity_id, entity_name=names.get(entity_id),
                            role_before=held.get((entity_type, entity_id)), role_after=role,
                            workspace_name=names.get(entity_id if entity_type == WORKSPACE else (workspace_of or {}).get(entity_id)))
                       for entity_type, entity_id, role in edits
                       if held.get((entity_type, entity_id)) != role],
        roles_kept=[dict(entity_type=entity_type, entity_id=entity_id, entity_name=names.get(entity_id), role_held=held,
                         role_declared=declared)
                    for entity_type, entity_id, held, declared in kept],
        attempts=attempts,
        diff=dict(before=render_roles(before, names), after=render_roles(written, names),
                  before_header="roles of token " + name, after_header="roles of token " + name),
    )


def check_entities_exist(client, token, entities, workspace_of=None, names=None, to_name=()):
    """Look up each (WORKSPACE or DEPLOYMENT, ID) by the list's ID filter, one request per kind; fail on unknown ones.

    What Astro answers to a role on an entity that does not exist is not public (docs/astro-api/SEMANTICS.md), so
    this never relies on the write being refused; the Terraform provider looks entities up the same way. The
    Deployments found also tell their Workspace: a Workspace token may only get roles on its own Workspace's, and
    a Workspace the task names for a Deployment must be the Deployment's.
    names (an EntityNames) learns the names the look-ups answer; the same requests also ask for the names of
    to_name ((entity_type, ID) a person will be shown) that it does not know yet.
    """
    names = EntityNames(client) if names is None else names
    workspace_ids = sorted({entity_id for entity_type, entity_id in entities if entity_type == WORKSPACE})
    deployment_ids = sorted({entity_id for entity_type, entity_id in entities if entity_type == DEPLOYMENT})
    found_workspaces, found_deployments = names.look_up(
        workspace_ids=[i for t, i in to_name if t == WORKSPACE], deployment_ids=[i for t, i in to_name if t == DEPLOYMENT],
        checked_workspaces=workspace_ids, checked_deployments=deployment_ids)
    found = {w.get("id") for w in found_workspaces}
    unknown = ["Workspace " + shown(i) for i in workspace_ids if i not in found]
    deployments = {d.get("id"): d for d in found_deployments if d.get("id") in deployment_ids}
    unknown += ["Deployment " + shown(i) for i in deployment_ids if i not in deployments]
    if unknown:
        raise AstroInputError("{0} not found in organization {1} (looked up by ID); nothing was written to token {2} ({3}).".format(
            ", ".join(unknown), client.organization_id, token.get("name"), token.get("id")))
    for deployment_id, deployment in sorted(deployments.items()):
        given = (workspace_of or {}).get(deployment_id)
        actual = deployment.get("workspaceId")
        if given and actual and given != actual:
            raise AstroInputError("Deployment {0} is in Workspace {1}, not in Workspace {2} as the task says.".format(
                named(deployment_id, names), named(actual, names), shown(given)))
    check_home_workspace_named(client, token, [d.get("workspaceId") for d in deployments.values()], names)


def _write_verified(client, token_id, edits, roles, sleep, read_seconds, names=None):
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        started = time.monotonic()
        client.replace_token_roles(token_id, roles)
        # A writer elsewhere that read before our write can land its stale list up to about one
        # read and one write later: verify only after that, or we would miss the overwrite.
        sleep(read_seconds + (time.monotonic() - started) + random.uniform(*VERIFY_JITTER))
        fresh = client.get_token(token_id).get("roles") or []
        lost = missing_edits(fresh, edits)
        if not lost:
            return fresh, attempt
        # Another writer replaced the list after our write: redo our edits on what it wrote.
        roles = with_roles(fresh, edits)
    raise AstroError("Roles of token {0} were overwritten by concurrent writers {1} times in a row; it now holds {2} "
                     "where roles were asked for. Re-run the task.".format(
                         token_id, MAX_WRITE_ATTEMPTS,
                         "; ".join("{0!r} on {1} {2}".format(role_on(fresh, t, i), t, named(i, names)) for t, i, r in lost)))
