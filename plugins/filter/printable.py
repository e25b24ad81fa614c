# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: printable
short_description: A name from the API as a line of output may show it, control characters escaped
version_added: 1.0.0
description:
  - Writes every character that a terminal or a diff would act on (control characters such as ESC and newline, DEL
    and C1, line and paragraph separators, zero-width and bidirectional formatting characters, the byte order mark)
    as C(\uXXXX), so that a token, Workspace or Deployment name printed in a loop label or a debug message stays on
    its line, cannot recolour the terminal or forge a line, and reads as what it is. Other text is unchanged.
  - The same escaping as the modules' messages, warnings and diffs.
author:
  - astro.platform contributors (@astro-platform)
options:
  _input:
    description: The text; C(None) becomes the empty string, anything else its text.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Show the tokens of a Workspace, one line each whatever their names hold
  ansible.builtin.debug:
    msg: "{{ item.id }} {{ item.name | astro.platform.printable }}"
  loop: "{{ listed.tokens }}"
  loop_control:
    label: "{{ item.name | astro.platform.printable }}"
"""

RETURN = r"""
_value:
  description: The escaped text.
  type: str
"""

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.astro.platform.plugins.module_utils.errors import printable as escaped


def printable(value):
    return escaped(None if value is None else to_text(value, errors="surrogate_or_replace"))


class FilterModule(object):
    def filters(self):
        return {"printable": printable}
