# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: token_hygiene_report
short_description: What the token hygiene did (or would do), as its summary and its Markdown report
version_added: 1.0.0
description:
  - The reporting step of the playbook C(astro.platform.token_hygiene), from its plan and the registered results of
    its deletions and rotations, also when a write failed midway (the results then end at the failed one).
  - The Markdown escapes every value as P(astro.platform.report_cell#filter) does.
author:
  - astro.platform contributors (@astro-platform)
positional: deletions, rotations
options:
  _input:
    description: The plan, as P(astro.platform.token_hygiene_plan#filter) returns it.
    type: dict
    required: true
  deletions:
    description: The registered result of the deletions' loop of M(astro.platform.api_token); empty if it did not run.
    type: dict
    required: true
  rotations:
    description: The registered result of the rotations' loop of M(astro.platform.api_token); empty if it did not run.
    type: dict
    required: true
  organization:
    description: The Organization's ID, for the summary.
    type: str
    default: ""
  applied:
    description: Whether the writes were made (false for a preview).
    type: bool
    default: false
  secret_dir:
    description: The directory of the new secrets.
    type: str
    default: ""
  directory:
    description: The directory of the reports, for the summary's report paths.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Sum up what was done, or would be
  ansible.builtin.set_fact:
    astro_hygiene: "{{ astro_hygiene_plan | astro.platform.token_hygiene_report(deletions | default({}), rotations | default({})) }}"
"""

RETURN = r"""
_value:
  description:
    - C(summary) (C(organization), C(applied), C(in_scope), C(delete), C(rotate), C(failed), C(not_found), C(left_alone),
      C(secret_dir) and the C(reports) paths) and C(markdown), the report's text.
  type: dict
"""

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.astro.platform.plugins.filter.report_cell import markdown_cell


def _items(registered, key):
    """The plan entries of the loop's results whose `key` is set (actions: done or to do; failed)."""
    return [result.get("item") for result in (registered or {}).get("results") or [] if result.get(key)]


def _row(values):
    return "| {0} |".format(" | ".join(markdown_cell(value or "") or "-" for value in values))


def markdown_report(summary):
    lines = ["# Astro token hygiene", "", "Organization {0}:".format(markdown_cell(summary["organization"] or ""))]
    if summary["applied"]:
        lines.append("**applied**: the tokens below were rotated or deleted; new secrets are in {0}, one file per token "
                     "(mode 0600).".format(markdown_cell(summary["secret_dir"] or "")))
    else:
        lines.append("**preview**: nothing was written; the tokens below would be rotated or deleted with "
                     "`-e astro_hygiene_apply=true`.")
    lines += ["{0} tokens in scope.".format(len(summary["in_scope"])), "",
              "| Action | Token | Token ID | Scope | Why | Secret file |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [_row(["delete", e.get("token"), e.get("token_id"), e.get("scope"), e.get("reason"), ""]) for e in summary["delete"]]
    lines += [_row(["rotate", e.get("token"), e.get("token_id"), e.get("scope"), e.get("reason"), e.get("secret_file")])
              for e in summary["rotate"]]
    for key, text in (("failed", "**Failed** (the run stops; its error says why; re-run when fixed): {0}."),
                      ("left_alone", "Expired, but not in scope (left alone): {0}.")):
        if summary[key]:
            lines += ["", text.format(", ".join(markdown_cell(e.get("token_id") or "") for e in summary[key]))]
    if summary["not_found"]:
        lines += ["", "In astro_hygiene_tokens, matching no token: {0}.".format(", ".join(markdown_cell(s) for s in summary["not_found"]))]
    return "\n".join(lines) + "\n"


def token_hygiene_report(plan, deletions, rotations, organization="", applied=False, secret_dir="", directory=""):
    summary = dict(
        organization=organization, applied=boolean(applied), in_scope=plan.get("in_scope") or [],
        delete=_items(deletions, "actions"), rotate=_items(rotations, "actions"),
        failed=_items(deletions, "failed") + _items(rotations, "failed"),
        not_found=plan.get("not_found") or [], left_alone=plan.get("left_alone") or [], secret_dir=secret_dir,
        reports=dict(markdown="{0}/token_hygiene.md".format(directory), json="{0}/token_hygiene.json".format(directory)))
    return dict(summary=summary, markdown=markdown_report(summary))


class FilterModule:
    def filters(self):
        return {"token_hygiene_report": token_hygiene_report}
