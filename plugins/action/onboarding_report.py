# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.onboarding_report: the role workspace_onboarding's changes in one host's Workspace (see its docs)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.astro.platform.plugins.module_utils.role_display import printable
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

# Set by the role workspace_onboarding on every host of the play: Workspace ID -> one line per change there.
CHANGES_FACT = "workspace_onboarding_changes_by_workspace"
# The host's Workspace, as the inventory plugin astro.platform.astro sets it.
WORKSPACE_VAR = "astro_workspace_id"
# Its name, as the same plugin sets it (data from the API: shown escaped, never templated).
WORKSPACE_NAME_VAR = "astro_workspace_name"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("workspace_id",))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["_ansible_verbose_always"] = True
        # Names from the API and IDs from the inventory are data, which no later task may template.
        result.update(as_data(self._report(task_vars or {})))
        return result

    def _report(self, task_vars):
        """workspace_id, changes, changed and msg of this host's Workspace (of every Workspace on a host without one)."""
        # Read as stored, not templated: the fact is the role's own data for every Workspace, and templating it as
        # an argument would copy all of it for each host. Only the host's one ID is templated (an inventory may set
        # it with a template).
        if CHANGES_FACT not in task_vars:
            raise AnsibleActionFail("{0} is not set: run the role astro.platform.workspace_onboarding before this task, "
                                    "in the same play.".format(CHANGES_FACT))
        by_workspace = task_vars[CHANGES_FACT] or {}
        workspace_id = self._task.args.get("workspace_id")
        if workspace_id is None and WORKSPACE_VAR in task_vars:
            workspace_id = self._templar.template(task_vars[WORKSPACE_VAR])
        if not workspace_id:
            changes = [line for lines in by_workspace.values() for line in lines]
            return dict(workspace_id=None, changes=changes, changed=bool(changes), msg="{0} changes in {1} Workspaces.".format(
                len(changes), sum(1 for lines in by_workspace.values() if lines)))
        workspace_id = to_text(workspace_id).lower()
        name = task_vars.get(WORKSPACE_NAME_VAR) if self._task.args.get("workspace_id") is None else None
        workspace = "{0} ({1})".format(printable(name), workspace_id) if isinstance(name, str) and name else workspace_id
        if workspace_id not in by_workspace:
            return dict(workspace_id=workspace_id, changes=[], changed=False,
                        msg="Workspace {0} is not declared, or not in the limit: nothing to do.".format(workspace))
        changes = list(by_workspace[workspace_id])
        return dict(workspace_id=workspace_id, changes=changes, changed=bool(changes),
                    msg="{0} changes in Workspace {1}.".format(len(changes), workspace))
