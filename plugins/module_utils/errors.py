# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors that stop a module. Each knows how to become fail_json() arguments."""

from __future__ import annotations


def clip(text, limit):
    """Text cut short when it is very long, saying how long it was."""
    if len(text) <= limit:
        return text
    return "{0}... ({1} characters)".format(text[:limit], len(text))


def printable(text):
    """text (a name from the API or a declaration, a description, a path) as a line of a message, warning, diff, loop
    label or report may show it: every character str.isprintable refuses (control characters, DEL and C1, line and
    paragraph separators, zero-width and bidirectional formatting characters, the byte order mark) written as
    \\uXXXX, so it stays on its line, cannot move the cursor, recolour a terminal or forge a diff line, and reads as
    what it is. The collection's one escaping: shown() is the same, quoted."""
    text = "" if text is None else str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else "\\u{0:04x}".format(ord(char)) for char in text)


def quoted(text):
    """text quoted as Python's repr quotes a string (so an ordinary name reads the same), escaped as printable(); a
    value that is not a string (a bad input) as repr shows it. In full: shown() cuts a long one short."""
    if not isinstance(text, str):
        return repr(text)
    quote = '"' if "'" in text and '"' not in text else "'"
    body = text.replace("\\", "\\\\")
    if quote == "'":
        body = body.replace("'", "\\'")
    return quote + printable(body) + quote


class _Escaped:
    """A value in a message template: `{}` shows a string printable(), `{!r}` quoted(); other values as they are."""

    def __init__(self, value):
        self.value = value

    def __format__(self, spec):
        return format(printable(self.value) if isinstance(self.value, str) else self.value, spec)

    def __str__(self):
        return self.__format__("")

    def __repr__(self):
        return quoted(self.value)


def message(template, *args):
    """template.format(*args) with every string argument escaped (printable, or quoted for `{!r}`): names from the API
    or a declaration cannot break the line or act on a terminal, however the message was written."""
    return template.format(*(_Escaped(arg) for arg in args))


def shown(value, limit=80):
    """A value as a message shows it: a string quoted and escaped (quoted()), anything else as repr shows it; cut
    short when it is very long."""
    text = quoted(value) if isinstance(value, str) else repr(value)
    return text if len(value if isinstance(value, str) else text) <= limit else clip(text, limit)


STATUS_HINTS = {
    401: "the API token was refused: check the api_token option or ASTRO_API_TOKEN",
    # Astronomer's user permissions reference (docs/astro-api/SEMANTICS.md "Who may do what").
    403: ("the API token's role does not allow this: Organization API tokens are managed with ORGANIZATION_OWNER; "
          "Workspace API tokens also with WORKSPACE_OWNER or WORKSPACE_OPERATOR of their Workspace, and Deployment API "
          "tokens with WORKSPACE_OWNER of the Deployment's Workspace (a Workspace token changes only Deployment roles)"),
}


# The 403 of a team's or user's read or roles write (SEMANTICS.md "Teams and users, and their roles", who may do what).
PEOPLE_403_HINT = ("the API token's role does not allow this: the roles of teams and users are changed only with an Organization "
                   "API token with ORGANIZATION_OWNER; they are read with any Organization API token, or with a Workspace API "
                   "token with WORKSPACE_OWNER for the teams and users holding a role in its Workspace")


def status_hint(status, path):
    """What an error answer of that status to that path (a path of org_path) tells the user to check, or None."""
    if status == 403 and any(segment in ("teams", "users") for segment in (path or "").split("?")[0].split("/")[3:4]):
        return PEOPLE_403_HINT
    return STATUS_HINTS.get(status)


POSSIBLY_APPLIED = "may have been applied; run again to see"
# The version segment every path of the API is under (docs/astro-api/openapi.yaml, servers).
API_VERSION_SEGMENT = "/v1"


def context_hint(status, api_url=None, organization_id=None):
    """What the request was sent to, where that may be the cause: a 403 for the wrong Organization reads like a 403 for
    a role the token lacks, and a 404 for an api_url without its version like a missing object. Never the token."""
    if status == 403 and organization_id:
        return ("the request was for the Organization {0!r} (organization_id or ASTRO_ORGANIZATION_ID): check that it is "
                "the API token's Organization".format(organization_id))
    if status == 404 and api_url:
        base = _without_userinfo(api_url).rstrip("/")
        hint = "api_url was {0!r}".format(clip(base, 300))
        if not base.endswith(API_VERSION_SEGMENT):
            hint += ", which does not end with {0}: the Astro API is at https://api.astronomer.io/v1".format(API_VERSION_SEGMENT)
        return hint
    return None


def _without_userinfo(url):
    """url without a user:password@ part (it never belongs in a message)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    return scheme + sep + authority.rpartition("@")[2] + slash + path


class AstroError(Exception):
    """Anything that stops a module: configuration, transport or API errors."""

    # Raised after a write that may have landed (its answer lost, or a gateway's 502/503/504): not a plain failure.
    possibly_applied = False
    original_detail = None  # detail() before possibly_applied() rewrote the message

    def fail_kwargs(self):
        """Keyword arguments for AnsibleModule.fail_json(); possibly_applied=True tells a caller (the onboarding role)
        to relay "may have been applied", not "failed"."""
        kwargs = self.fail_fields()
        if self.possibly_applied:
            kwargs["possibly_applied"] = True
        return kwargs

    def fail_fields(self):
        return dict(msg=str(self))

    def detail(self):
        """What happened, for a message that begins with the write it happened to."""
        return self.original_detail or str(self)


def possibly_applied(error, what=None):
    """The error, raised after a write that may have landed, saying so first in its message and in fail_kwargs().

    what: the write, as the message names it; by default the request of an API or transport error.
    """
    if not error.possibly_applied:
        error.original_detail = error.detail()
        error.possibly_applied = True
        error.args = ("{0} {1}. {2}".format(what or request_of(error), POSSIBLY_APPLIED, error.original_detail),)
    return error


def request_of(error):
    """The request an API or transport error is about, as a message names it."""
    return "Astro API {0} {1}".format(error.method, clip(error.path, 300)) if hasattr(error, "method") else "The write"


class AstroConfigError(AstroError):
    pass


class AstroTransportError(AstroError):
    """No usable HTTP answer: connection refused or dropped, timeout, TLS failure."""

    def __init__(self, method, path, reason, attempts):
        self.method, self.path, self.reason, self.attempts = method, path, reason, attempts
        super().__init__("Astro API {0} {1} failed after {2} attempt(s): {3}".format(method, clip(path, 300), attempts, reason))

    def detail(self):
        return "No answer came after {0} attempt(s): {1}.".format(self.attempts, self.reason)

    def fail_fields(self):
        return dict(msg=str(self), method=self.method, path=self.path, attempts=self.attempts)


class AstroAPIError(AstroError):
    """An HTTP error answer of the Astro API, with everything support asks for."""

    def __init__(self, status, method, path, message, field_errors=None, request_id=None, attempts=1, api_url=None,
                 organization_id=None):
        self.status, self.method, self.path = status, method, path
        self.api_message, self.field_errors, self.request_id = message, field_errors or [], request_id
        self.attempts = attempts
        # The message text is clipped (an ID of 10 000 characters is echoed in both); the fields keep them whole. What
        # the server says is its data: escaped, so that it cannot break the line or act on a terminal.
        text = "Astro API {0} {1} answered {2}: {3}".format(method, printable(clip(path, 300)), status,
                                                            printable(clip(message or "(no message)", 1000)))
        for field_error in self.field_errors:
            text += "; field {0}: {1}".format(quoted(field_error.get("field")), printable(field_error.get("message")))
        hints = [hint for hint in (context_hint(status, api_url, organization_id), status_hint(status, path)) if hint]
        if hints:
            text += " ({0})".format("; ".join(hints))
        if attempts > 1:
            text += " after {0} attempts".format(attempts)
        text += " [requestId: {0}]".format(printable(request_id or "none"))
        super().__init__(text)

    @classmethod
    def from_response(cls, method, path, response, attempts, mask=str, api_url=None, organization_id=None):
        """The error of an answer; mask(text) blanks out the secrets in every text of it, before any clipping.
        api_url, organization_id: what the request was sent to, named by the hints of a 403 and a 404."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # Not an Astro error body (a proxy's HTML page, say): show its start, it is all we have.
            body = {"message": mask(response.text or response.reason or "")[:300]}
        message = body.get("message")
        message = None if message is None else mask(message if isinstance(message, str) else repr(message))
        field_errors = body.get("fieldErrors")
        if isinstance(field_errors, list):
            field_errors = [dict((key, mask(value) if isinstance(value, str) else value) for key, value in error.items())
                            if isinstance(error, dict) else error for error in field_errors]
        return cls(response.status_code, method, path, message, field_errors,
                   body.get("requestId") or response.headers.get("X-Request-Id"), attempts,
                   api_url=mask(api_url) if api_url else None, organization_id=organization_id)

    def fail_fields(self):
        return dict(msg=str(self), status=self.status, method=self.method, path=self.path,
                    api_message=self.api_message, field_errors=self.field_errors, request_id=self.request_id)


class AstroInputError(AstroError):
    """Bad module input, found before anything was written."""
