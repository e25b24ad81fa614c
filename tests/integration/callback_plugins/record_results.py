# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only callback: appends every task result as one JSON line to $ASTRO_TEST_RESULTS.

With $ASTRO_TEST_REQUEST_LOG_URL set (the emulator's /_emulator/requests), each line also holds
`requests_logged`: how many requests the emulator had logged when the result came back, so that a test
running several tasks in one ansible-playbook process can tell which requests each task made
(playbook_runner.converge).
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record task results as JSON lines for the integration tests
description:
  - Appends one JSON object per task result to the file named by the environment variable ASTRO_TEST_RESULTS.
  - With ASTRO_TEST_REQUEST_LOG_URL set, each object also holds requests_logged, the length of the emulator's request log then.
requirements: [enabled in ANSIBLE_CALLBACKS_ENABLED]
"""

import json
import os
from urllib.request import urlopen

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
        log_url = os.environ.get("ASTRO_TEST_REQUEST_LOG_URL")
        if log_url:
            # The task's module has had every answer by now (the client is synchronous, and the emulator logs a
            # request when it arrives), so the log's length here is where this task's requests end.
            with urlopen(log_url, timeout=30) as answer:  # noqa: S310 - a local test URL
                entry["requests_logged"] = len(json.load(answer)["requests"])
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
