# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether another local user could interfere with a file of ours: the secret_file, the inventory cache."""

from __future__ import annotations

import os
import stat

from ansible_collections.astro.platform.plugins.module_utils.errors import shown

# Paths are shown whole: a clipped one does not say which directory to fix.
PATH_LIMIT = 4096


def trusted_owner(info):
    """Owned by this user or by root: nobody else can swap it, or what it holds, for something of theirs."""
    return info.st_uid in (os.geteuid(), 0)


def with_parents(path):
    """An absolute path and each directory above it, up to the root."""
    paths = [path]
    while os.path.dirname(paths[-1]) != paths[-1]:
        paths.append(os.path.dirname(paths[-1]))
    return paths


def path_problem(path):
    """What lets another user interfere with files written in the directory `path`, in words; None when nothing does.

    Every component is checked: one owned by another user, a directory another user may write to (a parent only if it
    is not sticky, like /tmp: there nobody can move or replace what is not theirs), or a symbolic link that another
    user owns, would let them put the secret where they read it, or replace a file of a directory only root may write.
    """
    for component in with_parents(os.path.abspath(path)):
        info = os.lstat(component)
        if stat.S_ISLNK(info.st_mode) and not trusted_owner(info):
            return "{0} is a symbolic link owned by uid {1}, another user".format(shown(component, PATH_LIMIT), info.st_uid)
    checked = with_parents(os.path.realpath(path))
    for index, directory in enumerate(checked):
        info = os.stat(directory)
        if not trusted_owner(info):
            return "{0} is owned by uid {1}, another user (it must be this user's or root's)".format(shown(directory, PATH_LIMIT), info.st_uid)
        if info.st_mode & 0o022 and (index == 0 or not info.st_mode & stat.S_ISVTX):
            return "{0} has mode {1:04o}: other users may write to it (run: chmod go-w {2})".format(
                shown(directory, PATH_LIMIT), stat.S_IMODE(info.st_mode), directory)
    return None


def file_problem(path):
    """What lets another user change the file at `path` (which may be absent), in words; None when nothing does."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        return "{0} is not a regular file of this user (uid {1})".format(shown(path, PATH_LIMIT), info.st_uid)
    if info.st_mode & 0o022:
        return "{0} has mode {1:04o}: other users may write to it".format(shown(path, PATH_LIMIT), stat.S_IMODE(info.st_mode))
    return None
