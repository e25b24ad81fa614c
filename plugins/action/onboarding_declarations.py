# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""astro.platform.onboarding_declarations: read a file of Workspace onboarding declarations, as data (see its docs)."""

from __future__ import annotations

import yaml

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.astro.platform.plugins.module_utils.errors import quoted
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader

# The key of the declarations in the file, as playbooks/vars/onboarding.yml has it.
DECLARATIONS_KEY = "astro_workspaces"
# Merged into every declaration by the role (workspace_onboarding_defaults), which checks it.
DEFAULTS_KEY = "astro_workspace_defaults"
# Values the file may hold once its aliases are expanded (1 000 Workspaces declared in full are about 50 000): a few
# hundred bytes of nested aliases expand to billions, which every later copy would walk.
MAX_EXPANDED_VALUES = 1000000
MERGE_TAG = "tag:yaml.org,2002:merge"


class DeclarationsLoader(SafeLoader):  # pylint: disable=too-many-ancestors
    """The safe loader, refusing a key given twice in one mapping (the last one would silently win)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            lines = {}
            for key_node, _value in node.value:
                if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    continue  # '<<' merges are meant to be overridden
                key = self.construct_object(key_node, deep=deep)
                if key in lines:
                    raise yaml.constructor.ConstructorError(
                        "in the mapping at line {0}".format(node.start_mark.line + 1), node.start_mark,
                        "the key {0} is given twice (lines {1} and {2}); only the last would count".format(
                            quoted(key), lines[key], key_node.start_mark.line + 1), key_node.start_mark)
                lines[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def expanded_size(root):
    """How many values the YAML node graph holds with every alias expanded; (count, line of the largest aliased node).

    Linear in the nodes written: each node's size is computed once, however often it is aliased.
    """
    sizes, seen_twice, stack = {}, {}, [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes and not children_done:
            seen_twice[id(node)] = node
            continue
        children = ([child for pair in node.value for child in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value) if isinstance(node, yaml.SequenceNode) else [])
        if children_done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            continue
        sizes[id(node)] = None  # in progress: an alias to it from below is a recursive one
        stack.append((node, True))
        for child in children:
            if id(child) in sizes and sizes[id(child)] is None:
                raise yaml.YAMLError("a recursive alias at line {0}".format(child.start_mark.line + 1))
            stack.append((child, False))
    biggest = max(seen_twice.values(), key=lambda node: sizes[id(node)], default=None)
    return sizes[id(root)], (biggest.start_mark.line + 1 if biggest is not None else None)


def load_declarations(text):
    """The file's data, refusing duplicate keys and aliases that expand past MAX_EXPANDED_VALUES (yaml.YAMLError)."""
    loader = DeclarationsLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size, line = expanded_size(node)
        if size > MAX_EXPANDED_VALUES:
            raise yaml.YAMLError("its aliases expand it to {0} values, more than the {1} a declarations file may hold "
                                 "(the largest value aliased starts at line {2}); write the values out".format(
                                     size, MAX_EXPANDED_VALUES, line))
        return loader.construct_document(node)
    finally:
        loader.dispose()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path",))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        path = self._task.args.get("path")
        if not isinstance(path, str) or not path:
            raise AnsibleActionFail("path is required: the YAML or JSON file of the declarations, for example vars/onboarding.yml.")
        workspaces, defaults = self._read(path)
        # Parsed as plain YAML and handed on as data: a string in the file is never a template (a Workspace named
        # "{{ ... }}" stays that name), and nothing is copied or tagged string by string, which include_vars does
        # (about 2.5 s for 1 000 Workspaces).
        result.update(as_data(dict(workspaces=workspaces, defaults=defaults, changed=False,
                                   msg="{0} Workspace declarations read from {1}.".format(len(workspaces), path))))
        return result

    def _read(self, path):
        try:
            found = self._find_needle("vars", path)
        except AnsibleError:
            raise AnsibleActionFail("Declarations file {0} not found (looked for it in the playbook's directory and its "
                                    "vars/ directory).".format(quoted(path)))
        try:
            data = load_declarations(_file_text(self._loader, found))  # safe: plain mappings, lists and scalars
        except (yaml.YAMLError, AnsibleError, UnicodeError) as exc:
            raise AnsibleActionFail("Declarations file {0} is not valid YAML or JSON: {1}".format(found, exc))
        declarations = data.get(DECLARATIONS_KEY, False) if isinstance(data, dict) else False
        if declarations is None:  # the key with nothing under it: no declarations, as include_vars read it
            declarations = []
        if not isinstance(declarations, list):
            raise AnsibleActionFail("Declarations file {0} must be a mapping whose key {1} lists the Workspace declarations "
                                    "(a list, possibly empty); it has {2}.".format(found, DECLARATIONS_KEY, _shape(data)))
        defaults = data.get(DEFAULTS_KEY) or {}
        if not isinstance(defaults, dict):
            raise AnsibleActionFail("Declarations file {0}: {1} must be a mapping of declaration keys merged into every "
                                    "declaration; it is a {2}.".format(found, DEFAULTS_KEY, type(defaults).__name__))
        return declarations, defaults


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
        return "the keys {0}".format(", ".join(sorted(quoted(to_text(k)) for k in data))) if data else "no key"
    return "a {0}".format(type(data).__name__)
