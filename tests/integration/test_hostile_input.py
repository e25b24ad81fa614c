# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hostile names and IDs either work as literals or fail clearly; the emulator's log proves
that nothing reached an unintended URL."""

from __future__ import annotations

import re
from urllib.parse import unquote

HOSTILE = [
    "it's \"quoted\"", "a/b", "../workspaces", "..%2F..%2Froles", "%2F", "x?workspaceId=y", "x#fragment",
    "ünïcødé ☃", "x" * 10000, "..", " ", "",
]
# The answer a failure must give: a clear sentence, not a traceback.
CLEAR = re.compile(r"is not a valid Astro ID|is empty|answered 404: .* \[requestId: |^No [A-Za-z ]+ is named ")


def test_hostile_values_are_literals_or_clear_errors(ansible, emulator, seed):
    analytics = seed.workspace("analytics")
    tasks = [{"name": "names", "astro.platform.token_info": {"names": HOSTILE}}]
    cases = [("token_id", i, v) for i, v in enumerate(HOSTILE)] + [("workspace_name", i, v) for i, v in enumerate(HOSTILE)]
    cases += [("token_name", i, HOSTILE[i]) for i in (0, 7, 8)]
    for option, index, value in cases:
        args = {"token_name": "ci-deployer", "workspace_id": analytics, "role": "WORKSPACE_MEMBER"}
        args.pop("token_name" if option in ("token_id", "token_name") else "workspace_id")
        args[option] = value
        tasks.append({"name": "{0} {1}".format(option, index), "ignore_errors": True, "astro.platform.workspace_org_token": args})
    run = ansible.run(tasks, verbosity=0)  # 10 000-character values make -vvv output huge; the leak check still runs
    assert run.task("names")["tokens"] == []
    for option, index, value in cases:
        result = run.task("{0} {1}".format(option, index))
        assert result["failed"], "{0}={1!r} was accepted".format(option, value[:50])
        assert CLEAR.search(result["msg"]), "{0}={1!r}: unclear {2!r}".format(option, value[:50], result["msg"][:300])
        assert len(result["msg"]) < 11000

    org_prefix = "/v1/organizations/{0}/".format(seed.organization)
    for request in emulator.control.requests():
        assert request["operationId"] in ("GetApiToken", "ListApiTokens", "ListWorkspaces", "ListDeployments"), request["raw_path"][:200]
        assert request["path"].startswith(org_prefix), request["raw_path"][:200]
        if request["operationId"] == "GetApiToken":
            token_segment = request["raw_path"].split("?")[0][len(org_prefix):].split("/")
            # IDs are lower-cased before use, as the Astro CLI does.
            assert token_segment[0] == "tokens" and len(token_segment) == 2 and unquote(token_segment[1]) in {h.lower() for h in HOSTILE}
    assert emulator.control.writes() == []
