# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.onboarding: look up, plan and write the Workspace onboarding with the collection's modules (see its docs)."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.astro.platform.plugins.module_utils import onboarding
from ansible_collections.astro.platform.plugins.module_utils.astro_api import astro_argument_spec
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError
from ansible_collections.astro.platform.plugins.module_utils.role_display import printable
from ansible_collections.astro.platform.plugins.module_utils.token_lifecycle import SecretFile
from ansible_collections.astro.platform.plugins.module_utils.role_display import named
from ansible_collections.astro.platform.plugins.plugin_utils.secret_path import absolute_secret_file
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

# Options handed on to every module run (module_defaults of group/astro.platform.astro reach this task too).
CONNECTION = tuple(astro_argument_spec())
# Where the locks and the create records are, and how long a write is let settle: every writing module takes them.
LOCKS = ("lock_dir", "lock_timeout", "settle_seconds")
# The module that lists the teams (users) with their roles, for the plan.
PEOPLE_INFO = {"teams": "team_info", "users": "user_info"}


def new_secrets(token_results):
    """The secrets this run made (tokens created or rotated), one entry each: the token as api_token returns it (never
    with its secret), the file the secret was written to, and `label`, the token as a person reads it. What the role
    hands to workspace_onboarding_secret_hook, in the shape the hygiene hands its rotations (api_token's results)."""
    found = []
    for write, answer in token_results:
        token = answer.get("token") or {}
        if answer.get("secret_file") and token.get("id"):
            found.append(dict(token=token, workspace_id=write.get("workspace_id"), secret_file=answer["secret_file"],
                              label=named(token["id"], {token["id"]: token.get("name")})))
    return found


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("workspaces", "defaults", "exclusive", "state", "limit") + CONNECTION + LOCKS)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self._vars = task_vars or {}
        args = self._task.args
        declarations, exclusive = args.get("workspaces"), args.get("exclusive", False)
        state, limit = args.get("state", "present"), args.get("limit") or None
        self._refuse_several_hosts()
        try:  # every declaration is checked before any request, and the whole plan before any write
            declarations = onboarding.with_defaults(declarations, args.get("defaults"))
            onboarding.check_declarations(declarations, state, exclusive)
            needs = onboarding.needs(declarations, exclusive, state)
            lookup = self._module("deployment_info", dict(with_deployment_roles=needs["custom_roles"]))
            tokens = None
            if needs["every_token"] or needs["token_names"]:
                tokens = self._module("token_info", {} if needs["every_token"] else {"names": needs["token_names"]})["tokens"]
            # The teams and users with their roles: one paged list each, only when a declaration needs them.
            people = dict((option, self._module(PEOPLE_INFO[option])[option]) for option in onboarding.PEOPLE if needs[option])
            found = onboarding.plan(declarations, lookup, tokens, lookup.get("deployment_roles"), exclusive, state, limit,
                                    datetime.datetime.now(datetime.timezone.utc), people)
            self._check_secret_files(found["token_writes"])
        except AstroInputError as exc:
            raise AnsibleActionFail(str(exc))
        token_results = self._write_tokens(found["token_writes"])
        edits, edit_results, set_aside = self._edit_roles(found["edits"], token_results, lookup.get("deployment_roles") is None)
        people_results = self._edit_people(found["people_edits"], lookup.get("deployment_roles") is None)
        changes = onboarding.changes_by_workspace(found, token_results, edit_results, people_results)
        action = "would remove (check mode)" if self._task.check_mode else "removed"
        result.update(as_data(dict(
            changed=False, token_results=[dict(r, arguments=w["arguments"]) for w, r in token_results], results=edit_results,
            people_results=[dict(r, module=e["module"], subject=e["subject"]) for e, r in people_results],
            new_token_roles=set_aside, new_secrets=new_secrets(token_results),
            undeclared=[dict(u, action=action) for u in found["undeclared"]], changes_by_workspace=changes,
            msg="{0} changes in {1} Workspaces.".format(sum(len(lines) for lines in changes.values()),
                                                        sum(1 for lines in changes.values() if lines)))))
        if self._task.diff:
            result["diff"] = as_data({"prepared": "\n".join(line for lines in changes.values() for line in lines)})
        results = edit_results + [r for e, r in people_results]
        if any(r.get("failed") for r in results):
            labels = [e["label"] for e in edits] + [e["label"] for e, r in people_results]
            result.update(failed=True, msg=onboarding.write_failure(labels, results))
        return result

    def _refuse_several_hosts(self):
        """The task acts on the API, not on its host: run for each of several hosts, each run would write the same
        roles again and report on its own writes only (the others' changes never recorded). Fail before any request."""
        # All the play's hosts, not its batch: a host that fails leaves the batch, which would hide the others.
        hosts = list(self._vars.get("ansible_play_hosts_all") or [])
        if len(hosts) > 1 and not self._runs_once():
            raise AnsibleActionFail(
                "The role workspace_onboarding (task astro.platform.onboarding) runs for {0} hosts of the play ({1}) "
                "without run_once: each would write the same roles again and report only its own changes. Include it "
                "with run_once: true (as playbooks/onboard_workspaces.yml does), or in a play on one host (localhost). "
                "Nothing was read or written.".format(len(hosts), ", ".join(printable(h) for h in hosts[:5]) + (
                    ", ..." if len(hosts) > 5 else "")))

    def _runs_once(self):
        """Whether this task, or what included it, has run_once: the tasks of a role included with run_once run for the
        first host only, but do not carry run_once themselves (their include, a parent, does)."""
        # pylint: disable=protected-access  # a task's parents (its block, the include_role task) have no public name
        found, seen = self._task, set()
        while found is not None and id(found) not in seen:
            seen.add(id(found))
            value = getattr(found, "run_once", None)
            if isinstance(value, str):
                value = self._templar.template(value)
            if value and boolean(value, strict=False):
                return True
            found = getattr(found, "_parent", None)
        return False

    def _check_secret_files(self, token_writes):
        """Every secret_file a write may put a new secret in is checked before the first write, as check mode checks
        it: a run must not create one token and then stop at the next one's file. (Only on the controller: on another
        connection the module checks the file where it runs.)"""
        if self._connection.transport != "local":
            return
        for write in token_writes:
            if write.get("new_secret") and write["arguments"].get("secret_file"):
                arguments, _note = absolute_secret_file(write["arguments"], "local")
                try:
                    SecretFile(arguments["secret_file"]).check()
                except AstroInputError as exc:
                    raise AstroInputError("{0}: {1}{2}".format(write["place"], exc, "" if "Nothing was" in str(exc) else " Nothing was written."))

    def _module(self, module, arguments=None, stop=True):
        """One run of a module of the collection, with the connection options of this task; a failure stops the task."""
        arguments = dict(arguments or {})
        arguments.update((key, value) for key, value in self._task.args.items() if key in CONNECTION)
        found = self._execute_module(module_name="astro.platform." + module, module_args=arguments, task_vars=self._vars)
        # The edits' own diffs name entities by ID only (check_entities: false): this task's diff names them.
        found.pop("diff", None)
        if stop and found.get("failed"):
            raise AnsibleActionFail("{0} failed: {1}".format(module, found.get("msg")), result=found)
        return found

    def _write_tokens(self, token_writes):
        """[(arguments, result)] of api_token for the declared tokens to create or check, in order; the first failure stops."""
        done = []
        for write in token_writes:
            arguments, note = absolute_secret_file(write["arguments"], self._connection.transport)
            arguments.update((key, value) for key, value in self._task.args.items() if key in LOCKS)
            found = self._module("api_token", arguments, stop=False)
            if found.get("failed"):
                raise AnsibleActionFail("Writing the declared token {0} {1}: {2} Already written: {3}.".format(
                    write["label"], "may have been applied (run again to see)" if found.get("possibly_applied") else "failed",
                    found.get("msg"), ", ".join(w["label"] for w, r in done if r.get("actions")) or "none"))
            if note:
                found["warnings"] = list(found.get("warnings") or []) + [note]
            done.append((write, found))
        return done

    def _edit_roles(self, edits, token_results, check_deployment_roles):
        """token_roles for each edit, by ID; a token created above by its new ID (in check mode it does not exist, and
        its edit is only planned). Every edit is tried, as a loop would: (edits made, their results, edits set aside)."""
        created = dict(((w["arguments"]["name"], w["workspace_id"]), r["token"]["id"]) for w, r in token_results
                       if w["arguments"]["scope"] == "workspace" and (r.get("token") or {}).get("id"))
        made, results, set_aside = [], [], []
        for edit in edits:
            arguments = dict(edit["arguments"])
            if edit["new_token"] is not None:
                if edit["new_token"] not in created:
                    set_aside.append(arguments)
                    continue
                arguments = dict(arguments, token_id=created[edit["new_token"]])
                del arguments["token_name"]
            arguments.update((key, value) for key, value in self._task.args.items() if key in LOCKS)
            # The plan found every Workspace and Deployment, and named them: no edit looks them up again.
            arguments.update(check_entities=False, check_deployment_roles=check_deployment_roles)
            results.append(self._module("token_roles", arguments, stop=False))
            made.append(edit)
        return made, results, set_aside

    def _edit_people(self, people_edits, check_deployment_roles):
        """team_roles / user_roles for each team's and user's edit, by ID, each a visible module run with this task's check
        and diff mode; every edit is tried, as for tokens: [(the plan's edit, its result)]."""
        done = []
        for edit in people_edits:
            arguments = dict(edit["arguments"])
            arguments.update((key, value) for key, value in self._task.args.items() if key in LOCKS)
            # As for tokens: the plan found and named every Workspace and Deployment, and checked the custom roles.
            arguments.update(check_entities=False, check_deployment_roles=check_deployment_roles)
            done.append((edit, self._module(edit["module"], arguments, stop=False)))
        return done
