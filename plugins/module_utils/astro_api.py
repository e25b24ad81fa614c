# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of the collection: session, auth, retries, pagination, errors.

It knows the Astro API's transport rules (docs/astro-api/SEMANTICS.md) and nothing
about roles or modules; callers get plain dicts shaped as in openapi.yaml.
"""

from __future__ import annotations

import random
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import quote

try:
    import requests
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible_collections.astro.platform.plugins.module_utils.errors import (
    AstroAPIError,
    AstroConfigError,
    AstroInputError,
    AstroTransportError,
)

# Sent in the User-Agent; tests/collection checks it against galaxy.yml.
COLLECTION_VERSION = "1.0.0"
DEFAULT_API_URL = "https://api.astronomer.io/v1"
MAX_PAGE_SIZE = 1000
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# A Retry-After beyond this is not worth blocking a playbook for; we cap it.
MAX_RETRY_AFTER = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0

AUTH_OPTION_NAMES = ("api_token", "organization_id", "api_url", "validate_certs", "ca_path", "timeout", "max_retries")


def astro_argument_spec():
    """The connection options every module shares (see doc fragment astro.platform.astro)."""
    return dict(
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ASTRO_API_TOKEN"])),
        organization_id=dict(type="str", fallback=(env_fallback, ["ASTRO_ORGANIZATION_ID"])),
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["ASTRO_API_URL"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30.0),
        max_retries=dict(type="int", default=5),
    )


def path_segment(value):
    """Percent-encode one path segment so no ID or name can leave it ('/', '?', '#', '%' included).

    A segment of only dots cannot be sent safely: requests unquotes '%2E', and servers and
    proxies resolve '..' to the parent path. Such an ID cannot exist, so it is refused.
    """
    value = str(value)
    if value.strip(".") == "":
        raise AstroInputError("{0!r} is not a valid Astro ID.".format(value))
    return quote(value, safe="")


def query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class AstroClient:
    """A requests session bound to one organization of one Astro API."""

    def __init__(self, api_token=None, organization_id=None, api_url=DEFAULT_API_URL, validate_certs=True,
                 ca_path=None, timeout=30.0, max_retries=5, sleep=time.sleep):
        if requests is None:
            raise AstroConfigError(missing_required_lib("requests"))
        if not api_token:
            raise AstroConfigError("No Astro API token: set the api_token option or the ASTRO_API_TOKEN environment variable.")
        if not organization_id:
            raise AstroConfigError("No Astro organization: set the organization_id option or the ASTRO_ORGANIZATION_ID environment variable.")
        if not api_url or not api_url.startswith(("https://", "http://")):
            raise AstroConfigError("api_url {0!r} is not an http(s) URL, such as {1}.".format(api_url, DEFAULT_API_URL))
        if timeout is None or timeout <= 0:
            raise AstroConfigError("timeout must be a positive number of seconds, not {0!r}.".format(timeout))
        if max_retries is None or max_retries < 0:
            raise AstroConfigError("max_retries must be 0 or more, not {0!r}.".format(max_retries))
        self.api_url = api_url.rstrip("/")
        self.organization_id = organization_id
        self.timeout = timeout
        self.max_retries = max_retries
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update({
            "Authorization": "Bearer " + api_token,
            "Accept": "application/json",
            "User-Agent": "astro.platform/{0} python-requests/{1}".format(COLLECTION_VERSION, requests.__version__),
        })
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override a Session's own verify,
        # which would silently ignore ca_path and validate_certs.
        self._verify = (ca_path or True) if validate_certs else False

    # -- transport ---------------------------------------------------------

    def request(self, method, path, params=None, body=None):
        """Send one API call, retrying what SEMANTICS.md says is worth retrying; return the JSON body."""
        url = self.api_url + path
        if params:
            params = {key: query_value(value) for key, value in params.items() if value is not None}
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._session.request(method, url, params=params, json=body, timeout=self.timeout, verify=self._verify)
            except requests.exceptions.SSLError as exc:
                raise AstroTransportError(method, path, "TLS verification failed ({0}); set ca_path to the CA bundle "
                                          "that signed the API's certificate".format(exc), attempt)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt > self.max_retries:
                    raise AstroTransportError(method, path, describe_transport_error(exc, self.timeout), attempt)
                self._sleep(backoff_delay(attempt))
                continue
            if response.status_code in RETRY_STATUSES and attempt <= self.max_retries:
                self._sleep(retry_delay(attempt, response.headers.get("Retry-After")))
                continue
            if response.status_code >= 400:
                raise AstroAPIError.from_response(method, path, response, attempt)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise AstroTransportError(method, path, "the answer was not JSON (HTTP {0}, {1!r})".format(
                    response.status_code, response.text[:200]), attempt)

    def list_all(self, path, items_key, params=None):
        """Every item of a paginated list, in the largest pages the API allows: ceil(n/1000) requests."""
        params = dict(params or {}, offset=0, limit=MAX_PAGE_SIZE)
        items = []
        while True:
            page = self.request("GET", path, params=params)
            batch = page.get(items_key) or []
            items.extend(batch)
            if not batch or len(items) >= page.get("totalCount", 0):
                return items
            params["offset"] = len(items)

    def org_path(self, *segments):
        return "/organizations/" + "/".join(path_segment(s) for s in (self.organization_id,) + segments)

    # -- resources (shapes as in openapi.yaml) -----------------------------

    def get_token(self, token_id):
        return self.request("GET", self.org_path("tokens", token_id))

    def list_tokens(self, workspace_id=None, deployment_id=None, organization_only=None):
        params = {"workspaceId": workspace_id, "deploymentId": deployment_id,
                  "includeOnlyOrganizationTokens": organization_only}
        return self.list_all(self.org_path("tokens"), "tokens", params)

    def replace_token_roles(self, token_id, roles):
        """POST the token's WHOLE role list: whatever is left out is removed (no precondition exists)."""
        return self.request("POST", self.org_path("tokens", token_id, "roles"), body={"roles": roles})

    def list_workspaces(self, names=None, workspace_ids=None):
        return self.list_all(self.org_path("workspaces"), "workspaces", {"names": names, "workspaceIds": workspace_ids})

    def list_deployments(self, names=None, workspace_ids=None, deployment_ids=None):
        params = {"names": names, "workspaceIds": workspace_ids, "deploymentIds": deployment_ids}
        return self.list_all(self.org_path("deployments"), "deployments", params)

    def list_custom_roles(self, scope_types=None):
        return self.list_all(self.org_path("roles"), "roles", {"scopeTypes": scope_types})


def backoff_delay(attempt):
    """Exponential backoff with full jitter, so parallel forks do not retry in step."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def retry_delay(attempt, retry_after):
    """Honour Retry-After (seconds or an HTTP date), capped, with a little jitter on top."""
    seconds = parse_retry_after(retry_after)
    if seconds is None:
        return backoff_delay(attempt)
    seconds = min(seconds, MAX_RETRY_AFTER)
    return seconds + random.uniform(0, min(1.0, 0.1 * seconds))


def parse_retry_after(value):
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def describe_transport_error(exc, timeout):
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer within timeout={0}s ({1})".format(timeout, type(exc).__name__)
    return "connection failed ({0}: {1})".format(type(exc).__name__, exc)


def astro_client(module):
    """An AstroClient from a module's connection options; raises AstroConfigError on bad ones."""
    params = module.params
    if not params["validate_certs"]:
        module.warn("validate_certs is false: the Astro API's TLS certificate is not checked, so the API token "
                    "can be intercepted. Prefer ca_path for a private CA.")
    return AstroClient(**{name: params[name] for name in AUTH_OPTION_NAMES})
