# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn the names users write into the IDs the API wants.

Names are not unique in Astro. Where the CLI would prompt, an unattended run must not
guess: none or several matches fail, listing the candidates.
"""

from __future__ import annotations

import difflib

from ansible_collections.astro.platform.plugins.module_utils.entities import (
    DEPLOYMENT,
    DEPLOYMENT_ADMIN,
    ORGANIZATION,
    WORKSPACE,
)
from ansible_collections.astro.platform.plugins.module_utils.errors import AstroAPIError, AstroInputError, shown
from ansible_collections.astro.platform.plugins.module_utils.role_display import named
from ansible_collections.astro.platform.plugins.module_utils.role_list import home_workspace_id
from ansible_collections.astro.platform.plugins.module_utils.role_rules import check_deployment_role


def refuse_blank(value, option):
    """Fail, naming the option, when it is set to an empty or blank string; None (left out) and any other value pass."""
    if value is not None and not value.strip():
        raise AstroInputError("{0} is empty ({1!r}); give a value or leave the option out.".format(option, value))


def as_id(value):
    """An ID as the API spells it: Astro IDs are lower-case, and the Astro CLI lower-cases the IDs users type."""
    return None if value is None else value.lower()


def id_option(value, option):
    """An ID option's value lower-cased, or None when it was left out; a blank one is refused (refuse_blank).

    Names, unlike IDs, are matched exactly.
    """
    refuse_blank(value, option)
    return as_id(value)


SHOWN_CANDIDATES = 10  # names a failed look-up lists; an organization may have hundreds


def close_names(name, candidates, limit=SHOWN_CANDIDATES):
    """The candidates a person most likely meant by `name`: those equal to it but for case first, then near
    ones (difflib), at most `limit`, each once."""
    unique = sorted({c for c in candidates if c and c != name})
    by_lower = {}
    for candidate in unique:
        by_lower.setdefault(candidate.lower(), []).append(candidate)
    same_but_case = by_lower.get(name.lower(), [])
    near = [c for lower in difflib.get_close_matches(name.lower(), list(by_lower), n=limit, cutoff=0.6)
            for c in by_lower[lower] if c not in same_but_case]
    return (same_but_case + near)[:limit]


def name_hint(name, candidates, what):
    """What to say after 'No X is named N' (what: the plural, 'Workspaces'): the case hint, the near names, or some
    of the names there are."""
    candidates = sorted({c for c in candidates if c})
    close = close_names(name, candidates)
    if close and close[0].lower() == name.lower():
        return "names are case-sensitive: did you mean {0}?".format(", ".join(shown(c) for c in close))
    if close:
        return "did you mean {0}?".format(", ".join(shown(c) for c in close))
    if not candidates:
        return "there are no {0}.".format(what)
    more = len(candidates) - SHOWN_CANDIDATES
    return "there are: {0}{1}.".format(", ".join(shown(c) for c in candidates[:SHOWN_CANDIDATES]),
                                       " and {0} more".format(more) if more > 0 else "")


def only_match(matches, what, name, describe, candidates=None, where=""):
    """The one match of a name; none or several fail (AstroInputError), since an unattended run must not guess.

    what: the kind ("Workspace"); describe(match) tells several matches apart (their IDs, say); candidates: a callable
    giving the names there are, called on a miss only, to name the closest.
    """
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AstroInputError("No {0} is named {1}{2}; {3}".format(
            what, shown(name), where, name_hint(name, candidates() if candidates else [], what + "s")))
    raise AstroInputError("{0} {1}s are named {2}{3}; name one by ID instead: {4}.".format(
        len(matches), what, shown(name), where, "; ".join(describe(m) for m in matches)))


def _describe_token(token):
    return "{0} (scope {1}, description {2!r})".format(token.get("id"), token.get("scope"), token.get("description") or "")


def _scopes_text(scopes):
    return " or ".join("an Organization" if s == ORGANIZATION else "a Workspace" for s in scopes)


def _token_miss(client, token_name, scopes, tokens, whole_list, workspace_id, needs):
    """The failure of a name that matches no token of `scopes` among `tokens`. A name that a token of another scope
    (or of another Workspace) holds says so: that costs one more list, on this failure only, unless whole_list (the
    organization's every token) is at hand already."""
    what = "{0} token".format(" or ".join(scopes))
    where = " in Workspace {0}".format(workspace_id) if tuple(scopes) == (WORKSPACE,) and workspace_id else ""
    everyone = whole_list if whole_list is not None else client.list_tokens()
    elsewhere = [t for t in everyone if t.get("name") == token_name and t.get("id") not in {m.get("id") for m in tokens}]
    if elsewhere:
        return AstroInputError("No {0} is named {1}{2}: {3}; {4}.".format(
            what, shown(token_name), where, "; ".join(
                "{0} ({1}) is a {2} token{3}".format(shown(token_name), t.get("id"), t.get("scope"), _home_text(t))
                for t in elsewhere),
            needs or "this task needs {0} token".format(_scopes_text(scopes))))
    return AstroInputError("No {0} is named {1}{2}; {3}".format(
        what, shown(token_name), where, name_hint(token_name, [t.get("name") for t in tokens], what + "s")))


def _home_text(token):
    home = home_workspace_id(token)
    return " of Workspace {0}".format(home) if home else ""


def resolve_token_id(client, token_id, token_name, scopes, workspace_id=None, needs=None):
    """token_id as given (lower-cased), or the ID of the one token of one of `scopes` named token_name.

    needs: what a miss says the task needs, when the name is a token of another scope ("a Workspace role needs
    an Organization token").
    """
    token_id = id_option(token_id, "token_id")
    if token_id is not None:
        return token_id
    refuse_blank(token_name, "token_name")
    whole_list = None
    if tuple(scopes) == (ORGANIZATION,):
        listed = client.list_tokens(organization_only=True)
    elif tuple(scopes) == (WORKSPACE,) and workspace_id:
        listed = client.list_tokens(workspace_id=workspace_id)
    else:
        listed = whole_list = client.list_tokens()
    tokens = [t for t in listed if t.get("scope") in scopes]
    matches = [t for t in tokens if t.get("name") == token_name]
    if not matches:
        raise _token_miss(client, token_name, scopes, tokens, whole_list, workspace_id, needs)
    what = "{0} token".format(" or ".join(scopes))
    return only_match(matches, what, token_name, _describe_token)["id"]


def resolve_workspace_id(client, workspace_id, workspace_name):
    """workspace_id as given (lower-cased), or the ID of the one Workspace named workspace_name.

    A name that matches nothing lists the Workspaces (one more request, on this failure only) to name the closest.
    """
    workspace_id = id_option(workspace_id, "workspace_id")
    refuse_blank(workspace_name, "workspace_name")
    if workspace_id is not None or workspace_name is None:
        return workspace_id
    workspaces = client.list_workspaces(names=[workspace_name])
    matches = [w for w in workspaces if w.get("name") == workspace_name]
    return only_match(matches, "Workspace", workspace_name, lambda w: w.get("id"),
                      candidates=lambda: [w.get("name") for w in client.list_workspaces()])["id"]


def resolve_deployment(client, deployment_id, deployment_name, workspace_id=None, workspace_name=None):
    """(deployment ID, its Workspace ID if the lookup told it) for an ID or a name.

    A name that matches nothing lists the Deployments searched (one more request, on this failure only) to name
    the closest, and says which Workspace was searched (workspace_name: its name, when the task gave it).
    """
    deployment_id = id_option(deployment_id, "deployment_id")
    refuse_blank(deployment_name, "deployment_name")
    if deployment_id is not None or deployment_name is None:
        return deployment_id, None
    in_workspace = [workspace_id] if workspace_id else None
    deployments = client.list_deployments(names=[deployment_name], workspace_ids=in_workspace)
    matches = [d for d in deployments if d.get("name") == deployment_name]
    searched = [] if matches else client.list_deployments(workspace_ids=in_workspace)  # on a miss only: the candidates
    workspace_name = workspace_name or next((d.get("workspaceName") for d in searched if d.get("workspaceName")), None)
    if not workspace_id:
        where = " in any Workspace"
    else:
        where = " in Workspace " + named(workspace_id, {workspace_id: workspace_name})
    match = only_match(matches, "Deployment", deployment_name,
                       lambda d: "{0} (Workspace {1})".format(d.get("id"), d.get("workspaceName") or d.get("workspaceId")),
                       candidates=lambda: [d.get("name") for d in searched], where=where)
    return match["id"], match.get("workspaceId")


def list_deployment_roles(client, warn, unchecked="The Deployment roles"):
    """{"custom": [...], "default": [...]}: the organization's Deployment roles, in one look-up; None on a 403.

    Nothing public says a Workspace token may list the organization's roles, so a 403 does not stop the task:
    warn(message) says that `unchecked` could not be checked, and the API judges the roles when they are written.
    """
    try:
        custom_roles, default_roles = client.list_roles(scope_types=[DEPLOYMENT])
    except AstroAPIError as exc:
        if exc.status != 403:
            raise
        warn("{0} could not be checked: listing the organization's roles answered 403 ({1}) "
             "[requestId: {2}]. The Astro API checks it when the roles are written.".format(
                 unchecked, exc.api_message or "no message", exc.request_id or "none"))
        return None
    return dict(custom=custom_roles, default=default_roles)


def check_deployment_roles(client, roles_in_workspaces, warn):
    """Each (role, Workspace ID or None) of `roles_in_workspaces` must be a Deployment role of the organization,
    usable in that Workspace: one look-up for all.

    DEPLOYMENT_ADMIN needs none. Nothing public says a Workspace token may list the organization's roles, so a 403
    on the look-up does not stop the task: warn(message) says the roles are unchecked, and the API judges them when
    they are written (its 400 then fails the task, before anything is changed).
    """
    roles_in_workspaces = [(role, workspace_id) for role, workspace_id in roles_in_workspaces if role and role != DEPLOYMENT_ADMIN]
    if not roles_in_workspaces:
        return
    listed = list_deployment_roles(client, warn, "Deployment role {0}".format(", ".join(sorted({role for role, workspace_id in roles_in_workspaces}))))
    if listed is None:
        return
    custom_roles, default_roles = listed["custom"], listed["default"]
    for role, workspace_id in roles_in_workspaces:
        try:
            check_deployment_role(role, custom_roles, workspace_id, default_roles)
        except AstroInputError:
            # A refusal names the Workspaces it is about: one more look-up, on this failure only.
            restricted = [w for r in custom_roles if r.get("name") == role for w in r.get("restrictedWorkspaceIds") or []]
            names = EntityNames(client)
            if restricted:
                names.look_up(workspace_ids=restricted + [workspace_id])
            check_deployment_role(role, custom_roles, workspace_id, default_roles, names)
            raise


# Above this many IDs a look-up lists everything (pages of 1000) rather than putting the IDs in its query string.
MAX_IDS_IN_QUERY = 100


class EntityNames(dict):
    """Names of Workspaces and Deployments by ID, for what a person reads (diffs, changes, warnings, errors).

    Filled from the look-ups a task makes anyway; look_up() asks for the IDs it does not know yet, with one list
    request per kind. Callers look names up only when there is something to show, so a no-op costs nothing more.
    """

    def __init__(self, client, known=None):
        super().__init__((k, v) for k, v in (known or {}).items() if k and v)
        self.client = client
        self.workspace_of = {}  # Deployment ID to its Workspace's ID, as the Deployment look-ups answered it

    def learn(self, workspaces=(), deployments=()):
        for item in list(workspaces) + list(deployments):
            if item.get("id") and item.get("name"):
                self[item["id"]] = item["name"]
        for deployment in deployments:
            if deployment.get("id") and deployment.get("workspaceId"):
                self.workspace_of[deployment["id"]] = deployment["workspaceId"]
            if deployment.get("workspaceId") and deployment.get("workspaceName"):
                self.setdefault(deployment["workspaceId"], deployment["workspaceName"])

    def look_up(self, workspace_ids=(), deployment_ids=(), checked_workspaces=(), checked_deployments=()):
        """Learn the names of these IDs: one request per kind with IDs to ask for, Deployments first: they tell
        their Workspace's name too, which may spare the Workspaces' request. checked_*: IDs to ask for even when
        their name is known (an existence check). Returns (Workspaces, Deployments) the requests answered."""
        deployment_ids = sorted({i for i in deployment_ids if i and i not in self} | set(checked_deployments))
        deployments = self._list(self.client.list_deployments, "deployment_ids", deployment_ids) if deployment_ids else []
        self.learn(deployments=deployments)
        workspace_ids = sorted({i for i in workspace_ids if i and i not in self} | set(checked_workspaces))
        workspaces = self._list(self.client.list_workspaces, "workspace_ids", workspace_ids) if workspace_ids else []
        self.learn(workspaces=workspaces)
        return workspaces, deployments

    @staticmethod
    def _list(list_call, id_filter, ids):
        if len(ids) > MAX_IDS_IN_QUERY:
            return [item for item in list_call() if item.get("id") in set(ids)]
        return [item for item in list_call(**{id_filter: ids}) if item.get("id") in set(ids)]


def resolve_workspace(client, workspace_id, workspace_name):
    """The Workspace (as the API lists it) of an ID or a name, in one request; an ID that matches none fails."""
    workspace_id = id_option(workspace_id, "workspace_id")
    if workspace_id is not None:
        matches = [w for w in client.list_workspaces(workspace_ids=[workspace_id]) if as_id(w.get("id")) == workspace_id]
        if not matches:
            raise AstroInputError("No Workspace has the ID {0}.".format(shown(workspace_id)))
        return matches[0]
    refuse_blank(workspace_name, "workspace_name")
    matches = [w for w in client.list_workspaces(names=[workspace_name]) if w.get("name") == workspace_name]
    return only_match(matches, "Workspace", workspace_name, lambda w: w.get("id"),
                      candidates=lambda: [w.get("name") for w in client.list_workspaces()])


def resolve_workspace_names(client, names):
    """{name: Workspace ID} for every name, with one list request for all of them (none when `names` is empty)."""
    names = sorted(set(names))
    if not names:
        return {}
    workspaces = client.list_workspaces(names=names)
    every_name = []  # listed on a miss only, once, to name the closest

    def candidates():
        every_name[:] = every_name or [w.get("name") for w in client.list_workspaces()]
        return every_name
    return dict((name, only_match([w for w in workspaces if w.get("name") == name], "Workspace", name,
                                  lambda w: w.get("id"), candidates=candidates)["id"]) for name in names)


def resolve_deployment_names(client, names_in_workspaces):
    """{(name, Workspace ID or None): Deployment ID} for each (Deployment name, Workspace ID or None) of
    `names_in_workspaces`.

    One list request for all of them (none when there are none), filtered by the Workspaces when every name
    is looked up within one; a name without a Workspace must match one Deployment of the organization.
    """
    names_in_workspaces = sorted(set(names_in_workspaces), key=lambda pair: (pair[0], pair[1] or ""))
    if not names_in_workspaces:
        return {}
    workspace_ids = {workspace_id for name, workspace_id in names_in_workspaces}
    deployments = client.list_deployments(names=sorted({name for name, workspace_id in names_in_workspaces}),
                                          workspace_ids=None if None in workspace_ids else sorted(workspace_ids))
    found = {}
    for name, workspace_id in names_in_workspaces:
        matches = [d for d in deployments if d.get("name") == name and (not workspace_id or d.get("workspaceId") == workspace_id)]
        found[(name, workspace_id)] = only_match(
            matches, "Deployment", name, lambda d: "{0} (Workspace {1})".format(d.get("id"), d.get("workspaceId")),
            # on a miss only: the Deployments searched, to name the closest
            candidates=lambda workspace_id=workspace_id: [
                d.get("name") for d in client.list_deployments(workspace_ids=[workspace_id] if workspace_id else None)],
            where=" in Workspace {0}".format(workspace_id) if workspace_id else " in any Workspace")["id"]
    return found


def resolve_deployment_checked(client, deployment_id, deployment_name, workspace_id=None):
    """The ID of a Deployment named by ID or name (None when neither is given); an ID that matches none fails.

    An ID costs one list request (its existence check); a name, those of resolve_deployment.
    """
    deployment_id = id_option(deployment_id, "deployment_id")
    if deployment_id is None:
        return resolve_deployment(client, None, deployment_name, workspace_id)[0]
    if not [d for d in client.list_deployments(deployment_ids=[deployment_id]) if as_id(d.get("id")) == deployment_id]:
        raise AstroInputError("No Deployment has the ID {0}.".format(shown(deployment_id)))
    return deployment_id


def resolve_team(client, team_id, team_name):
    """The team (as the API answers it, with its roles) of an ID or a name, in one request.

    An ID that matches none fails with the API's 404; a name must match exactly one team, and a miss lists the
    teams (one more request, on this failure only) to name the closest.
    """
    team_id = id_option(team_id, "team_id")
    if team_id is not None:
        return client.get_team(team_id)
    refuse_blank(team_name, "team_name")
    matches = [t for t in client.list_teams(names=[team_name]) if t.get("name") == team_name]
    return only_match(matches, "team", team_name, lambda t: "{0} (description {1!r})".format(t.get("id"), t.get("description") or ""),
                      candidates=lambda: [t.get("name") for t in client.list_teams()])


NOT_INVITING = ("This collection does not invite people: invite them to the Organization in Astro "
                "(astro organization user invite), then name them here.")


def user_by_email(users, email):
    """The one user of `users` (the Organization's, as ListUsers answers them) whose e-mail is `email`.

    E-mails are matched exactly, as the Astro CLI does; a miss fails naming the close e-mails, and says that
    inviting people is not this collection's job.
    """
    matches = [u for u in users if u.get("username") == email]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise AstroInputError("{0} users have the e-mail {1}; name one by user_id instead: {2}.".format(
            len(matches), shown(email), "; ".join(u.get("id") or "" for u in matches)))
    close = close_names(email, [u.get("username") for u in users])
    hint = "did you mean {0}? ".format(", ".join(shown(c) for c in close)) if close else ""
    raise AstroInputError("No user of the Organization has the e-mail {0}; {1}{2}".format(shown(email), hint, NOT_INVITING))


def resolve_user(client, user_id, email):
    """The user (as the API answers it, with its roles) of an ID or an e-mail, in one request.

    An ID that matches none fails with the API's 404; an e-mail is looked for among the Organization's users (the
    API has no e-mail filter: one list, as the CLI's `astro workspace user add` makes).
    """
    user_id = id_option(user_id, "user_id")
    if user_id is not None:
        return client.get_user(user_id)
    refuse_blank(email, "email")
    return user_by_email(client.list_users(), email)


def people_scope_options():
    """The argument spec of the options resolve_people_scope reads (documented by the astro.platform.people fragment)."""
    return dict(workspace_id=dict(type="str"), workspace_name=dict(type="str"),
                deployment_id=dict(type="str"), deployment_name=dict(type="str"))


PEOPLE_SCOPE_EXCLUSIVE = [("workspace_id", "workspace_name"), ("deployment_id", "deployment_name")]


class PeopleScope:
    """The Workspace and the Deployment a list of teams or users is narrowed to: their IDs, None when not given."""

    def __init__(self, workspace_id, deployment_id):
        self.workspace_id = workspace_id
        self.deployment_id = deployment_id

    @property
    def filters(self):
        """workspace_id and deployment_id to list and check by. As in the CLI's Deployment lists, with a Deployment
        the Workspace is only where the Deployment is looked up."""
        return dict(workspace_id=None if self.deployment_id else self.workspace_id, deployment_id=self.deployment_id)


def resolve_people_scope(client, params):
    """The PeopleScope of a module's workspace_id / workspace_name / deployment_id / deployment_name options.

    An ID that matches nothing fails (one list request each), so that a mistyped ID never reads as "nobody".
    """
    workspace_id = None
    if params["workspace_id"] is not None or params["workspace_name"] is not None:  # a blank one fails there
        workspace_id = as_id(resolve_workspace(client, params["workspace_id"], params["workspace_name"])["id"])
    deployment_id = resolve_deployment_checked(client, params["deployment_id"], params["deployment_name"], workspace_id)
    return PeopleScope(workspace_id, deployment_id)
