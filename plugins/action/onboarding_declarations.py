# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.onboarding_declarations: read a file of Workspace onboarding declarations, as data (see its docs)."""

from __future__ import annotations

import yaml

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader

# The key of the declarations in the file, as playbooks/vars/onboarding.yml has it.
DECLARATIONS_KEY = "astro_workspaces"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path",))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        path = self._task.args.get("path")
        if not isinstance(path, str) or not path:
            raise AnsibleActionFail("path is required: the YAML or JSON file of the declarations, for example vars/onboarding.yml.")
        workspaces = self._read(path)
        # Parsed as plain YAML and handed on as data: a string in the file is never a template (a Workspace named
        # "{{ ... }}" stays that name), and nothing is copied or tagged string by string, which include_vars does
        # (about 2.5 s for 1 000 Workspaces).
        result.update(as_data(dict(workspaces=workspaces, changed=False,
                                   msg="{0} Workspace declarations read from {1}.".format(len(workspaces), path))))
        return result

    def _read(self, path):
        try:
            found = self._find_needle("vars", path)
        except AnsibleError:
            raise AnsibleActionFail("Declarations file {0!r} not found (looked for it in the playbook's directory and its "
                                    "vars/ directory).".format(path))
        try:
            data = yaml.load(_file_text(self._loader, found), Loader=SafeLoader)  # safe: plain mappings, lists and scalars
        except (yaml.YAMLError, AnsibleError, UnicodeError) as exc:
            raise AnsibleActionFail("Declarations file {0} is not valid YAML or JSON: {1}".format(found, exc))
        declarations = data.get(DECLARATIONS_KEY, False) if isinstance(data, dict) else False
        if declarations is None:  # the key with nothing under it: no declarations, as include_vars read it
            return []
        if not isinstance(declarations, list):
            raise AnsibleActionFail("Declarations file {0} must be a mapping whose key {1} lists the Workspace declarations "
                                    "(a list, possibly empty); it has {2}.".format(found, DECLARATIONS_KEY, _shape(data)))
        return declarations


def _file_text(loader, path):
    """The file's text, decrypted if it is vault-encrypted (as include_vars reads it)."""
    if hasattr(loader, "get_text_file_contents"):  # ansible-core 2.19 and later
        return str(loader.get_text_file_contents(path))  # a plain str: libyaml refuses the tagged one
    data, _show_content = loader._get_file_contents(path)  # earlier cores: (bytes, whether to show them)
    return to_text(data, errors="surrogate_or_strict")


def _shape(data):
    """What the file holds instead, for the error: its keys, or its type."""
    if isinstance(data, dict):
        if DECLARATIONS_KEY in data:
            return "{0}: a {1}".format(DECLARATIONS_KEY, type(data[DECLARATIONS_KEY]).__name__)
        return "the keys {0}".format(", ".join(sorted(repr(to_text(k)) for k in data))) if data else "no key"
    return "a {0}".format(type(data).__name__)
