# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the api_token module decides about one token's life, and the one place a secret is written.

All of it but SecretFile is pure (no HTTP, no files), so unit tests cover it directly. Tokens are
ApiToken dicts of openapi.yaml; the secret (`token`) of a create or rotate answer never reaches
these helpers except SecretFile.commit.
"""

from __future__ import annotations

import datetime
import os
import tempfile

from ansible_collections.astro.platform.plugins.module_utils.errors import AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.role_list import own_role_entry

# The Astro CLI's --expiration range (days).
MIN_EXPIRY_DAYS = 1
MAX_EXPIRY_DAYS = 3650


def check_expiry_days(days):
    if days is not None and not MIN_EXPIRY_DAYS <= days <= MAX_EXPIRY_DAYS:
        raise AstroInputError("expiry_days is {0}; it must be {1} to {2} days, or left out for a token that never expires.".format(
            days, MIN_EXPIRY_DAYS, MAX_EXPIRY_DAYS))


def check_rotate_after_days(days):
    if days is not None and days < 1:
        raise AstroInputError("rotate_after_days is {0}; it must be 1 or more (use rotate: true to rotate now).".format(days))


def parse_time(value):
    """An API time ("2024-05-12T16:20:00Z", fractions and offsets accepted) as an aware datetime, or None."""
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def own_entity_id(token):
    """The Organization, Workspace or Deployment the token is scoped to (the entity of its own role)."""
    entry = own_role_entry(token)
    return entry.get("entityId") if entry else None


def own_role(token):
    entry = own_role_entry(token)
    return entry.get("role") if entry else None


def expiry_days_of(token):
    """The token's lifetime in days as set at creation, or None when it never expires."""
    if token.get("expiryPeriodInDays") is not None:
        return token["expiryPeriodInDays"]
    start, end = parse_time(token.get("startAt") or token.get("createdAt")), parse_time(token.get("endAt"))
    if end is None:
        return None
    return int(round((end - start).total_seconds() / 86400.0)) if start else -1


def describe_expiry(days):
    return "never expires" if days is None else "expires {0} days after creation".format(days)


def check_expiry_unchanged(token, wanted_days):
    """Expiry is set at creation only (the update call has none): a difference is never ignored nor re-created silently."""
    current = expiry_days_of(token)
    if current != wanted_days:
        raise AstroInputError(
            "Token {0} ({1}) {2}, but the task asks that it {3}. The Astro API sets expiry at creation only. "
            "To change it, delete the token (state: absent) and create it again, which gives it a new secret; "
            "to keep it, set expiry_days to {4}.".format(
                token.get("id"), shown(token.get("name") or ""), describe_expiry(current), describe_expiry(wanted_days),
                "the token's value ({0})".format(current) if current is not None else "nothing (leave it out)"))


def secret_set_at(token):
    """When the token's current secret was made: its last rotation, or else its creation."""
    return parse_time(token.get("lastRotatedAt")) or parse_time(token.get("createdAt"))


def secret_older_than(token, days, now):
    """Whether the current secret is more than `days` days old at `now` (an aware datetime)."""
    set_at = secret_set_at(token)
    return set_at is None or now - set_at > datetime.timedelta(days=days)


def matching_tokens(tokens, name, scope, entity_id):
    """The tokens of that name, scope and own Workspace or Deployment (names are not unique)."""
    return [t for t in tokens if t.get("name") == name and t.get("scope") == scope and own_entity_id(t) == entity_id]


def only_token(matches, name, scope, entity_id):
    """The one match, None for none; several fail, listing them, since an unattended run must not guess."""
    if len(matches) <= 1:
        return matches[0] if matches else None
    raise AstroInputError("{0} {1} tokens of {2} are named {3}; set token_id to the one this task is about: {4}.".format(
        len(matches), scope, entity_id, shown(name), "; ".join(
            "{0} (description {1!r}, created {2})".format(t.get("id"), t.get("description") or "", t.get("createdAt"))
            for t in matches)))


def check_token_is(token, scope, entity_id):
    """A token addressed by ID must be of the task's scope (and its Workspace or Deployment, when the task names one)."""
    if token.get("scope") != scope:
        raise AstroInputError("Token {0} ({1}) has scope {2}; this task is about a token of scope {3}. "
                              "Set scope to {4}.".format(token.get("id"), shown(token.get("name") or ""), token.get("scope"),
                                                         scope, str(token.get("scope")).lower()))
    if entity_id and own_entity_id(token) != entity_id:
        raise AstroInputError("Token {0} ({1}) belongs to {2} {3}, not to {2} {4}.".format(
            token.get("id"), shown(token.get("name") or ""), scope.capitalize(), own_entity_id(token), entity_id))


def render_token(token, secret_note):
    """The token as the diff shows it, one fact a line; never the secret, only when it was made."""
    if token is None:
        return ""
    lines = [
        ("name", token.get("name")),
        ("scope", "{0} {1}".format(token.get("scope"), own_entity_id(token) or "")),
        ("description", token.get("description") or ""),
        ("role", own_role(token)),
        ("expiry", describe_expiry(expiry_days_of(token))),
        ("secret", secret_note),
    ]
    return "".join("{0}: {1}\n".format(key, value) for key, value in lines)


class SecretFile:
    """Writes a secret to `path` with mode 0600, atomically: a temporary file in the same directory, then os.replace.

    prepare() makes the temporary file before the API call that makes the secret, so a path that cannot be
    written fails before anything is created or rotated; commit() writes and moves it in place; discard()
    removes it when the API call failed.
    """

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.directory = os.path.dirname(self.path)
        self._fd = self._temp = None

    def check(self):
        """Fail early on a path that cannot take the file (checked again, for real, by prepare())."""
        if os.path.isdir(self.path):
            raise AstroInputError("secret_file {0} is a directory; give the path of the file to write.".format(shown(self.path)))
        if not os.path.isdir(self.directory):
            raise AstroInputError("secret_file {0}: the directory {1} does not exist.".format(shown(self.path), shown(self.directory)))
        if not os.access(self.directory, os.W_OK | os.X_OK):
            raise AstroInputError("secret_file {0}: the directory {1} is not writable.".format(shown(self.path), shown(self.directory)))

    def prepare(self):
        self.check()
        try:
            # mkstemp creates the file with mode 0600, readable by its owner only from the first byte on.
            self._fd, self._temp = tempfile.mkstemp(dir=self.directory, prefix="." + os.path.basename(self.path) + ".", suffix=".tmp")
        except OSError as exc:
            raise AstroInputError("secret_file {0} cannot be written: {1}.".format(shown(self.path), exc.strerror))

    def commit(self, secret):
        try:
            data = secret.encode("utf-8")
            while data:
                data = data[os.write(self._fd, data):]
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            os.replace(self._temp, self.path)
            self._temp = None
        finally:
            self.discard()

    def discard(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._temp is not None:
            try:
                os.unlink(self._temp)
            except OSError:
                pass
            self._temp = None
