# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What Ansible may template, on every ansible-core the collection supports (controller side only).

Values from the Astro API, an inventory cache or a declaration are data: a Workspace named
"{{ lookup('pipe', ...) }}" must stay that string. ansible-core 2.19 and later template only strings tagged
as trusted, so data needs its tags removed; older cores template every plain string, so data is marked unsafe.
"""

from __future__ import annotations

from collections.abc import Mapping

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every plain string is a template unless marked unsafe
    from ansible.utils.unsafe_proxy import wrap_var as _marked_as_data
    HAS_DATA_TAGGING = False

    def as_template(text):
        """A template of the collection's own (never data) that every ansible-core templates."""
        return text
else:  # ansible-core 2.19 and later template only strings tagged as trusted
    HAS_DATA_TAGGING = True

    def _marked_as_data(value):
        return value

    def as_template(text):
        """A template of the collection's own (never data) that every ansible-core templates."""
        return trust_as_template(text)


def as_data(value):
    """value rebuilt from plain dicts, lists and strings (no tags), which no ansible-core will template."""
    return _marked_as_data(_plain(value))


def _plain(value):
    if isinstance(value, str):
        return str(value)  # a str subclass (a tagged or unsafe string) becomes a plain str
    if isinstance(value, Mapping):
        return dict((_plain(key), _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
