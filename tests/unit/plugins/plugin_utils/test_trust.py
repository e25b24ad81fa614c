# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""as_data: never a template on any ansible-core; as_template: always one."""

from __future__ import annotations

from ansible_collections.astro.platform.plugins.plugin_utils.trust import HAS_DATA_TAGGING, as_data, as_template

HOSTILE = "{{ lookup('ansible.builtin.pipe', 'id') }}"


def is_template(value):
    """Whether this ansible-core would template the string."""
    if HAS_DATA_TAGGING:
        from ansible.template import is_trusted_as_template
        return is_trusted_as_template(value)
    from ansible.utils.unsafe_proxy import AnsibleUnsafe
    return not isinstance(value, AnsibleUnsafe)


def test_data_is_rebuilt_plain_and_never_a_template():
    value = as_template(HOSTILE)  # even a string a cache plugin restored as trusted
    data = as_data({"name": value, "items": (value, 1, None, True), "nested": {value: [value]}})
    assert data == {"name": HOSTILE, "items": [HOSTILE, 1, None, True], "nested": {HOSTILE: [HOSTILE]}}
    strings = [data["name"], data["items"][0], list(data["nested"])[0], data["nested"][HOSTILE][0]]
    assert not any(is_template(s) for s in strings)


def test_own_templates_stay_templates():
    assert is_template(as_template("{{ ansible_playbook_python }}"))
