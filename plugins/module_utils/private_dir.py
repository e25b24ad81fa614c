# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The per-user private directory of this controller's lock files and request budgets, and safe opening of its files.

Here, not in role_edit, so that the HTTP client's request budget (request_budget) and the create records
(token_lifecycle) live beside the token locks without importing role_edit.
"""

from __future__ import annotations

import os
import stat
import tempfile

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError


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
