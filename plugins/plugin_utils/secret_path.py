# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a relative secret_file goes: the one rule of the actions that hand api_token a secret_file.

Ansible runs a module on a local connection in the directory of the task's playbook or role, so a relative
secret_file would land there: inside the installed collection, for the role. On the controller, an action makes it
absolute against the working directory ansible-playbook was started in, and says so.
"""

from __future__ import annotations

import os

from ansible_collections.astro.platform.plugins.module_utils.errors import printable, quoted


def absolute_secret_file(arguments, transport="local"):
    """(arguments with secret_file made absolute, the warning that says so, or None when nothing was changed)."""
    secret_file = arguments.get("secret_file")
    if not (isinstance(secret_file, str) and secret_file) or transport != "local":
        return arguments, None
    expanded = os.path.expanduser(secret_file)
    if os.path.isabs(expanded):
        return arguments, None
    absolute = os.path.join(os.getcwd(), expanded)
    return dict(arguments, secret_file=absolute), (
        "secret_file {0} is relative: it is taken against the working directory of ansible-playbook, as {1}.".format(
            quoted(secret_file), printable(absolute)))
