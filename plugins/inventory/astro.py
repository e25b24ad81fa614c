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
  - Workspace hosts are in the group C(astro_workspaces) and are named after the Workspace (C(<name>_<id>) when
    several Workspaces share a name). Deployment hosts are named C(<workspace host>/<deployment name>) and are in
    the group C(astro_deployments) and in C(astro_workspace_<workspace name>), the group of their Workspace.
  - "Every host gets C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}),
    since they are API objects: the tasks for them run on the controller."
  - The API token is never put in a host variable.
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
cache_connection: /tmp/astro-inventory-cache
"""

import re

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.astro.platform.plugins.module_utils.astro_api import AstroClient
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates inventory strings without being told to
    def trust_as_template(value):
        return value

WORKSPACES_GROUP = "astro_workspaces"
DEPLOYMENTS_GROUP = "astro_deployments"
CONNECTION_OPTIONS = ("api_token", "organization_id", "api_url", "validate_certs", "ca_path", "timeout", "max_retries")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "astro.platform.astro"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("astro.yml", "astro.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        data = None
        if use_cache:
            try:
                data = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if data is None:
            data = self._fetch()
        if update_cache:
            self._cache[cache_key] = data
        self._populate(data)

    def _fetch(self):
        """Workspaces and Deployments as plain dicts of the API's fields (what the cache holds)."""
        filters = self.get_option("filters") or {}
        try:
            client = AstroClient(**dict((name, self.get_option(name)) for name in CONNECTION_OPTIONS))
            workspaces = client.list_workspaces(names=filters.get("workspace_names") or None,
                                                workspace_ids=filters.get("workspace_ids") or None)
            workspaces = [w for w in workspaces if selected(w, filters)]
            deployments = []
            if self.get_option("include_deployments") and workspaces:
                deployments = client.list_deployments(workspace_ids=[w["id"] for w in workspaces])
        except AstroError as exc:
            raise AnsibleError("astro.platform.astro inventory: {0}".format(exc.fail_kwargs()["msg"]))
        ids = set(w["id"] for w in workspaces)
        return dict(
            organization_id=self.get_option("organization_id"),
            workspaces=[dict(id=w.get("id"), name=w.get("name"), description=w.get("description")) for w in workspaces],
            deployments=[dict(id=d.get("id"), name=d.get("name"), description=d.get("description"), status=d.get("status"),
                              workspace_id=d.get("workspaceId")) for d in deployments if d.get("workspaceId") in ids],
        )

    def _populate(self, data):
        strict = self.get_option("strict")
        self.inventory.add_group(WORKSPACES_GROUP)
        names = [w["name"] for w in data["workspaces"]]
        workspace_hosts = {}
        for workspace in sorted(data["workspaces"], key=lambda w: (w["name"] or "", w["id"])):
            host = workspace["name"] if names.count(workspace["name"]) == 1 else "{0}_{1}".format(workspace["name"], workspace["id"])
            workspace_hosts[workspace["id"]] = (host, workspace)
            hostvars = dict(
                astro_organization_id=data["organization_id"],
                astro_workspace_id=workspace["id"],
                astro_workspace_name=workspace["name"],
                astro_workspace_description=workspace["description"],
            )
            self._add_host(host, WORKSPACES_GROUP, hostvars, strict)
        if not data["deployments"]:
            return
        self.inventory.add_group(DEPLOYMENTS_GROUP)
        for deployment in sorted(data["deployments"], key=lambda d: (d["name"] or "", d["id"])):
            workspace_host, workspace = workspace_hosts[deployment["workspace_id"]]
            group = self.inventory.add_group("astro_workspace_" + safe_name(workspace["name"]))
            host = "{0}/{1}".format(workspace_host, deployment["name"])
            if host in self.inventory.hosts:
                host = "{0}_{1}".format(host, deployment["id"])
            hostvars = dict(
                astro_organization_id=data["organization_id"],
                astro_workspace_id=workspace["id"],
                astro_workspace_name=workspace["name"],
                astro_deployment_id=deployment["id"],
                astro_deployment_name=deployment["name"],
                astro_deployment_description=deployment["description"],
                astro_deployment_status=deployment["status"],
            )
            self._add_host(host, DEPLOYMENTS_GROUP, hostvars, strict)
            self.inventory.add_child(group, host)

    def _add_host(self, host, group, hostvars, strict):
        self.inventory.add_host(host, group=group)
        self.inventory.set_variable(host, "ansible_connection", "local")
        self.inventory.set_variable(host, "ansible_python_interpreter", trust_as_template("{{ ansible_playbook_python }}"))
        for name, value in hostvars.items():
            self.inventory.set_variable(host, name, value)
        self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)


def selected(workspace, filters):
    """The API filters already; check again, so a server that ignores a filter cannot widen the inventory."""
    return ((not filters.get("workspace_names") or workspace.get("name") in filters["workspace_names"])
            and (not filters.get("workspace_ids") or workspace.get("id") in filters["workspace_ids"]))


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name or "")
