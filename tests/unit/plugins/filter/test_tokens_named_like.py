# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tokens_named_like: one regular expression that matches whole names; a pattern that is not one fails naming it.

The hygiene playbook's end-to-end test (tests/integration/test_hostile_edges.py) runs one invalid pattern per core;
the other cases are here.
"""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.astro.platform.plugins.filter.tokens_named_like import tokens_named_like

TOKENS = [{"id": "c1", "name": "ci-deployer"}, {"id": "c2", "name": "shared-automation"}, {"id": "c3", "name": "never-used-reader"},
          {"id": "c4", "name": None}, {"id": "c5"}]


@pytest.mark.parametrize(("pattern", "ids"), [
    ("ci-.*", ["c1"]),
    ("shared-.*|never-used", ["c2"]),  # whole names only: never-used is no token's whole name
    ("shared-.*|never-used-.*", ["c2", "c3"]),
    ("ci-deployer|", ["c1"]),
    ("", []),
    (None, []),
])
def test_a_pattern_matches_whole_names(pattern, ids):
    assert tokens_named_like(TOKENS, pattern) == ids


@pytest.mark.parametrize("pattern", ["ci-(", "shared-.*)|(never-used-.*", "[a-"])
def test_a_pattern_that_is_not_one_regular_expression_fails_naming_it(pattern):
    with pytest.raises(AnsibleFilterError, match="The name pattern {0} is not a valid Python regular expression".format(re.escape(repr(pattern)))):
        tokens_named_like(TOKENS, pattern)
