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


def shown(value, limit=80):
    """A value as a message shows it: quoted, and cut short when it is very long."""
    return repr(value) if len(value) <= limit else clip(repr(value), limit)


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

    def __init__(self, status, method, path, message, field_errors=None, request_id=None, attempts=1):
        self.status, self.method, self.path = status, method, path
        self.api_message, self.field_errors, self.request_id = message, field_errors or [], request_id
        self.attempts = attempts
        # The message text is clipped (an ID of 10 000 characters is echoed in both); the fields keep them whole.
        text = "Astro API {0} {1} answered {2}: {3}".format(method, clip(path, 300), status, clip(message or "(no message)", 1000))
        for field_error in self.field_errors:
            text += "; field {0!r}: {1}".format(field_error.get("field"), field_error.get("message"))
        hint = status_hint(status, path)
        if hint:
            text += " ({0})".format(hint)
        if attempts > 1:
            text += " after {0} attempts".format(attempts)
        text += " [requestId: {0}]".format(request_id or "none")
        super().__init__(text)

    @classmethod
    def from_response(cls, method, path, response, attempts, mask=str):
        """The error of an answer; mask(text) blanks out the secrets in every text of it, before any clipping."""
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
                   body.get("requestId") or response.headers.get("X-Request-Id"), attempts)

    def fail_fields(self):
        return dict(msg=str(self), status=self.status, method=self.method, path=self.path,
                    api_message=self.api_message, field_errors=self.field_errors, request_id=self.request_id)


class AstroInputError(AstroError):
    """Bad module input, found before anything was written."""
