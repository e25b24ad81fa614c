# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.api_token, run as the module with one thing done on the controller first (see the module's docs): a
relative secret_file is made absolute against the working directory of ansible-playbook (plugin_utils.secret_path).
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.astro.platform.plugins.plugin_utils.secret_path import absolute_secret_file


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args, note = absolute_secret_file(dict(self._task.args), self._connection.transport)
        result.update(self._execute_module(module_name="astro.platform.api_token", module_args=args, task_vars=task_vars))
        if note:
            result["warnings"] = list(result.get("warnings") or []) + [note]
        return result
