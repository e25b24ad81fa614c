# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Set or remove roles of one token, team or user (a subject) without losing anybody else's roles.

The API replaces a token's whole role list, and a team's or user's whole role set, on every write and has no
precondition,
so a read-modify-write that races another one silently drops an edit. Two defences:
- edits of one subject from this controller are serialized by a file lock held from
  the read to the end of the write (forks and parallel playbooks share it);
- every write is verified by a fresh read; when our role is not in effect, another
  writer overwrote us (from another controller, say), and the edit is redone on the
  fresh list, a bounded number of times.
The verifying read settles the write (issue 22): it comes only once any write that could still be in
flight would have landed - another job's that read the token before our write landed (its own write may
take up to settle_seconds longer than ours), and ours whose answer never came (the lock is held until
then, so no later edit from this controller can be erased by it). It is made outside the lock otherwise:
an edit from this controller reads after our write was answered, so it keeps our role.
A team's or user's role set is edited as a role list (role_list.subject_role_list): one code path for every subject,
whose kind (TOKEN, TEAM, USER) says only how it is read, written and shown.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import time

try:
    import fcntl
except ImportError:  # not POSIX: no lock, the verifying read still guards
    fcntl = None

from ansible_collections.astro.platform.plugins.module_utils.astro_api import set_env_fallback
from ansible_collections.astro.platform.plugins.module_utils.entities import (
    DEPLOYMENT,
    DEPLOYMENT_ADMIN,
    WORKSPACE,
    WORKSPACE_ACCESSOR,
)
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroError, AstroInputError, possibly_applied, request_of, shown
from ansible_collections.astro.platform.plugins.module_utils.private_dir import (
    default_lock_dir,
    open_lock_dir,
    open_lock_file,
)
from ansible_collections.astro.platform.plugins.module_utils.resolve import EntityNames, list_deployment_roles
from ansible_collections.astro.platform.plugins.module_utils.role_display import named, printable, render_roles
from ansible_collections.astro.platform.plugins.module_utils.role_list import (
    IN_EFFECT,
    UNEXPECTED,
    first_roles,
    home_workspace_id,
    looks_like_astro_id,
    named_entities,
    read_back_verdict,
    removals_not_held,
    role_on,
    roles_by_entity,
    subject_role_list,
    subject_role_set,
    with_roles,
    without_entities,
)
from ansible_collections.astro.platform.plugins.module_utils.role_rules import (
    check_deployment_roles_have_workspace_roles,
    check_home_workspace,
    check_organization_role,
    server_implied_entries,
)
from ansible_collections.astro.platform.plugins.module_utils.subject_view import team_details, user_details
from ansible_collections.astro.platform.plugins.module_utils.token_view import token_summary

MAX_WRITE_ATTEMPTS = 5
# Jitter added to the pause before the verifying read, so parallel writers spread out.
VERIFY_JITTER = (0.01, 0.1)


DEFAULT_LOCK_TIMEOUT = 300.0
# How much longer than ours a write of another job that read the token before ours landed may take to land, and how
# long after we gave up on it a write of ours whose answer never came may still land (doc fragment: settle_seconds).
DEFAULT_SETTLE_SECONDS = 1.0
# How often a waiting edit tries the lock again; short, since a held lock is held for a few requests only.
LOCK_POLL_INTERVAL = 0.05


def role_edit_argument_spec():
    return dict(
        lock_dir=dict(type="path", fallback=(set_env_fallback, ["ASTRO_LOCK_DIR"])),
        lock_timeout=dict(type="float", fallback=(set_env_fallback, ["ASTRO_LOCK_TIMEOUT"])),
        settle_seconds=dict(type="float", fallback=(set_env_fallback, ["ASTRO_SETTLE_SECONDS"])),
    )


def lock_options(params):
    """The keyword arguments of set_token_role(s) that role_edit_argument_spec() gives (empty means unset)."""
    return dict(lock_dir=params["lock_dir"] or None,
                lock_timeout=DEFAULT_LOCK_TIMEOUT if params["lock_timeout"] is None else params["lock_timeout"],
                settle_seconds=settle_seconds_option(params["settle_seconds"]))


def settle_seconds_option(value):
    """settle_seconds, its default when unset; a negative value is refused before anything is written."""
    if value is None:
        return DEFAULT_SETTLE_SECONDS
    if value < 0:
        raise AstroInputError("settle_seconds is {0:g}; it must be 0 or more seconds (0 turns the settle wait off: safe only "
                              "when no other job edits the same tokens at the same time, see docs/awx.md).".format(value))
    return value


def wait_for_lock(fd, timeout, shown_path, sleep=time.sleep, kind="token"):
    """Take the exclusive lock, trying again until timeout seconds have passed (kind: the subject's, for the message)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise AstroError("Timed out after {0:g} s waiting for the lock file {1}, held by another edit of the same "
                                 "{2}. If no other playbook is running, a stuck process holds it (fuser {1} names it); "
                                 "lock_timeout (or ASTRO_LOCK_TIMEOUT) sets the wait.".format(timeout, shown_path, kind))
            sleep(LOCK_POLL_INTERVAL)


def lock_file_name(client, subject_id, kind="token"):
    """The lock file of one subject: a token's is named by (API, organization, ID) as before teams and users could be
    edited; a team's or user's key has its kind too, so that a team and a token (or a user) with equal IDs never share."""
    parts = (client.api_url, client.organization_id, subject_id) if kind == "token" else (client.api_url, client.organization_id, kind, subject_id)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:40] + ".lock"


@contextlib.contextmanager
def token_lock(client, token_id, lock_dir=None, lock_timeout=DEFAULT_LOCK_TIMEOUT, kind="token"):
    """Hold an exclusive lock on (API, organization, subject kind, ID) for this controller."""
    if fcntl is None:
        yield
        return
    lock_dir = lock_dir or default_lock_dir()
    name = lock_file_name(client, token_id, kind)
    shown_path = os.path.join(lock_dir, name)
    dir_fd = open_lock_dir(lock_dir)
    try:
        fd = open_lock_file(dir_fd, name, shown_path)
    finally:
        os.close(dir_fd)
    try:
        wait_for_lock(fd, lock_timeout, shown_path, kind=kind)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def set_token_role(client, token_id, entity_type, entity_id, role, **kwargs):
    """Make the token hold `role` on the entity (None: hold none); return the module result."""
    result = set_token_roles(client, token_id, [(entity_type, entity_id, role)], **kwargs)
    changes = result.pop("roles_changed")
    if result["roles_kept"]:
        role = result["roles_kept"][0]["role_held"]
    result.update(role_before=changes[0]["role_before"] if changes else role, role_after=role)
    return result


def result_subject(result, kind="token"):
    """The token, team or user of an edit's result, as a warning names it: `name (ID)`, a user by e-mail."""
    subject = result[kind]
    return "{0} ({1})".format(printable(subject.get("email") if kind == "user" else subject.get("name")), subject.get("id"))


def kept_role_warnings(result, kind="token"):
    """A warning for each role a removal left alone because the subject holds another role there than declared."""
    text = ("{kind} {token} holds {role_held} on {entity_type} {entity}, not the declared {role_declared}: that role was "
            "kept, not removed. Remove it with state: absent and no role, or declare {role_held}.")
    return [text.format(kind=kind.capitalize(), token=result_subject(result, kind),
                        entity=named(kept["entity_id"], {kept["entity_id"]: kept.get("entity_name")}), **kept)
            for kept in result["roles_kept"]]


def check_home_workspace_named(client, token, workspace_ids, names=None):
    """check_home_workspace, whose refusal names the Workspaces: looked up (one request) on that failure only."""
    try:
        check_home_workspace(token, workspace_ids, names)
    except AstroInputError:
        names = EntityNames(client, names)
        names.look_up(workspace_ids=[home_workspace_id(token)] + list(workspace_ids))
        check_home_workspace(token, workspace_ids, names)
        raise


class TokenRoles:
    """How an edit reads, writes and shows a token's roles: its role list, as the API answers and takes it."""

    kind = "token"

    def read(self, client, subject_id):
        """(the token, its role list)."""
        token = client.get_token(subject_id)
        return token, token.get("roles") or []

    def write(self, client, subject_id, roles):
        client.replace_token_roles(subject_id, roles)

    def roles_path(self, client, subject_id):
        return client.org_path("tokens", subject_id, "roles")

    def label(self, subject):
        """The token as a diff header and a message name it: one line, as it reads."""
        return "{0} ({1})".format(printable(subject.get("name")), subject.get("id"))

    def summary(self, subject, roles):
        return token_summary(subject, roles=roles)

    def check_edited(self, client, subject, roles, edits, names, workspace_of):
        """A token's list needs nothing more than its precheck (check_token_scope and the home Workspace rule)."""


class SubjectRoles(TokenRoles):
    """How an edit reads, writes and shows a team's or a user's role set: as a role list (subject_role_list), written
    back whole (subject_role_set) with its Organization and DAG roles, read back with GET /teams/{id} or /users/{id}."""

    def __init__(self, kind, details, name_field):
        self.kind, self._details, self._name_field = kind, details, name_field

    def read(self, client, subject_id):
        subject = getattr(client, "get_" + self.kind)(subject_id)
        return subject, subject_role_list(subject, client.organization_id)

    def write(self, client, subject_id, roles):
        getattr(client, "replace_{0}_roles".format(self.kind))(subject_id, subject_role_set(roles))

    def roles_path(self, client, subject_id):
        return client.org_path(self.kind + "s", subject_id, "roles")

    def label(self, subject):
        return "{0} ({1})".format(printable(subject.get(self._name_field)), subject.get("id"))

    def summary(self, subject, roles):
        return self._details(dict(subject, **subject_role_set(roles)))

    def check_edited(self, client, subject, roles, edits, names, workspace_of):
        """The set to write (roles, made by `edits`) carries an Organization role, and each Deployment role in it a role
        on its Deployment's Workspace (role_rules). The Workspace of a Deployment that neither the task nor a look-up of
        this edit told is looked up (one request for all), only when an edit gives a Deployment role or removes a
        Workspace role: no other edit can break the rule."""
        who = "{0} {1}".format(self.kind.capitalize(), self.label(subject))
        check_organization_role(roles, who)
        workspaces_of = dict(((d, w) for d, w in (workspace_of or {}).items() if w), **names.workspace_of)
        may_break = any((t == DEPLOYMENT and r is not None) or (t == WORKSPACE and r is None) for t, i, r in edits)
        unknown = [i for t, i in roles_by_entity(roles) if t == DEPLOYMENT and i not in workspaces_of] if may_break else []
        if unknown:
            names.look_up(checked_deployments=sorted(unknown))
            workspaces_of.update(names.workspace_of)
        check_deployment_roles_have_workspace_roles(roles, workspaces_of, who, names)


TOKEN = TokenRoles()
TEAM = SubjectRoles("team", team_details, "name")
USER = SubjectRoles("user", user_details, "username")


def set_token_roles(client, token_id, edits, **kwargs):
    """set_roles of a token: see there."""
    return set_roles(client, TOKEN, token_id, edits, **kwargs)


def set_roles(client, subject_kind, subject_id, edits, check_mode=False, precheck=None, lock_dir=None,
              lock_timeout=DEFAULT_LOCK_TIMEOUT, only_if_held=None, sleep=time.sleep, known=(), workspace_of=None,
              names=None, look_up_entities=True, settle_seconds=DEFAULT_SETTLE_SECONDS):
    """Make the subject (subject_kind: TOKEN, TEAM or USER) hold each (entity_type, entity_id, role) of `edits` (role
    None: hold none), in one write. The result's subject is under the kind's name ("token", "team", "user").

    `edits` give each entity one role: a caller that takes several from its user checks them first, before any
    request (check_one_edit_per_entity, as token_roles does).

    precheck(subject) runs on the freshly read subject before anything is written and raises
    AstroInputError when the edit must not be made (wrong scope, say). Then every Workspace and Deployment
    the subject gets its first role on is looked up (check_entities_exist), except those in `known`
    ((entity_type, entity_id) a name look-up of this task already found); workspace_of maps a Deployment ID
    to the Workspace the task says it is in; names maps the IDs whose names the task knows to those names.
    only_if_held: {(entity_type, entity_id): role} of removals to make only where the subject holds that role;
    the others are left alone and listed in the result's roles_kept.
    look_up_entities=False: the caller listed every entity of `edits` in this run (the onboarding role's plan does):
    nothing is looked up to check them or to name the changes, whose names are those `names` gives; only a kept role
    (only_if_held) costs a look-up, for its warning.
    settle_seconds: the verifying read waits that much longer than our write and a read took (see the module doc).
    A team's or user's Organization role is the edit (ORGANIZATION, organization ID, role); each of its changes is
    checked against the rules of its set (SubjectRoles.check_edited) before anything is written.
    Costs: 1 read when nothing changes; read, write and verifying read when anything does, plus one
    look-up per kind (Workspaces, Deployments) that gets a first role or, for the names that the diff, the
    changes and the warnings show, is named by the subject's roles; a kept role without a change costs that look-up too.
    """
    names = EntityNames(client, names)
    edits = list(dict.fromkeys(tuple(edit) for edit in edits))  # an edit listed twice is one edit
    lock = TokenLock(client, subject_id, lock_dir, lock_timeout, kind=subject_kind.kind)
    with lock:
        lock.take()
        started = time.monotonic()
        subject, before = subject_kind.read(client, subject_id)
        read_seconds = time.monotonic() - started
        if precheck:
            precheck(subject)
        kept = removals_not_held(before, edits, only_if_held)
        edits = without_entities(edits, kept)
        # A Workspace Accessor the server keeps beside a Deployment role of that Workspace is not removed: it would
        # only come back, and exclusive onboarding would then rewrite the list on every run.
        implied = server_implied_entries(with_roles(before, edits), workspace_of)
        edits = without_entities(edits, [(t, i) for t, i, role in edits if role is None and (t, i) in implied
                                         and role_on(before, t, i) == WORKSPACE_ACCESSOR])
        echoes = {}
        if echoed_edits(before, edits):
            echoes = custom_role_echoes(client)
            edits = [edit for edit in edits if role_on(before, edit[0], edit[1]) not in echoes.get(edit[2], ())]
        # Inside the lock: only the read tells which entities are new, and reading again outside it would
        # cost every edit a request. The look-up lengthens the lock only for edits that add a first role.
        edited_roles = with_roles(before, edits)
        changed = edited_roles != before
        # Names only when a person is shown something: a no-op stays one read.
        if look_up_entities:
            to_name = named_entities(before + edited_roles) + [(WORKSPACE, w) for w in (workspace_of or {}).values() if w] if changed or kept else []
            check_entities_exist(client, subject, [e for e in first_roles(before, edits) if e not in set(known)], workspace_of,
                                 names, to_name, subject_kind=subject_kind)
        elif kept:
            # A kept role's warning names its entity, which the caller's names may not cover: a rare path, one
            # look-up per kind.
            names.look_up(workspace_ids=[i for t, i, _held, _declared in kept if t == WORKSPACE],
                          deployment_ids=[i for t, i, _held, _declared in kept if t == DEPLOYMENT])
        if changed:
            subject_kind.check_edited(client, subject, edited_roles, edits, names, workspace_of)
        attempts = 0
        written = edited_roles
        settled = Settled()
        if changed and not check_mode:
            written, attempts = _write_verified(client, subject_id, edits, edited_roles, sleep, read_seconds, names,
                                                before=before, echoes=echoes, workspace_of=workspace_of,
                                                settle_seconds=settle_seconds, lock=lock, settled=settled,
                                                subject_kind=subject_kind)
    name = subject_kind.label(subject)  # a diff header: one line, as it reads
    held = roles_by_entity(before)
    header = "roles of {0} {1}".format(subject_kind.kind, name)
    result = dict(
        changed=changed,
        roles_changed=[dict(entity_type=entity_type, entity_id=entity_id, entity_name=names.get(entity_id),
                            role_before=held.get((entity_type, entity_id)), role_after=role,
                            workspace_name=names.get(entity_id if entity_type == WORKSPACE else (workspace_of or {}).get(entity_id)))
                       for entity_type, entity_id, role in edits
                       if held.get((entity_type, entity_id)) != role],
        roles_kept=[dict(entity_type=entity_type, entity_id=entity_id, entity_name=names.get(entity_id), role_held=held,
                         role_declared=declared)
                    for entity_type, entity_id, held, declared in kept],
        attempts=attempts,
        roles_rewritten=[dict(entity_type=entity_type, entity_id=entity_id, role=role) for entity_type, entity_id, role in settled.rewritten],
        answers_lost=settled.answers_lost,
        diff=dict(before=render_roles(before, names), after=render_roles(written, names),
                  before_header=header, after_header=header),
    )
    result[subject_kind.kind] = subject_kind.summary(subject, written)  # "token", "team" or "user"
    return result


def check_entities_exist(client, token, entities, workspace_of=None, names=None, to_name=(), subject_kind=TOKEN):
    """Look up each (WORKSPACE or DEPLOYMENT, ID) by the list's ID filter, one request per kind; fail on unknown ones.

    What Astro answers to a role on an entity that does not exist is not public (docs/astro-api/SEMANTICS.md), so
    this never relies on the write being refused; the Terraform provider looks entities up the same way. The
    Deployments found also tell their Workspace: a Workspace token may only get roles on its own Workspace's, and
    a Workspace the task names for a Deployment must be the Deployment's.
    names (an EntityNames) learns the names the look-ups answer; the same requests also ask for the names of
    to_name ((entity_type, ID) a person will be shown) that it does not know yet. token: the subject (a token, team
    or user) of subject_kind, whose refusal names it.
    """
    names = EntityNames(client) if names is None else names
    workspace_ids = sorted({entity_id for entity_type, entity_id in entities if entity_type == WORKSPACE})
    deployment_ids = sorted({entity_id for entity_type, entity_id in entities if entity_type == DEPLOYMENT})
    found_workspaces, found_deployments = names.look_up(
        workspace_ids=[i for t, i in to_name if t == WORKSPACE], deployment_ids=[i for t, i in to_name if t == DEPLOYMENT],
        checked_workspaces=workspace_ids, checked_deployments=deployment_ids)
    found = {w.get("id") for w in found_workspaces}
    unknown = ["Workspace " + shown(i) for i in workspace_ids if i not in found]
    deployments = {d.get("id"): d for d in found_deployments if d.get("id") in deployment_ids}
    unknown += ["Deployment " + shown(i) for i in deployment_ids if i not in deployments]
    if unknown:
        raise AstroInputError("{0} not found in organization {1} (looked up by ID); nothing was written to {2} {3}.".format(
            ", ".join(unknown), client.organization_id, subject_kind.kind, subject_kind.label(token)))
    for deployment_id, deployment in sorted(deployments.items()):
        given = (workspace_of or {}).get(deployment_id)
        actual = deployment.get("workspaceId")
        if given and actual and given != actual:
            raise AstroInputError("Deployment {0} is in Workspace {1}, not in Workspace {2} as the task says.".format(
                named(deployment_id, names), named(actual, names), shown(given)))
    check_home_workspace_named(client, token, [d.get("workspaceId") for d in deployments.values()], names)


def echoed_edits(roles, edits):
    """Whether a Deployment edit finds its entity holding what looks like an ID where a role name is asked for: the
    form a server may echo a custom role in (SEMANTICS.md "Custom roles read back"), to be looked up before writing."""
    held = roles_by_entity(roles)
    return any(entity_type == DEPLOYMENT and role not in (None, DEPLOYMENT_ADMIN) and held.get((entity_type, entity_id)) != role
               and looks_like_astro_id(held.get((entity_type, entity_id)) or "") for entity_type, entity_id, role in edits)


def custom_role_echoes(client):
    """{custom Deployment role name: {the other forms the API may answer for it (its ID)}}: one look-up; empty when
    the token may not list roles (the verifying read then judges without them)."""
    listed = list_deployment_roles(client, lambda text: None) or {}
    return {role.get("name"): {role.get("id")} for role in listed.get("custom") or () if role.get("name") and role.get("id")}


class TokenLock:
    """The subject's lock, taken and let go more than once in one edit: held from a read to the end of the write made
    from it, and, after a write whose answer never came, until that write cannot land any more."""

    def __init__(self, client, token_id, lock_dir, lock_timeout, kind="token"):
        self._lock = functools.partial(token_lock, client, token_id, lock_dir, lock_timeout, kind=kind)
        self._held = contextlib.ExitStack()

    def take(self):
        self._held.enter_context(self._lock())

    def release(self):
        self._held.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._held.close()


class Settled:
    """What settling an edit's writes met: the edits another writer's late write removed (written again), and how
    many write attempts of ours got no answer (or a gateway's)."""

    def __init__(self):
        self.rewritten = []
        self.answers_lost = 0


def _write_verified(client, subject_id, edits, roles, sleep, read_seconds, names=None, before=None, echoes=None,
                    workspace_of=None, settle_seconds=0.0, lock=None, settled=None, subject_kind=TOKEN):
    """Write `roles` (made from a read under `lock`, held), read them back once every write that could still be in
    flight has landed, and judge what came back (role_list.read_back_verdict): redo the edits on a fresh read, under
    the lock again, while another writer removed them, a bounded number of times; fail at once on an answer no
    overwrite explains.

    The lock is let go once our write was answered (an edit from this controller then reads a list with our role),
    but held until the verifying read after a write attempt without answer: that write may land late and would erase
    the edit of whoever wrote next.
    """
    settled = Settled() if settled is None else settled
    kind = subject_kind.kind
    lock = lock or TokenLock(client, subject_id, None, DEFAULT_LOCK_TIMEOUT, kind=kind)
    path = subject_kind.roles_path(client, subject_id)
    previous = roles if before is None else before
    echoes = dict(echoes or {})
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        if attempt > 1:
            # A redo starts from a fresh read under the lock: an edit of this controller may have written since ours.
            lock.take()
            previous = subject_kind.read(client, subject_id)[1]
            roles = with_roles(previous, edits)
        unanswered_before = len(client.unanswered)
        started = time.monotonic()
        failure = None
        try:
            subject_kind.write(client, subject_id, roles)
        except AstroError as exc:
            if not exc.possibly_applied:
                raise
            failure = exc  # the read below tells whether it landed
        write_seconds = time.monotonic() - started
        lost_answers = client.unanswered_writes(path, unanswered_before)
        settled.answers_lost += lost_answers
        if not lost_answers:
            lock.release()
        # A writer elsewhere that read before our write landed lands its stale list up to about one read and one
        # write later, and its write may take settle_seconds longer than ours; a write of ours without answer may
        # land up to settle_seconds after we gave up on it. Verify only after both, or we would miss the overwrite.
        sleep(read_seconds + write_seconds + settle_seconds + random.uniform(*VERIFY_JITTER))
        try:
            fresh = subject_kind.read(client, subject_id)[1]
        except AstroError as exc:
            raise possibly_applied(exc, "The roles write of {0} {1}".format(kind, subject_id))
        finally:
            lock.release()
        implied = server_implied_entries(fresh, workspace_of)
        verdict, lost = read_back_verdict(previous, roles, fresh, edits, echoes, implied)
        if verdict == UNEXPECTED and not echoes and any(t == DEPLOYMENT and r is not None for t, i, r in lost):
            # A custom role may come back in another form: learn the forms (one look-up) and judge again.
            echoes = custom_role_echoes(client)
            verdict, lost = read_back_verdict(previous, roles, fresh, edits, echoes, implied)
        if verdict == IN_EFFECT:
            return fresh, attempt
        if failure is not None:
            raise not_applied(failure)
        if verdict == UNEXPECTED:
            raise AstroError("Roles of {3} {0}: the API took the write but reads back something else, and the rest of "
                             "the list is as written, so no other writer explains it; not written again. Written: {1}. "
                             "Read back: {2}.".format(subject_id, describe_entries(lost, names),
                                                      describe_entries([(t, i, role_on(fresh, t, i)) for t, i, r in lost], names), kind))
        # Another writer replaced the list after our write: redo our edits on a fresh read (the next attempt's).
        settled.rewritten.extend(edit for edit in lost if edit not in settled.rewritten)
    raise AstroError("Roles of {3} {0} were overwritten by concurrent writers {1} times in a row; it now holds {2} "
                     "where roles were asked for. Re-run the task.".format(
                         subject_id, MAX_WRITE_ATTEMPTS,
                         "; ".join("{0!r} on {1} {2}".format(role_on(fresh, t, i), t, named(i, names)) for t, i, r in lost), kind))


def describe_entries(entries, names=None):
    """(entity_type, entity_id, role) as a message lists them; role None reads 'no role'."""
    return "; ".join("{0} on {1} {2}".format(repr(role) if role is not None else "no role", entity_type, named(entity_id, names))
                     for entity_type, entity_id, role in entries)


def not_applied(error):
    """A write error that said "may have been applied", once a read after it could land shows it is not in effect."""
    detail = error.detail()
    if not detail.startswith("Astro API"):
        detail = "{0}: {1}".format(request_of(error), detail)
    error.possibly_applied = False
    error.args = ("{0} A read once it could no longer land shows that the roles asked for are not in effect (it was not "
                  "applied, or another writer replaced it); run again.".format(detail),)
    return error


def edit_warnings(result, kind="token"):
    """The warnings of an edit's result: kept roles (kept_role_warnings), roles another writer removed after our write
    (written again), and write answers that never came (the read after they could land decided). kind: the result's
    subject, "token", "team" or "user"."""
    warnings = kept_role_warnings(result, kind)
    token = result_subject(result, kind)
    if result.get("roles_rewritten"):
        warnings.append("Another writer (another job or controller, see docs/awx.md) removed roles of {2} {0} that this task had "
                        "written: {1}. They were written again and verified; the {2} holds them.".format(
                            token, ", ".join("{role} on {entity_type} {entity_id}".format(**r) for r in result["roles_rewritten"]), kind))
    if result.get("answers_lost"):
        warnings.append("{0} roles write(s) of {2} {1} got no answer (or a gateway's); the task waited until they could no longer "
                        "land, and the read after that decided (the {2} holds the roles asked for).".format(result["answers_lost"], token, kind))
    return warnings
