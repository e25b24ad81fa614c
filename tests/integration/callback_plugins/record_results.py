# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only callback: appends every task result as one JSON line to $ASTRO_TEST_RESULTS."""

from __future__ import annotations

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record task results as JSON lines for the integration tests
description: Appends one JSON object per task result to the file named by the environment variable ASTRO_TEST_RESULTS.
requirements: [enabled in ANSIBLE_CALLBACKS_ENABLED]
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get("ASTRO_TEST_RESULTS")
        if not path:
            return
        entry = dict(task=result._task.get_name(), host=result._host.get_name(), status=status,
                     result=self._dump_results_as_dict(result))
        with open(path, "a") as results_file:
            results_file.write(json.dumps(entry, default=str) + "\n")

    def _dump_results_as_dict(self, result):
        return json.loads(json.dumps(result._result, default=str))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
