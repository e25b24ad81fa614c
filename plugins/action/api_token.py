# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.api_token, run as the module with one thing done on the controller first (see the module's docs).

Ansible runs a module on a local connection in the directory of the task's playbook or role, so a relative
secret_file would land there: inside the installed collection, for the role. Here, on the controller, a relative
secret_file is made absolute against the working directory ansible-playbook was started in, and the result says so.
"""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        note = None
        secret_file = args.get("secret_file")
        if isinstance(secret_file, str) and secret_file and self._connection.transport == "local":
            expanded = os.path.expanduser(os.path.expandvars(secret_file))
            if not os.path.isabs(expanded):
                args["secret_file"] = os.path.join(os.getcwd(), expanded)
                note = ("secret_file {0!r} is relative: it is taken against the working directory of ansible-playbook, "
                        "as {1}.".format(secret_file, args["secret_file"]))
        result.update(self._execute_module(module_name="astro.platform.api_token", module_args=args, task_vars=task_vars))
        if note:
            result["warnings"] = list(result.get("warnings") or []) + [note]
        return result
