# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of the collection: session, auth, retries, pagination, errors.

It knows the Astro API's transport rules (docs/astro-api/SEMANTICS.md) and nothing
about roles or modules; callers get plain dicts shaped as in openapi.yaml.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

try:
    import requests
    from urllib3.util import parse_url
except ImportError:
    requests = parse_url = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible.module_utils.basic import AnsibleFallbackNotFound, missing_required_lib
from ansible_collections.astro.platform.plugins.module_utils.errors import (
    AstroAPIError,
    AstroConfigError,
    AstroInputError,
    AstroTransportError,
    possibly_applied,
)
from ansible_collections.astro.platform.plugins.module_utils.request_budget import PAGE_SIZE_MEMORY, RATE_WINDOW, RequestBudget

# Sent in the User-Agent; tests/collection checks it against galaxy.yml.
COLLECTION_VERSION = "1.0.0"
# How the Astro CLI and the Terraform provider name themselves to the API (SEMANTICS.md "Client identification").
CLIENT_IDENTIFIER = "astro.platform"
DEFAULT_API_URL = "https://api.astronomer.io/v1"
MAX_PAGE_SIZE = 1000
# The largest page the Astro CLI asks for tokens; asked instead when the API refuses MAX_PAGE_SIZE (SEMANTICS.md).
FALLBACK_PAGE_SIZE = 100
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Answers that say the request was not carried out. A lost answer leaves that open, and so do a gateway's 502, 503
# and 504: a 503 can come from a gateway after the backend made the token (issue 23), so a create is not re-sent on it.
NOT_APPLIED_STATUSES = frozenset((429,))
# Answers to a write that may have been carried out all the same (a gateway answering for a backend that may have).
MAYBE_APPLIED_STATUSES = frozenset((502, 503, 504))
# urllib3's reasons for a connection that never reached the server: a write that failed so was not sent.
NOT_SENT_REASONS = ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")
# A Retry-After beyond this is not worth blocking a playbook for; we cap it.
MAX_RETRY_AFTER = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# No answer of the API comes near this (a page of 1 000 tokens with their roles is a few MB): a bigger one is
# refused as it arrives, so a broken or hostile server cannot make the controller hold it all in memory.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
ANSWER_CHUNK_BYTES = 1024 * 1024
MASK = "********"
# The value of a `token` field (JSON, escaped JSON inside a message, YAML or a query string): how a create or
# rotate answer carries a new secret, and so how a gateway that quotes the upstream answer would echo it.
SECRET_FIELD = re.compile(r"""(?i)(\btoken\\*["']?\s*[:=]\s*\\*["']?)([^\s"'\\,;&}\]]+)""")

# The connection options of every module and of the inventory plugin (doc fragment astro.platform.astro), each with
# what it is when not set, or set to the empty string (AWX injects '' for a credential field left empty, and an
# empty environment variable is how a shell unsets a value in a job template). The one home of their defaults.
CONNECTION_DEFAULTS = dict(api_token=None, organization_id=None, api_url=DEFAULT_API_URL, validate_certs=True,
                           ca_path=None, timeout=30.0, max_retries=5)


def set_env_fallback(*names):
    """The first of these environment variables that is set and not empty (an argument_spec fallback)."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def astro_argument_spec():
    """The connection options every module shares (see doc fragment astro.platform.astro)."""
    return dict(
        api_token=dict(type="str", no_log=True, fallback=(set_env_fallback, ["ASTRO_API_TOKEN"])),
        organization_id=dict(type="str", fallback=(set_env_fallback, ["ASTRO_ORGANIZATION_ID"])),
        api_url=dict(type="str", default=CONNECTION_DEFAULTS["api_url"], fallback=(set_env_fallback, ["ASTRO_API_URL"])),
        validate_certs=dict(type="bool", default=CONNECTION_DEFAULTS["validate_certs"]),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=CONNECTION_DEFAULTS["timeout"]),
        max_retries=dict(type="int", default=CONNECTION_DEFAULTS["max_retries"]),
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


def unset(value):
    """None and the empty string both mean that an option was not set."""
    return value is None or value == ""


def connection_options(options):
    """The connection options with every unset one (None or '') replaced by its default."""
    return {name: default if unset(options.get(name)) else options.get(name) for name, default in CONNECTION_DEFAULTS.items()}


def token_problem(api_token):
    """What makes a token unusable in an HTTP header, in words that never quote it; None when it is fine.

    A header value must be visible ASCII: requests refuses anything else with an error that quotes
    the whole header, and Ansible's no_log masking does not recognise the token in that escaped form.
    """
    if api_token.endswith(("\n", "\r")):
        return ("ends with a line break; strip it (a token file saved with Windows line endings, a YAML '|' block "
                "or a pasted value adds one)")
    if api_token != api_token.strip():
        return "starts or ends with whitespace; strip it"
    bad = [index for index, char in enumerate(api_token) if not "!" <= char <= "~"]
    if bad:
        return ("contains {0} character(s) that are not visible ASCII (whitespace, a line break, a control or non-ASCII "
                "character), first at position {1} of {2}; an Astro API token has none".format(len(bad), bad[0] + 1, len(api_token)))
    return None


def is_loopback_host(host):
    """localhost or a loopback address (127.0.0.0/8, ::1): traffic that never leaves the machine."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(api_url):
    """The host a request to api_url connects to, as the transport (urllib3, under requests) parses it.

    urllib.parse reads some URLs otherwise: http://evil.example\\@localhost/v1 is localhost to it and
    evil.example to urllib3. Without requests nothing is sent, and urllib.parse's reading is as good as any.
    """
    if parse_url is None:
        return urlsplit(api_url or "").hostname
    try:
        host = parse_url(api_url or "").host
    except ValueError:
        return None
    return host[1:-1] if host and host.startswith("[") else host


def sends_token_in_clear(api_url):
    """Whether the token would cross a network unencrypted: http:// to anything but the machine itself."""
    return urlsplit(api_url or "").scheme.lower() == "http" and not is_loopback_host(url_host(api_url))


def connection_warnings(options):
    """Warnings about connection options that expose the token; options as connection_options() returns them."""
    warnings = []
    if not options["validate_certs"]:
        warnings.append("validate_certs is false: the Astro API's TLS certificate is not checked, so the API token "
                        "can be intercepted. Prefer ca_path for a private CA.")
    if sends_token_in_clear(options["api_url"]):
        warnings.append("api_url {0} is plain http:// to a host that is not this machine: the API token travels in clear "
                        "text and anyone on the network path can read it. Use https://.".format(options["api_url"]))
    return warnings


def client_from_options(options, warn, note=None):
    """An AstroClient from the connection options of a module or the inventory plugin, after warning through warn()."""
    options = connection_options(options)
    for warning in connection_warnings(options):
        warn(warning)
    return AstroClient(note=note, **options)


def without_secret_fields(text):
    """text with the value of every `token` field masked: a secret the client never saw whole (see SECRET_FIELD)."""
    return SECRET_FIELD.sub(lambda match: match.group(1) + MASK, text)


def read_answer(response):
    """The answer's body, read as it arrives up to MAX_ANSWER_BYTES; None (the connection closed) beyond that.

    Kept where requests keeps a body it read itself, so response.content, .text and .json() give it as usual.
    """
    chunks, size = [], 0
    for chunk in response.iter_content(ANSWER_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            response.close()
            return None
        chunks.append(chunk)
    response._content = b"".join(chunks)  # pylint: disable=protected-access  # what requests itself sets on reading
    return response.content


def query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class AstroClient:
    """A requests session bound to one organization of one Astro API."""

    def __init__(self, api_token=None, organization_id=None, api_url=None, validate_certs=None,
                 ca_path=None, timeout=None, max_retries=None, sleep=time.sleep, note=None, budget_dir=None):
        """Options left out (None) or empty take their CONNECTION_DEFAULTS value.

        note(text): told what a user may want to know but need not act on (a page size the API refused);
        budget_dir: where the request budget shared with this controller's other processes lives (default: the
        lock directory, ASTRO_LOCK_DIR).
        """
        if requests is None:
            raise AstroConfigError(missing_required_lib("requests"))
        options = connection_options(dict(api_token=api_token, organization_id=organization_id, api_url=api_url,
                                          validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, max_retries=max_retries))
        api_token, organization_id, api_url = options["api_token"], options["organization_id"], options["api_url"]
        validate_certs, ca_path, timeout, max_retries = (options["validate_certs"], options["ca_path"], options["timeout"],
                                                         options["max_retries"])
        if not api_token:
            raise AstroConfigError("No Astro API token: set the api_token option or the ASTRO_API_TOKEN environment variable.")
        problem = token_problem(api_token)
        if problem:
            raise AstroConfigError("The Astro API token (api_token or ASTRO_API_TOKEN) " + problem + ".")
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
        # (method, path) of every write attempt whose answer never came, or came from a gateway (502/503/504): it may
        # land later (role_edit holds the token until it cannot, before anyone writes it again).
        self.unanswered = []
        self._sleep = sleep
        self._note = note or (lambda text: None)
        self._token = api_token
        self.budget = RequestBudget(self.api_url, api_token, budget_dir, sleep=sleep)
        # The API token and every secret a create or rotate of this client answered: masked in every message.
        self._secrets = [api_token]
        self._session = requests.Session()
        self._session.headers.update({
            "Authorization": "Bearer " + api_token,
            "Accept": "application/json",
            "User-Agent": "astro.platform/{0} python-requests/{1}".format(COLLECTION_VERSION, requests.__version__),
            "X-Astro-Client-Identifier": CLIENT_IDENTIFIER,
            "X-Astro-Client-Version": COLLECTION_VERSION,
        })
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override a Session's own verify,
        # which would silently ignore ca_path and validate_certs.
        self._verify = (ca_path or True) if validate_certs else False

    # -- transport ---------------------------------------------------------

    def request(self, method, path, params=None, body=None, retry_unanswered=True):
        """Send one API call, retrying what SEMANTICS.md says is worth retrying; return the JSON body.

        retry_unanswered=False: for a write that must not happen twice (a create), retry only answers that say it
        was not carried out (429, 503); a lost answer, a timeout, 502 or 504 fail at once.
        Every attempt first waits for its turn in the token's request budget; a 429 holds off every process of this
        controller that uses the token, for Retry-After or, without one, long enough to clear the limit's window.
        """
        url = self.api_url + path
        if params:
            params = {key: query_value(value) for key, value in params.items() if value is not None}
        is_write = method != "GET"
        unanswered_before = len(self.unanswered)
        attempt = 0
        while True:
            attempt += 1
            self.budget.wait_turn(method)
            try:
                response = self._session.request(method, url, params=params, json=body, timeout=self.timeout, verify=self._verify,
                                                 stream=True)
                content = read_answer(response)
            except requests.exceptions.SSLError as exc:
                raise AstroTransportError(method, path, self._without_token(
                    "TLS verification failed ({0}); set ca_path to the CA bundle that signed the API's certificate".format(exc)), attempt)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if is_write and may_have_been_sent(exc):
                    self.unanswered.append((method, path))
                if attempt > self.max_retries or not retry_unanswered:
                    error = AstroTransportError(method, path, self._without_token(describe_transport_error(exc, self.timeout)), attempt)
                    raise self._truthful(error, unanswered_before)
                self._sleep(backoff_delay(attempt))
                continue
            except requests.exceptions.RequestException as exc:
                # Not worth retrying (a bad URL or header, say); such errors may quote the headers, so never their text.
                raise AstroTransportError(method, path, "the request could not be sent ({0}); check api_url and api_token".format(
                    type(exc).__name__), attempt)
            if is_write and response.status_code in MAYBE_APPLIED_STATUSES:
                self.unanswered.append((method, path))
            if content is None:
                raise AstroTransportError(method, path, "the answer (HTTP {0}) is larger than {1} bytes, more than any Astro API "
                                          "answer; nothing more of it was read".format(response.status_code, MAX_ANSWER_BYTES), attempt)
            retryable = RETRY_STATUSES if retry_unanswered else NOT_APPLIED_STATUSES
            if response.status_code in retryable and attempt <= self.max_retries:
                delay = retry_delay(attempt, response.headers.get("Retry-After"), response.status_code)
                if response.status_code == 429:
                    # The next attempt's turn comes after the pause, and so does every other fork's.
                    self.budget.hold_off(method, delay)
                else:
                    self._sleep(delay)
                continue
            if response.status_code >= 400:
                raise self._truthful(AstroAPIError.from_response(method, path, response, attempt, mask=self._without_token),
                                     unanswered_before)
            if not content:
                return None
            try:
                answer = response.json()
            except ValueError:
                raise AstroTransportError(method, path, "the answer was not JSON (HTTP {0}, {1!r})".format(
                    response.status_code, self._without_token(response.text)[:200]), attempt)
            self._remember_secret(answer)
            return answer

    def _remember_secret(self, answer):
        """A create or rotate answer's new secret joins the ones masked in every later message of this client."""
        if isinstance(answer, dict) and isinstance(answer.get("token"), str) and answer["token"]:
            self._secrets.append(answer["token"])

    def _truthful(self, error, unanswered_before):
        """The error of a write some attempt of which may have landed says so (not a plain failure)."""
        if len(self.unanswered) > unanswered_before:
            possibly_applied(error)
        return error

    def unanswered_writes(self, path, since=0):
        """How many write attempts to `path` (a path of org_path) went unanswered since `since` (a len(self.unanswered))."""
        return sum(1 for _method, written in self.unanswered[since:] if written == path)

    def _without_token(self, text):
        """text with the API token and the run's new secrets blanked out, whole or escaped, and any `token` field's
        value; done before any clipping, so that no part of a secret is left at a cut."""
        for secret in self._secrets:
            for form in (secret, repr(secret)[1:-1]):
                text = text.replace(form, MASK)
        return without_secret_fields(text)

    def pages(self, path, items_key, params=None):
        """Each page of a paginated list, in the largest pages the API allows: ceil(n/1000) requests.

        Astro does not publish its largest page (SEMANTICS.md "Pagination"): when it refuses 1000, pages of 100
        are asked instead, by every process of this controller from then on (the budget remembers it), and note()
        says so, once.
        """
        size = self.budget.page_size(items_key, MAX_PAGE_SIZE)
        params = dict(params or {}, offset=0, limit=size)
        seen = 0
        while True:
            try:
                page = self.request("GET", path, params=params)
            except AstroAPIError as exc:
                if params["limit"] <= FALLBACK_PAGE_SIZE or not refuses_page_size(exc):
                    raise
                self.budget.remember_page_size(items_key, FALLBACK_PAGE_SIZE)
                self._note("The Astro API refused pages of {0} {1} ({2}); pages of {3} are asked from now on by this "
                           "controller (for {4} hours).".format(
                               params["limit"], items_key, exc.api_message, FALLBACK_PAGE_SIZE, int(PAGE_SIZE_MEMORY // 3600)))
                params["limit"] = FALLBACK_PAGE_SIZE
                continue
            yield page
            batch = page.get(items_key) or []
            seen += len(batch)
            if not batch or seen >= page.get("totalCount", 0):
                return
            params["offset"] = seen

    def list_all(self, path, items_key, params=None):
        """Every item of a paginated list."""
        return [item for page in self.pages(path, items_key, params) for item in page.get(items_key) or []]

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
        """POST the token's WHOLE role list: whatever is left out is removed (no precondition exists).

        Retried like a read after a dropped connection or a 502/504: the body is the whole list, so a second
        POST of it leaves the token as one would (idempotent), and role_edit's verifying read catches another
        writer that came in between.
        """
        return self.request("POST", self.org_path("tokens", token_id, "roles"), body={"roles": roles})

    def list_teams(self, names=None, workspace_id=None, deployment_id=None):
        """Teams, each with its whole role set (organizationRole, workspaceRoles, deploymentRoles, dagRoles)."""
        params = {"names": names, "workspaceId": workspace_id, "deploymentId": deployment_id}
        return self.list_all(self.org_path("teams"), "teams", params)

    def get_team(self, team_id):
        return self.request("GET", self.org_path("teams", team_id))

    def list_team_members(self, team_id):
        return self.list_all(self.org_path("teams", team_id, "members"), "teamMembers")

    def replace_team_roles(self, team_id, role_set):
        """POST the team's WHOLE role set (organizationRole, workspaceRoles, deploymentRoles, dagRoles): whatever is
        left out is removed. Retried like replace_token_roles, and for the same reason: a second POST of a whole set
        leaves the team as one would."""
        return self.request("POST", self.org_path("teams", team_id, "roles"), body=role_set)

    def list_users(self, workspace_id=None, deployment_id=None):
        """The Organization's users, each with its whole role set; ListUsers has no e-mail filter."""
        params = {"workspaceId": workspace_id, "deploymentId": deployment_id}
        return self.list_all(self.org_path("users"), "users", params)

    def get_user(self, user_id):
        return self.request("GET", self.org_path("users", user_id))

    def replace_user_roles(self, user_id, role_set):
        """POST the user's WHOLE role set, as replace_team_roles does for a team."""
        return self.request("POST", self.org_path("users", user_id, "roles"), body=role_set)

    def list_workspaces(self, names=None, workspace_ids=None):
        return self.list_all(self.org_path("workspaces"), "workspaces", {"names": names, "workspaceIds": workspace_ids})

    def list_deployments(self, names=None, workspace_ids=None, deployment_ids=None):
        params = {"names": names, "workspaceIds": workspace_ids, "deploymentIds": deployment_ids}
        return self.list_all(self.org_path("deployments"), "deployments", params)

    def list_roles(self, scope_types=None):
        """(custom roles, default roles) of those scopes: the Astro CLI's includeDefaultRoles=true look-up.

        Astro answers the default roles in `defaultRoles` of every page; the first page's are kept.
        """
        custom, default = [], None
        for page in self.pages(self.org_path("roles"), "roles", {"scopeTypes": scope_types, "includeDefaultRoles": True}):
            custom.extend(page.get("roles") or [])
            if default is None:
                default = page.get("defaultRoles") or []
        return custom, default or []

    def create_token(self, name, scope, role, entity_id=None, description=None, expiry_days=None):
        """POST a new token; the answer's `token` is its secret, shown this once. Never retried unanswered (nor on a
        503): a create whose answer was lost may have happened, and a second one would make a second token;
        token_lifecycle looks the token up by name instead."""
        body = {"name": name, "scope": scope, "role": role, "entityId": entity_id, "description": description,
                "tokenExpiryPeriodInDays": expiry_days}
        body = {key: value for key, value in body.items() if value is not None}
        return self.request("POST", self.org_path("tokens"), body=body, retry_unanswered=False)

    def update_token(self, token_id, name, description):
        """Name and description are all UpdateApiToken changes; both are sent, so neither is left to a default
        (and a retry after a lost answer sets the same two values again: safe)."""
        return self.request("POST", self.org_path("tokens", token_id), body={"name": name, "description": description})

    def rotate_token(self, token_id):
        """A new secret (the answer's `token`); the old one stops working. A retry after a lost answer rotates
        again, which leaves the secret of the last answer the valid one."""
        return self.request("POST", self.org_path("tokens", token_id, "rotate"))

    def delete_token(self, token_id):
        return self.request("DELETE", self.org_path("tokens", token_id))


def backoff_delay(attempt):
    """Exponential backoff with full jitter, so parallel forks do not retry in step."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def rate_limited_delay(attempt):
    """A 429 without Retry-After: at least the limit's one-second window, doubling, with jitter so forks spread out.

    A quick retry (the full-jitter backoff's first tries are a fraction of a second) lands in the same window and is
    refused again; the first pause alone clears it.
    """
    seconds = min(BACKOFF_CAP, RATE_WINDOW * 2 ** (attempt - 1))
    return seconds + random.uniform(0, 0.25 * seconds)


def retry_delay(attempt, retry_after, status=None):
    """Honour Retry-After (seconds or an HTTP date), capped, with a little jitter on top; without it, a 429 waits
    out the rate limit's window and anything else backs off."""
    seconds = parse_retry_after(retry_after)
    if seconds is None:
        return rate_limited_delay(attempt) if status == 429 else backoff_delay(attempt)
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


def refuses_page_size(exc):
    """Whether an API error is a 400 about the page size asked for (its field errors or message name `limit`)."""
    if exc.status != 400:
        return False
    if any((field_error or {}).get("field") == "limit" for field_error in exc.field_errors):
        return True
    return "limit" in (exc.api_message or "").lower()


def may_have_been_sent(exc):
    """Whether a request that raised `exc` may have reached the server: all but a connection never made."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ not in NOT_SENT_REASONS


def describe_transport_error(exc, timeout):
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer within timeout={0}s ({1})".format(timeout, type(exc).__name__)
    return "connection failed ({0}: {1})".format(type(exc).__name__, exc)


def astro_client(module):
    """An AstroClient from a module's connection options; raises AstroConfigError on bad ones.

    Its notes are shown from -v on: a module can only show text through warnings (or its result).
    """
    def note(text):
        if module._verbosity >= 1:
            module.warn(text)
    return client_from_options(module.params, module.warn, note)
