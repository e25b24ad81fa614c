# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.astro.platform.plugins.module_utils.role_display import printable


@pytest.mark.parametrize(("text", "shown"), [
    ("data-platform", "data-platform"),
    ("a\nb", "a\\u000ab"),
    ("\x1b[2Kx", "\\u001b[2Kx"),
    ("abc\u202edef", "abc\\u202edef"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("ünï", "ünï"),
    (None, ""),
])
def test_printable_escapes_what_a_terminal_or_a_diff_would_act_on(text, shown):
    assert printable(text) == shown
    assert "\n" not in printable(text) and "\x1b" not in printable(text)
