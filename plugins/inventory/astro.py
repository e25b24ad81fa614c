# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: astro
short_description: Astro Workspaces (and optionally Deployments) as inventory hosts
version_added: 1.0.0
description:
  - Reads the Workspaces of an Astro Organization, and with O(include_deployments) their Deployments, from the
    Astro API and makes each one an inventory host, so that a playbook can run once per Workspace, in parallel forks.
  - "Host names are safe by construction: never a path, a host pattern or a template. A Workspace host is named after
    the Workspace with every character outside C(A-Z), C(a-z), C(0-9), C(_), C(.) and C(-) replaced by C(_), and
    leading dots replaced by C(_) too (so C(data-platform) stays C(data-platform), C(../../x) becomes C(___.._x) and
    C(a b) becomes C(a_b)). When that name is empty, C(all), C(ungrouped), C(localhost) or C(127.0.0.1), or several
    Workspaces get the same one, each of them is named C(<name>_<ID>) instead (the ID made safe the same way).
    A host name never ends in C(.yml), C(.yaml), C(.json) or C(.ini) (in any case), which an inventory directory and
    C(host_vars/) read as a file's: that dot becomes C(_) (C(db1.yml) is C(db1_yml)), for Deployment hosts too."
  - A Deployment host is named C(<Workspace host>.<Deployment name>), the Deployment name made safe by the same rule
    (so C(data-platform.etl-prod)); with C(_<ID>) appended when several Deployments, or a Deployment and a Workspace,
    get the same name.
  - The real names are in the host variables C(astro_workspace_name) and C(astro_deployment_name). Every value from
    the API (or from the cache) is data, never a template, on every supported ansible-core, in host variables and in
    what O(compose), O(groups) and O(keyed_groups) see.
  - "This plugin never takes over a host: if another inventory source read before this one already has a host of the
    same name, it fails naming the host (rename one of them, or leave the Workspace out with O(filters)). Sources are
    read in the order given (a directory's files in alphabetical order): list this source after the others, so that
    the check sees their hosts. AWX imports each source of an inventory on its own and merges hosts of the same name,
    which no source can see: give the Astro source an AWX inventory of its own."
  - "Every host gets C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}),
    since they are API objects: the tasks for them run on the controller."
  - "Host variables of a Workspace host: C(astro_organization_id), C(astro_workspace_id), C(astro_workspace_name),
    C(astro_workspace_description). Of a Deployment host: C(astro_organization_id), C(astro_workspace_id),
    C(astro_workspace_name), C(astro_deployment_id), C(astro_deployment_name), C(astro_deployment_description),
    C(astro_deployment_status)."
  - "Groups: C(astro_workspaces) (every Workspace host); with Deployments, C(astro_deployments) (every Deployment host)
    and one group per Workspace with Deployments, C(astro_workspace_<name>), that holds its Deployment hosts: the
    Workspace name with every character outside C(A-Z), C(a-z), C(0-9) and C(_) replaced by C(_) (C(data-platform)
    gives C(astro_workspace_data_platform)), with C(_<ID>) appended when several Workspaces get the same group name.
    Plus the groups of O(groups) and O(keyed_groups)."
  - The API token is never put in a host variable, and never shown in an error or a warning.
  - "With O(cache), keep the cache in a directory only you can write to (such as C(~/.cache/astro-inventory), which
    the cache plugin creates): its entries become hosts. With a file cache plugin (such as C(ansible.builtin.jsonfile))
    the plugin fails on a cache directory, or a directory above it, that another user owns or may write to (a sticky
    parent such as C(/tmp) excepted), and on a cache file of another user or that others may write to; it writes
    its cache file with mode C(0600). An entry is used only if it has the shape this plugin writes
    and was written for the same O(organization_id), O(api_url), O(filters) and O(include_deployments); its values
    are treated as data like the API's. Any other entry is ignored with a warning, and the API is read again."
  - The inventory file name must end with C(astro.yml) or C(astro.yaml).
author:
  - astro.platform contributors (@astro-platform)
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - requests
options:
  plugin:
    description: The name of this plugin; it makes the file an inventory source of this plugin.
    required: true
    type: str
    choices: [astro.platform.astro]
  api_token:
    description:
      - "An Astro API token, sent as C(Authorization: Bearer <token>). Reading needs at least C(ORGANIZATION_MEMBER)."
      - Prefer the environment variable to writing the token in the inventory file.
    type: str
    env:
      - name: ASTRO_API_TOKEN
  organization_id:
    description: The ID of the Astro Organization.
    type: str
    env:
      - name: ASTRO_ORGANIZATION_ID
  api_url:
    description: Base URL of the Astro API, version v1.
    type: str
    default: https://api.astronomer.io/v1
    env:
      - name: ASTRO_API_URL
  validate_certs:
    description: Whether to verify the API's TLS certificate. Prefer O(ca_path) for a private CA.
    type: bool
    default: true
  ca_path:
    description: A CA bundle file to verify the API's TLS certificate with, instead of the system's.
    type: path
  timeout:
    description: Seconds to wait for each API answer.
    type: float
    default: 30
  max_retries:
    description: How many times one API call is retried after HTTP 429, 502, 503, 504, a dropped connection or a timeout.
    type: int
    default: 5
  include_deployments:
    description:
      - Also make every Deployment of the selected Workspaces a host, in the group of its Workspace.
    type: bool
    default: false
  filters:
    description:
      - Which Workspaces to read. Without it, every Workspace of the Organization.
    type: dict
    default: {}
    suboptions:
      workspace_names:
        description: Only Workspaces with one of these names.
        type: list
        elements: str
      workspace_ids:
        description: Only Workspaces with one of these IDs.
        type: list
        elements: str
"""

EXAMPLES = r"""
# workspaces.astro.yml: two Workspaces and their Deployments, grouped by Deployment status.
# The smallest inventory file is the single line "plugin: astro.platform.astro": every Workspace of the
# Organization in ASTRO_ORGANIZATION_ID, read with ASTRO_API_TOKEN.
plugin: astro.platform.astro
include_deployments: true
filters:
  workspace_names: [data-platform, analytics]
keyed_groups:
  - key: astro_deployment_status | default('workspace') | lower
    prefix: status
compose:
  astro_is_production: astro_deployment_name | default('') is search('prod')
groups:
  production: astro_deployment_name | default('') is search('prod')
cache: true
cache_plugin: ansible.builtin.jsonfile
# A directory that only you can write to: its entries become hosts
cache_connection: ~/.cache/astro-inventory
"""


import os
import re
from collections import Counter
from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.astro.platform.plugins.module_utils.astro_api import CONNECTION_DEFAULTS, client_from_options
from ansible_collections.astro.platform.plugins.module_utils.entity_view import deployment_summary, workspace_summary
from ansible_collections.astro.platform.plugins.module_utils.errors import shown
from ansible_collections.astro.platform.plugins.module_utils.resolve import close_names, name_hint
from ansible_collections.astro.platform.plugins.module_utils.file_safety import file_problem, path_problem
from ansible_collections.astro.platform.plugins.plugin_utils.trust import as_data, as_template

WORKSPACES_GROUP = "astro_workspaces"
DEPLOYMENTS_GROUP = "astro_deployments"
WORKSPACE_GROUP_PREFIX = "astro_workspace_"
# The options that decide what the API answers: a cache entry written with others is not used.
SOURCE_OPTIONS = ("organization_id", "api_url", "include_deployments", "filters")
# The fields kept of each API object, as the API names them (the cache holds the same).
WORKSPACE_FIELDS = ("id", "name", "description")
DEPLOYMENT_FIELDS = ("id", "name", "description", "status", "workspaceId")
# Host names that mean something else to Ansible (the implicit localhost, the built-in groups).
RESERVED_HOSTS = frozenset(("", "all", "ungrouped", "localhost", "127.0.0.1"))
# Endings an inventory directory, host_vars/ and group_vars/ read as a file's: a host named db1.yml would take the
# variables of host_vars/db1.yml, written for another host of another source.
FILE_SUFFIXES = (".yml", ".yaml", ".json", ".ini")
MASK = "********"
# The keys of the filters option, and what each lists.
FILTERS = {"workspace_names": "Workspace names", "workspace_ids": "Workspace IDs"}


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "astro.platform.astro"
    _cache_key = None  # of the source being read

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("astro.yml", "astro.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        self._check_config(config)
        source = dict((name, self.get_option(name)) for name in SOURCE_OPTIONS)
        cache_key = self._cache_key = self.get_cache_key(path)
        if self.get_option("cache"):
            self._check_cache_place(cache_key)
        data = self._from_cache(cache_key, source) if self.get_option("cache") and cache else None
        if data is None:
            data = self._from_api(source)
            if self.get_option("cache"):
                self._cache[cache_key] = data
        self._populate(data)

    def _check_config(self, config):
        """Refuse what Ansible lets pass silently, as the modules do: an unknown option key, or a filter that is not a
        list of strings under a known key (a misspelled key would otherwise widen the inventory to every Workspace)."""
        for key in config:
            if key not in self._options:
                close = close_names(str(key), list(self._options))
                self._fail("unknown option {0}{1}; see ansible-doc -t inventory astro.platform.astro for the valid ones.".format(
                    shown(str(key)), " (did you mean {0}?)".format(", ".join(shown(c) for c in close)) if close else ""))
        filters = config.get("filters") or {}
        if not isinstance(filters, Mapping):
            self._fail("filters must be a mapping of {0}, not {1}.".format(" and ".join(FILTERS), type(filters).__name__))
        for key, value in filters.items():
            if key not in FILTERS:
                close = close_names(str(key), list(FILTERS))
                self._fail("unknown filter {0}{1}; valid filters: {2}.".format(
                    shown(str(key)), " (did you mean {0}?)".format(shown(close[0])) if close else "", ", ".join(FILTERS)))
            if value is not None and (not isinstance(value, list) or not all(isinstance(item, str) and item for item in value)):
                self._fail("filters.{0} must be a list of {1}, not {2!r}.".format(key, FILTERS[key], value))

    def _cache_file(self, cache_key):
        """(directory, file) of a file cache plugin's entry (such as ansible.builtin.jsonfile); (None, None) for others."""
        # pylint: disable=protected-access  # no public API names the file; each step is guarded
        plugin = getattr(self._cache, "_plugin", None)
        if hasattr(plugin, "__wrapped__") and hasattr(plugin, "_get_key"):  # ansible-core 2.19 and later: a schema prefix
            plugin, cache_key = plugin.__wrapped__, plugin._get_key(cache_key)
        if not getattr(plugin, "_cache_dir", None) or not hasattr(plugin, "_get_cache_file_name"):
            return None, None
        return plugin._cache_dir, plugin._get_cache_file_name(cache_key)

    def _check_cache_place(self, cache_key):
        """Refuse a cache directory or file another user may write to: its entries become hosts."""
        directory, cache_file = self._cache_file(cache_key)
        if directory is None or not os.path.isdir(directory):
            return  # not a file cache, or a directory the cache plugin makes on its first write
        problem = path_problem(directory) or file_problem(cache_file)
        if problem:
            self._fail("refusing the inventory cache ({0}): its entries become hosts, so only this user may write to it. "
                       "Set cache_connection to a directory of yours with mode 0700 (the cache plugin creates it), or "
                       "chmod 700 it and remove files of other users.".format(problem))

    def update_cache_if_changed(self):
        """Write the cache as Cacheable does, then make the entry's file readable and writable by this user only."""
        super(InventoryModule, self).update_cache_if_changed()
        _directory, cache_file = self._cache_file(self._cache_key) if self._cache_key else (None, None)
        if cache_file and os.path.isfile(cache_file) and not os.path.islink(cache_file):
            os.chmod(cache_file, 0o600)  # the file cache plugins make it 0644

    def _from_cache(self, cache_key, source):
        """The cached entry, rebuilt and checked like an API answer; None when there is none or it is not usable."""
        try:
            cached = self._cache[cache_key]
        except KeyError:
            return None
        try:
            return inventory_data(cached, source)
        except ValueError as exc:
            self.display.warning(self._masked("astro.platform.astro inventory: the cached inventory is not used ({0}); "
                                              "reading the Astro API again.".format(exc)))
            return None

    def _from_api(self, source):
        """The selected Workspaces (and their Deployments) as the cache holds them."""
        filters = source["filters"] or {}
        try:
            client = client_from_options(dict((name, self.get_option(name)) for name in CONNECTION_DEFAULTS), self.display.warning)
            workspaces = api_objects(client.list_workspaces(names=filters.get("workspace_names") or None,
                                                            workspace_ids=filters.get("workspace_ids") or None), WORKSPACE_FIELDS)
            workspaces = [w for w in workspaces if selected(w, filters)]
            missing = unmatched(filters, workspaces)
            if missing:
                # Only on this failure: every Workspace, for the close names.
                self._fail(unmatched_message(missing, api_objects(client.list_workspaces(), WORKSPACE_FIELDS)))
            deployments = []
            if source["include_deployments"] and workspaces:
                deployments = api_objects(client.list_deployments(workspace_ids=[w["id"] for w in workspaces]), DEPLOYMENT_FIELDS)
            ids = set(w["id"] for w in workspaces)
            return dict(source=source, workspaces=workspaces, deployments=[d for d in deployments if d["workspaceId"] in ids])
        except AnsibleError:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # whatever fails, its message passes the token mask
            self._fail("{0}".format(exc))

    def _populate(self, data):
        organization_id = data["source"]["organization_id"]
        workspaces = sorted(data["workspaces"], key=lambda w: (w["name"] or "", w["id"]))
        workspace_hosts = unique_names(workspaces, lambda w: not_a_file_name(host_safe(w["name"])))
        self.inventory.add_group(WORKSPACES_GROUP)
        for workspace in workspaces:
            self._add_host(workspace_hosts[workspace["id"]], [WORKSPACES_GROUP], dict(
                astro_organization_id=organization_id, **prefixed("astro_workspace_", workspace_summary(workspace))))
        if not data["deployments"]:
            return
        self.inventory.add_group(DEPLOYMENTS_GROUP)
        by_id = dict((w["id"], w) for w in workspaces)
        deployments = sorted(data["deployments"], key=lambda d: (d["name"] or "", d["id"]))
        workspace_groups = unique_names([by_id[i] for i in set(d["workspaceId"] for d in deployments)],
                                        lambda w: WORKSPACE_GROUP_PREFIX + group_safe(w["name"]), safe=group_safe)
        deployment_hosts = unique_names(deployments, lambda d: not_a_file_name("{0}.{1}".format(workspace_hosts[d["workspaceId"]],
                                                                                                host_safe(d["name"]))),
                                        taken=set(workspace_hosts.values()))
        for deployment in deployments:
            workspace = by_id[deployment["workspaceId"]]
            group = self.inventory.add_group(workspace_groups[workspace["id"]])
            summary = deployment_summary(deployment)
            self._add_host(deployment_hosts[deployment["id"]], [DEPLOYMENTS_GROUP, group], dict(
                astro_organization_id=organization_id, astro_workspace_id=summary.pop("workspace_id"),
                astro_workspace_name=workspace["name"], **prefixed("astro_deployment_", summary)))

    def _add_host(self, host, groups, hostvars):
        if host in self.inventory.hosts:
            self._fail("the host {0} is already in the inventory (from an inventory source read before this one, or an "
                       "API object with the same ID), and this plugin never takes over a host: rename one of them, or leave "
                       "the Workspace out with filters.".format(shown(host)))
        hostvars = as_data(hostvars)
        strict = self.get_option("strict")
        self.inventory.add_host(host, group=groups[0])
        for group in groups[1:]:
            self.inventory.add_child(group, host)
        self.inventory.set_variable(host, "ansible_connection", "local")
        self.inventory.set_variable(host, "ansible_python_interpreter", as_template("{{ ansible_playbook_python }}"))
        for name, value in hostvars.items():
            self.inventory.set_variable(host, name, value)
        self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)

    def _masked(self, text):
        token = self.get_option("api_token")
        return text.replace(token, MASK) if token else text

    def _fail(self, message):
        """The one error path: the message, without the API token, and without the exception it came from."""
        raise AnsibleError(self._masked("astro.platform.astro inventory: " + message)) from None


def api_objects(items, fields):
    """Objects of an API list (or of the cache) rebuilt as dicts of `fields`, each a plain str or None.

    Raises ValueError, saying what is wrong but not the values, when they have another shape.
    """
    if not isinstance(items, list):
        raise ValueError("a list was expected, not {0}".format(type(items).__name__))
    rebuilt = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError("an object was expected, not {0}".format(type(item).__name__))
        record = {}
        for field in fields:
            value = item.get(field)
            if value is not None and not isinstance(value, str):
                raise ValueError("the field {0} is {1}, not a string".format(field, type(value).__name__))
            record[field] = None if value is None else str(value)  # str() also drops any tag a cache plugin restored
        if not record["id"]:
            raise ValueError("an object has no id")
        rebuilt.append(record)
    return rebuilt


def inventory_data(cached, source):
    """A cache entry rebuilt as _from_api() returns it; ValueError when it has another shape or another source."""
    if not isinstance(cached, Mapping) or set(cached) != {"source", "workspaces", "deployments"}:
        raise ValueError("not an entry of this plugin")
    if cached["source"] != source:
        raise ValueError("written for other organization_id, api_url, filters or include_deployments")
    workspaces = api_objects(cached["workspaces"], WORKSPACE_FIELDS)
    deployments = api_objects(cached["deployments"], DEPLOYMENT_FIELDS)
    ids = set(w["id"] for w in workspaces)
    if any(d["workspaceId"] not in ids for d in deployments):
        raise ValueError("a Deployment of a Workspace it does not have")
    return dict(source=source, workspaces=workspaces, deployments=deployments)


def prefixed(prefix, summary):
    """The fields of a summary (entity_view) as host variables: each name with the prefix."""
    return dict((prefix + field, value) for field, value in summary.items())


def selected(workspace, filters):
    """The API filters already; check again, so a server that ignores a filter cannot widen the inventory."""
    return ((not filters.get("workspace_names") or workspace["name"] in filters["workspace_names"])
            and (not filters.get("workspace_ids") or workspace["id"] in filters["workspace_ids"]))


def unmatched(filters, workspaces):
    """{filter: [its values that match no Workspace listed]}, of the filters that have any."""
    found = dict(workspace_names={w["name"] for w in workspaces}, workspace_ids={w["id"] for w in workspaces})
    missing = dict((key, [value for value in filters.get(key) or [] if value not in found[key]]) for key in FILTERS)
    return dict((key, values) for key, values in missing.items() if values)


def unmatched_message(missing, every_workspace):
    """The error for the filter values that match no Workspace (missing, as unmatched() gives them), each with the
    close names (or IDs) of every Workspace."""
    candidates = dict(workspace_names=[w["name"] for w in every_workspace], workspace_ids=[w["id"] for w in every_workspace])
    what = dict(workspace_names=("is named", "Workspaces"), workspace_ids=("has the ID", "Workspace IDs"))
    problems = ["filters.{0}: no Workspace {1} {2}; {3}".format(
        key, what[key][0], shown(value), name_hint(value, candidates[key], what[key][1]))
        for key, values in missing.items() for value in values]
    return " ".join(problems) + " Fix or remove the value: a filter value that matches no Workspace is not ignored."


def host_safe(name):
    """name with every character outside A-Z a-z 0-9 _ . - replaced by _, and leading dots too: never a path or a pattern."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name or "")
    return re.sub(r"^\.+", lambda dots: "_" * len(dots.group()), safe)


def not_a_file_name(host):
    """host with the dot of a file ending (FILE_SUFFIXES, in any case) made _: db1.yml is db1_yml."""
    for suffix in FILE_SUFFIXES:
        if host.lower().endswith(suffix):
            return host[:-len(suffix)] + "_" + host[-len(suffix) + 1:]
    return host


def group_safe(name):
    """name with every character outside A-Z a-z 0-9 _ replaced by _, as Ansible wants group names."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name or "")


def unique_names(items, candidate, taken=(), safe=host_safe):
    """{ID: name} for the items: candidate(item), or <candidate>_<safe(ID)> when it is reserved, taken or not unique."""
    candidates = dict((item["id"], candidate(item)) for item in items)
    counts = Counter(candidates.values())
    return dict((item_id, name if counts[name] == 1 and name not in RESERVED_HOSTS and name not in taken
                 else "{0}_{1}".format(name, safe(item_id))) for item_id, name in candidates.items())
