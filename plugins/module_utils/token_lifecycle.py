# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One token's life as the api_token module runs it: create, update (name, description, own role, rotation), delete.

In three parts: the decisions, pure (no HTTP, no files), so unit tests cover them directly; SecretFile and
hand_over, the one place a secret leaves the module; and the steps that call the API (find, create, update,
delete), each given the AnsibleModule for check mode, warnings and no_log. Tokens are ApiToken dicts of
openapi.yaml; the secret (`token`) of a create or rotate answer reaches only hand_over and SecretFile.commit.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import secrets
import stat
import time

from ansible_collections.astro.platform.plugins.module_utils.entities import DEPLOYMENT, DEPLOYMENT_ADMIN, ORGANIZATION, SCOPE_OPTIONS, WORKSPACE
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroError, AstroInputError, message, shown
from ansible_collections.astro.platform.plugins.module_utils.file_safety import file_problem, path_problem
from ansible_collections.astro.platform.plugins.module_utils.resolve import (
    EntityNames,
    check_deployment_roles,
    id_option,
    refuse_blank,
    resolve_deployment,
    resolve_workspace_id,
)
from ansible_collections.astro.platform.plugins.module_utils.role_display import printable
from ansible_collections.astro.platform.plugins.module_utils.role_edit import (
    default_lock_dir,
    edit_warnings,
    lock_options,
    open_lock_dir,
    set_token_roles,
    settle_seconds_option,
)
from ansible_collections.astro.platform.plugins.module_utils.role_list import own_role_entry, with_role
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_own_role_name
from ansible_collections.astro.platform.plugins.module_utils.token_view import expiry_days_of, parse_time, token_details

# The Astro CLI's --expiration range (days).
MIN_EXPIRY_DAYS = 1
MAX_EXPIRY_DAYS = 3650

NO_SECRET_DESTINATION = (
    "This task would {0}, which makes a new secret that Astro shows only this once. Choose where it goes: set "
    "secret_file to a path on the host that runs the module (written with mode 0600), or set no_log: true on the "
    "task to get it as the result's `secret`. Nothing was created or rotated.")


# A token made this long before the create of a record was sent is not the one it sent (clocks may differ a little).
RECORD_CLOCK_SLACK = datetime.timedelta(minutes=10)


class Target:
    """The scope entity of the task: the Organization, or a Workspace or Deployment (ID; whether it is known to exist)."""

    def __init__(self, scope, entity_id, verified=False, workspace_id=None):
        self.scope, self.entity_id, self.verified, self.workspace_id = scope, entity_id, verified, workspace_id


def check_options(params):
    """Bad input that needs no API call, before any."""
    scope = SCOPE_OPTIONS[params["scope"]]
    refuse_blank(params["name"], "name")
    for option in ("workspace_name", "deployment_name", "secret_file"):
        refuse_blank(params[option], option)
    for option in ("token_id", "workspace_id", "deployment_id"):
        params[option] = id_option(params[option], option)  # lower-cased, as the Astro CLI takes IDs
    workspace_given = params["workspace_id"] or params["workspace_name"]
    deployment_given = params["deployment_id"] or params["deployment_name"]
    if scope == ORGANIZATION and (workspace_given or deployment_given):
        raise AstroInputError("An Organization token (scope: organization) belongs to no Workspace or Deployment; "
                              "leave out workspace_* and deployment_*, or set scope to workspace or deployment.")
    if scope == WORKSPACE and deployment_given:
        raise AstroInputError("A Workspace token (scope: workspace) belongs to no Deployment; leave out deployment_*, "
                              "or set scope: deployment.")
    if scope == DEPLOYMENT and params["deployment_id"] and workspace_given:
        raise AstroInputError("With scope: deployment, workspace_id or workspace_name only narrows a deployment_name "
                              "look-up; leave it out with deployment_id.")
    if not params["token_id"] and scope != ORGANIZATION and not (workspace_given if scope == WORKSPACE else deployment_given):
        what = "workspace_id or workspace_name" if scope == WORKSPACE else "deployment_id or deployment_name"
        raise AstroInputError("A {0} token is found and created in its {1}: set {2} (or token_id).".format(
            scope.capitalize(), scope.capitalize(), what))
    if params["role"] is not None:
        check_own_role_name(scope, params["role"])
    check_expiry_days(params["expiry_days"])
    check_rotate_after_days(params["rotate_after_days"])
    if params["rotate"] and params["rotate_after_days"]:
        raise AstroInputError("rotate: true rotates on every run and rotate_after_days only when the secret is older; set one of them.")
    if params["state"] == "absent" and (params["rotate"] or params["rotate_after_days"] or params["secret_file"]):
        raise AstroInputError("state: absent deletes the token; leave out rotate, rotate_after_days and secret_file.")
    return scope


def check_expiry_days(days):
    if days is not None and not MIN_EXPIRY_DAYS <= days <= MAX_EXPIRY_DAYS:
        raise AstroInputError("expiry_days is {0}; it must be {1} to {2} days, or left out for a token that never expires.".format(
            days, MIN_EXPIRY_DAYS, MAX_EXPIRY_DAYS))


def check_rotate_after_days(days):
    if days is not None and days < 1:
        raise AstroInputError("rotate_after_days is {0}; it must be 1 or more (use rotate: true to rotate now).".format(days))


def own_entity_id(token):
    """The Organization, Workspace or Deployment the token is scoped to (the entity of its own role)."""
    entry = own_role_entry(token)
    return entry.get("entityId") if entry else None


def own_role(token):
    entry = own_role_entry(token)
    return entry.get("role") if entry else None


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
            message("{0} (description {1!r}, created {2})", t.get("id"), t.get("description") or "", t.get("createdAt"))
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


def render_token(token, secret_line):
    """The token as the diff shows it, one fact a line; never the secret, only when it was made."""
    if token is None:
        return ""
    lines = [
        ("name", token.get("name")),
        ("scope", "{0} {1}".format(token.get("scope"), own_entity_id(token) or "")),
        ("description", token.get("description") or ""),
        ("role", own_role(token)),
        ("expiry", describe_expiry(expiry_days_of(token))),
        ("secret", secret_line),
    ]
    return "".join("{0}: {1}\n".format(key, printable(value)) for key, value in lines)  # a line break cannot forge a line


def predicted_token(params, target):
    """The token a create would make, as far as the task can tell before the API answers."""
    return dict(id=None, name=params["name"], description=params["description"] or "", scope=target.scope,
                roles=[dict(entityType=target.scope, entityId=target.entity_id, role=params["role"])],
                expiryPeriodInDays=params["expiry_days"])


def plan_update(params, token, now):
    """(fields of UpdateApiToken to set, own role to set or None, whether to rotate) for a found token."""
    update = {}
    if params["name"] is not None and params["name"] != token.get("name"):  # None: the token keeps its name
        update["name"] = params["name"]
    if params["description"] is not None and params["description"] != (token.get("description") or ""):
        update["description"] = params["description"]
    role = params["role"] if params["role"] is not None and params["role"] != own_role(token) else None
    rotate = bool(params["rotate"] or (params["rotate_after_days"] and secret_older_than(token, params["rotate_after_days"], now)))
    return update, role, rotate


def secret_note(token):
    """What the diff says of the current secret: when it was made, never its value."""
    made = secret_set_at(token)
    return "made {0}".format(made.strftime("%Y-%m-%dT%H:%M:%SZ")) if made else "made at an unknown time"


def public(token):
    """The token as the result shows it: never the secret."""
    if token is None:
        return None
    details = token_details(token)
    details["role"] = own_role(token)
    return details


class SecretKept(OSError):
    """The secret is written to the temporary file, which could not be moved to its place: it stays there."""

    def __init__(self, temp_path, cause):
        super().__init__(cause.errno, cause.strerror)
        self.temp_path = temp_path


class SecretFile:
    """Writes a secret to `path` with mode 0600, atomically: a temporary file in the same directory, then os.replace.

    check() refuses, before the API is asked for a secret, a path that cannot take the file or that another user could
    interfere with; prepare() makes the temporary file, through a descriptor of the directory that every later step
    uses, so a path that cannot be written fails before anything is created or rotated; commit() writes and moves it in
    place (when the move fails, the secret stays in the temporary file: SecretKept); discard() removes it when the API
    call failed. A relative path is taken against the working directory of the module (see the api_token action).
    """

    def __init__(self, path):
        self.given = path
        self.path = os.path.abspath(path)
        self.directory = os.path.dirname(self.path)
        self.name = os.path.basename(self.path)
        self._fd = self._dir_fd = self._temp = None

    def check(self):
        """Fail early on a path that cannot take the file, or is not safe from other users (checked again by prepare())."""
        if os.path.isdir(self.path):
            raise AstroInputError("secret_file {0} is a directory; give the path of the file to write.".format(shown(self.path)))
        if not os.path.isdir(self.directory):
            raise AstroInputError("secret_file {0}: the directory {1} does not exist.".format(shown(self.path), shown(self.directory)))
        if not os.access(self.directory, os.W_OK | os.X_OK):
            raise AstroInputError("secret_file {0}: the directory {1} is not writable.".format(shown(self.path), shown(self.directory)))
        problem = path_problem(self.directory)
        if problem:
            raise AstroInputError("Refusing secret_file {0}: {1}. Choose a directory of yours that only you may write to "
                                  "(mode 0700, say). Nothing was created or rotated.".format(shown(self.path), problem))
        problem = file_problem(self.path)
        if problem:
            raise AstroInputError("Refusing secret_file {0}: {1}; remove it or choose another path. Nothing was created or "
                                  "rotated.".format(shown(self.path), problem))

    def prepare(self):
        self.check()
        try:
            self._dir_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
            # Created with mode 0600, readable by its owner only from the first byte on; O_EXCL: never someone else's file.
            self._temp = ".{0}.{1}.tmp".format(self.name, secrets.token_hex(8))
            self._fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=self._dir_fd)
        except OSError as exc:
            self._temp = None
            self.discard()
            raise AstroInputError("secret_file {0} cannot be written: {1}.".format(shown(self.path), exc.strerror))

    def commit(self, secret):
        try:
            data = secret.encode("utf-8")
            while data:
                data = data[os.write(self._fd, data):]
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            try:
                os.replace(self._temp, self.name, src_dir_fd=self._dir_fd, dst_dir_fd=self._dir_fd)
            except OSError as exc:
                kept, self._temp = os.path.join(self.directory, self._temp), None  # the secret is there: never removed
                raise SecretKept(kept, exc)
            self._temp = None
        finally:
            self.discard()

    def discard(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._temp is not None:
            try:
                os.unlink(self._temp, dir_fd=self._dir_fd)
            except OSError:
                pass
            self._temp = None
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


@contextlib.contextmanager
def prepared(secret_file):
    """The secret file's temporary file exists before the first write, and is gone afterwards unless committed."""
    if secret_file is None:
        yield
        return
    secret_file.prepare()
    try:
        yield
    finally:
        secret_file.discard()


def secret_destination(module, action):
    """Where a new secret goes: a prepared SecretFile, or None for the result of a no_log task; else fail."""
    if module.params["secret_file"]:
        secret_file = SecretFile(module.params["secret_file"])
        secret_file.check()
        if not os.path.isabs(secret_file.given):  # on a remote host: the action makes a local one absolute
            module.warn("secret_file {0} is relative: it is taken against the module's working directory, as {1}.".format(
                shown(secret_file.given), shown(secret_file.path)))
        return secret_file
    if module.no_log:
        return None
    raise AstroInputError(NO_SECRET_DESTINATION.format(action))


def hand_over(module, result, answer, secret_file):
    """The one place a new secret leaves the module: to the file, or to the result of a no_log task."""
    secret = answer.pop("token")
    if secret_file is None:
        result["secret"] = secret  # module.no_log: Ansible censors this task's whole result in every output
        return
    # Masked wherever it could still appear in this module's output, as Ansible masks no_log options.
    module.no_log_values.add(secret)
    try:
        secret_file.commit(secret)
    except SecretKept as exc:
        raise AstroError("Token {0} has a new secret; it could not be moved to {1} ({2}), so it is kept in {3} (mode 0600): "
                         "move that file to where the secret belongs.".format(answer.get("id"), secret_file.path, exc.strerror,
                                                                              exc.temp_path))
    except OSError as exc:
        raise AstroError("Token {0} has a new secret, but writing it to {1} failed ({2}); the secret is lost. "
                         "Fix the file's place and re-run with rotate: true to give the token another one.".format(
                             answer.get("id"), secret_file.path, exc.strerror))
    result["secret_file"] = secret_file.path


# -- the steps that call the API --------------------------------------------------

def resolve_target(client, params, scope):
    if scope == ORGANIZATION:
        return Target(scope, client.organization_id, verified=True)
    workspace_id = resolve_workspace_id(client, params["workspace_id"], params["workspace_name"])
    if scope == WORKSPACE:
        return Target(scope, workspace_id, verified=bool(params["workspace_name"]), workspace_id=workspace_id)
    deployment_id, deployment_workspace = resolve_deployment(client, params["deployment_id"], params["deployment_name"], workspace_id)
    return Target(scope, deployment_id, verified=bool(params["deployment_name"]), workspace_id=deployment_workspace)


def find_token(client, params, target):
    """The token of the task, or None. By ID: one read (404 is None); by name: the list pages of its scope."""
    if params["token_id"]:
        try:
            token = client.get_token(params["token_id"])
        except AstroAPIError as exc:
            if exc.status == 404:
                return None
            raise
        check_token_is(token, target.scope, target.entity_id)
        return token
    if target.scope == ORGANIZATION:
        tokens = client.list_tokens(organization_only=True)
    elif target.scope == WORKSPACE:
        tokens = client.list_tokens(workspace_id=target.entity_id)
    else:
        tokens = client.list_tokens(deployment_id=target.entity_id)
    return only_token(matching_tokens(tokens, params["name"], target.scope, target.entity_id), params["name"], target.scope, target.entity_id)


def verify_target(client, target):
    """Fail clearly when the Workspace or Deployment given by ID does not exist; learn a Deployment's Workspace.

    One request, the list's ID filter: the look-up role_edit.check_entities_exist makes before a first role.
    """
    if target.verified and (target.scope != DEPLOYMENT or target.workspace_id):
        return
    ids = [target.entity_id]
    workspaces, deployments = EntityNames(client).look_up(checked_workspaces=ids if target.scope == WORKSPACE else (),
                                                          checked_deployments=ids if target.scope == DEPLOYMENT else ())
    found = [entity for entity in workspaces + deployments if entity.get("id") == target.entity_id]
    if not found:
        raise AstroInputError("{0} {1} does not exist in organization {2}.".format(
            "Workspace" if target.scope == WORKSPACE else "Deployment", target.entity_id, client.organization_id))
    target.verified = True
    if target.scope == DEPLOYMENT:
        target.workspace_id = found[0].get("workspaceId")


def check_role_usable(client, target, role, warn):
    """A Deployment role other than DEPLOYMENT_ADMIN must exist and be allowed in the Deployment's Workspace."""
    if target.scope != DEPLOYMENT or role == DEPLOYMENT_ADMIN:
        return
    verify_target(client, target)
    check_deployment_roles(client, [(role, target.workspace_id)], warn)


def create(module, client, params, target, result):
    if params["role"] is None:
        raise AstroInputError("No {0} token named {1} exists{2}; set role to create it.".format(
            target.scope, shown(params["name"]), "" if target.scope == ORGANIZATION else " in {0} {1}".format(target.scope.capitalize(), target.entity_id)))
    verify_target(client, target)
    check_role_usable(client, target, params["role"], module.warn)
    secret_file = secret_destination(module, "create the token")
    result.update(changed=True, actions=["create"], token=public(predicted_token(params, target)))
    result["diff"] = dict(before="", after=render_token(predicted_token(params, target), "new (created by this task)"))
    if module.check_mode:
        return
    record = CreateRecord(client, target, params["name"], params["lock_dir"])
    with prepared(secret_file):
        record.write()
        created = create_or_recover(module, client, params, target, result, record)
        hand_over(module, result, created, secret_file)
        record.remove()
    result["token"] = public(created)


def send_create(client, params, target, record):
    """The create's answer; an error that says it was not made removes the record (nothing to recover)."""
    try:
        return client.create_token(params["name"], target.scope, params["role"],
                                   entity_id=None if target.scope == ORGANIZATION else target.entity_id,
                                   description=params["description"], expiry_days=params["expiry_days"])
    except AstroError as exc:
        if not exc.possibly_applied:
            record.remove()
        raise


def create_or_recover(module, client, params, target, result, record, sleep=time.sleep):
    """The create's answer, with its secret. After a create that may have been applied (its answer lost, a gateway's
    502/503/504), the token is looked up by name before anything else: if it was made it is rotated (nobody has its
    secret), never made again; if not, it is created once more. The record stays while a token may lack a holder."""
    try:
        return send_create(client, params, target, record)
    except AstroError as exc:
        if not exc.possibly_applied:
            raise
        failure = exc
    # A create without answer (or answered by a gateway) may still land: look for it only once it cannot any more.
    sleep(settle_seconds_option(params["settle_seconds"]))
    made = find_token(client, params, target)
    if made is None:
        try:
            return send_create(client, params, target, record)
        except AstroError as exc:
            if exc.possibly_applied:
                error = AstroError(lost_create_message(params, exc))
                error.possibly_applied = True
                raise error
            raise
    why = "its create got no usable answer ({0}), but the token was made".format(failure.detail().rstrip("."))
    return rotate_lost_secret(module, client, params, made, result, why)


def lost_create_message(params, exc):
    return ("The create of token {0} may have been applied; run again to see. {1} The next run finds the token by name "
            "and, since nobody has its secret, rotates it so that the secret is handed over (set lost_secret: fail to be "
            "told instead).".format(shown(params["name"]), exc.detail()))


def rotate_lost_secret(module, client, params, token, result, why):
    """A token whose secret nobody has (its create answer was lost): rotated so the new secret can be handed over, or,
    with lost_secret: fail, a failure saying how to recover. Returns the rotate answer, with the secret."""
    who = "Token {0} ({1})".format(shown(token.get("name") or ""), token.get("id"))
    if params["lost_secret"] == "fail":
        raise AstroError("{0}: {1}; nobody has its secret. To recover, run again with lost_secret: rotate (or rotate: true) "
                         "and secret_file set, which gives it a new secret; or delete it (state: absent).".format(who, why))
    module.warn("{0}: {1}; nobody had its secret, so it was rotated and the new one handed over{2}.".format(
        who, why, " to " + params["secret_file"] if params["secret_file"] else " in the result"))
    result.update(changed=True, actions=["create", "rotate"] if "create" in result.get("actions", []) else ["rotate"],
                  secret_recovered=True)
    return client.rotate_token(token["id"])


class CreateRecord:
    """What a create sent, kept in the private lock directory from just before it is sent until its secret has been
    handed over. One left behind means a create whose answer never came: a later run that finds the token by name
    knows that nobody has its secret. It holds no secret: name, scope, entity and when the create was sent."""

    def __init__(self, client, target, name, lock_dir):
        key = "\n".join((client.api_url, client.organization_id, target.scope, target.entity_id or "", name))
        self.file_name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + ".create"
        self.lock_dir = lock_dir or default_lock_dir()
        self.fields = dict(name=name, scope=target.scope, entity_id=target.entity_id)

    @property
    def path(self):
        return os.path.join(self.lock_dir, self.file_name)

    def write(self):
        sent = dict(self.fields, sent_at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        dir_fd = open_lock_dir(self.lock_dir)
        try:
            fd = os.open(self.file_name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600, dir_fd=dir_fd)
        except OSError as exc:
            raise AstroError("Cannot write the create record {0} ({1}); nothing was created. Remove it, or set lock_dir (or "
                             "ASTRO_LOCK_DIR) to another directory.".format(self.path, exc.strerror))
        finally:
            os.close(dir_fd)
        with os.fdopen(fd, "w") as record:
            if not stat.S_ISREG(os.fstat(record.fileno()).st_mode):
                raise AstroError("Refusing the create record {0}: it is not a regular file. Remove it.".format(self.path))
            json.dump(sent, record)

    def read(self):
        """The record's fields ({} when it cannot be parsed), or None when there is none."""
        dir_fd = open_lock_dir(self.lock_dir)
        try:
            fd = os.open(self.file_name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AstroError("Cannot read the create record {0} ({1}); remove it.".format(self.path, exc.strerror))
        finally:
            os.close(dir_fd)
        with os.fdopen(fd) as record:
            info = os.fstat(record.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                raise AstroError("Refusing the create record {0}: it is not a regular file of this user. Remove it.".format(self.path))
            try:
                fields = json.loads(record.read(4096))
            except ValueError:
                return {}
        return fields if isinstance(fields, dict) else {}

    def remove(self):
        dir_fd = open_lock_dir(self.lock_dir)
        try:
            os.unlink(self.file_name, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        finally:
            os.close(dir_fd)


def made_by_lost_create(token, record):
    """Whether the found token is the one a create record's lost create made: made no earlier than it was sent."""
    sent_at = parse_time(record.get("sent_at"))
    created_at = parse_time(token.get("createdAt"))
    return sent_at is None or created_at is None or created_at >= sent_at - RECORD_CLOCK_SLACK


def lost_create_of(module, client, params, target, token):
    """The create record of a create whose answer an earlier run lost, when it made this token; a stale one is removed."""
    record = CreateRecord(client, target, token.get("name") or params["name"], params["lock_dir"])
    fields = record.read()
    if fields is None:
        return None
    if made_by_lost_create(token, fields):
        return record
    if not module.check_mode:
        record.remove()  # its create never made a token: this one was there before it was sent
    return None


def keeps_expiry(params):
    """Whether a found token keeps its expiry, whatever it is: expiry_days left out of a task that names the token by
    token_id or rotates it (it is about that token, not declaring one), so hygiene by ID need not restate every token's."""
    return params["expiry_days"] is None and bool(params["token_id"] or params["rotate"] or params["rotate_after_days"])


def update(module, client, params, target, token, result):
    if not keeps_expiry(params):
        check_expiry_unchanged(token, params["expiry_days"])
    # The age of the secret by the API's clock (its answers' Date header), as its timestamps are.
    fields, role, rotate = plan_update(params, token, client.now())
    lost_create = lost_create_of(module, client, params, target, token)
    if lost_create and params["lost_secret"] == "fail":
        rotate_lost_secret(module, client, params, token, result, "an earlier run created it, and the answer was lost")
    if role is not None:
        check_role_usable(client, target, role, module.warn)
    if lost_create:
        rotate = True
    secret_file = secret_destination(module, "rotate the token, whose secret nobody has (its create answer was lost)"
                                     if lost_create else "rotate the token") if rotate else None
    after = dict(token, **fields)
    if role is not None:
        after["roles"] = with_role(token.get("roles"), token["scope"], own_entity_id(token), role)
    actions = (["update"] if fields else []) + (["role"] if role is not None else []) + (["rotate"] if rotate else [])
    result.update(changed=bool(actions), actions=actions, token=public(after))
    result["diff"] = dict(before=render_token(token, secret_note(token)),
                          after=render_token(after, "new (rotated by this task)" if rotate else secret_note(token)))
    if module.check_mode or not actions:
        return
    with prepared(secret_file):
        if fields:
            after = client.update_token(token["id"], after["name"], after.get("description") or "")
        if role is not None:
            edit = set_token_roles(client, token["id"], [(token["scope"], own_entity_id(token), role)], **lock_options(params),
                                   precheck=lambda fresh: check_token_is(fresh, target.scope, own_entity_id(token)))
            after = dict(after, roles=edit["token"]["roles"])
            result["attempts"] = edit["attempts"]
            for warning in edit_warnings(edit):
                module.warn(warning)
        if rotate and lost_create:
            after = rotate_lost_secret(module, client, params, token, result, "an earlier run created it, and the answer was lost")
            result["actions"] = actions
            hand_over(module, result, after, secret_file)
            lost_create.remove()
        elif rotate:
            after = client.rotate_token(token["id"])
            hand_over(module, result, after, secret_file)
    result["token"] = public(after)


def delete(module, client, token, result, target=None, params=None):
    if token is None:
        result.update(changed=False, actions=[], token=None, diff=dict(before="", after=""))
        return
    if target is not None and not module.check_mode:
        # A record of a lost create of this token is about it no more: a later token of its name is somebody's.
        CreateRecord(client, target, token.get("name") or params["name"], params["lock_dir"]).remove()
    result.update(changed=True, actions=["delete"], token=None, diff=dict(before=render_token(token, secret_note(token)), after=""))
    if not module.check_mode:
        try:
            client.delete_token(token["id"])
        except AstroAPIError as exc:
            if exc.status != 404:  # gone already: a retry after a lost answer, or another writer
                raise
