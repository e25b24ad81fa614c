# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: tokens_named_like
short_description: The IDs of the tokens whose whole name matches a regular expression
version_added: 1.0.0
description:
  - "Compiles the pattern on its own, as one Python regular expression, and keeps the tokens whose whole name it
    matches (C(re.fullmatch)), so no part of it can escape the match of the whole name. The pattern 'data-.*)|(.*',
    which wrapping it in '^(?:' and ')$' would turn into 'starts with data-, or anything', does not compile and fails."
  - A pattern that does not compile fails, naming the pattern and the reason. The playbook
    C(astro.platform.token_hygiene) puts its C(astro_hygiene_name_pattern) scope in place with it.
author:
  - astro.platform contributors (@astro-platform)
positional: pattern
options:
  _input:
    description: Tokens as C(astro.platform.token_info) returns them (each with C(id) and C(name)).
    type: list
    elements: dict
    required: true
  pattern:
    description: The Python regular expression a whole token name must match; empty matches no token.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The IDs of the CI tokens
  ansible.builtin.debug:
    msg: "{{ astro_audit_tokens.tokens | astro.platform.tokens_named_like('ci-.*') }}"
"""

RETURN = r"""
_value:
  description: The IDs of the matching tokens, in the order given.
  type: list
  elements: str
"""

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text


def tokens_named_like(tokens, pattern):
    pattern = to_text(pattern or "")
    if not pattern:
        return []
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise AnsibleFilterError("The name pattern {0!r} is not a valid Python regular expression ({1}); for example, "
                                 "'ci-.*' matches the names that start with 'ci-'".format(pattern, exc))
    return [to_text(token.get("id")) for token in tokens or []
            if isinstance(token.get("name"), str) and compiled.fullmatch(token["name"])]


class FilterModule:
    def filters(self):
        return {"tokens_named_like": tokens_named_like}
