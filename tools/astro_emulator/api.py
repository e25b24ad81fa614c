"""The Astro API operations of openapi.yaml, over a ``State``.

Each operation takes a ``Call`` (caller token, path parameters, query, body) and
returns ``(status, body)`` or raises ``ApiError``. The server holds the state
lock while an operation runs. Server rules come from ``rules``.
"""

import datetime
from dataclasses import dataclass, field

from . import rules, strict
from .errors import ApiError, field_error
from .state import format_time, new_id, new_short_token, public_team, public_token

TOKEN_SCOPES = ("ORGANIZATION", "WORKSPACE", "DEPLOYMENT")
TOKEN_KINDS = ("STANDARD", "DIRECT_ACCESS")
ROLE_ENTITY_TYPES = ("ORGANIZATION", "WORKSPACE", "DEPLOYMENT", "DAG", "DAG_TAG")
ROLE_SCOPE_TYPES = ("ORGANIZATION", "WORKSPACE", "DEPLOYMENT", "DAG")

# Sort keys of each list (openapi.yaml `sorts` enums) -> the field they sort on.
TOKEN_SORTS = {"name": "name", "description": "description", "createdAt": "createdAt", "updatedAt": "updatedAt", "tokenStartAt": "startAt"}
ENTITY_SORTS = {"name": "name", "createdAt": "createdAt", "updatedAt": "updatedAt"}
ROLE_SORTS = {"name": "name", "scopeType": "scopeType", "createdAt": "createdAt", "updatedAt": "updatedAt"}
TEAM_SORTS = {"name": "name", "description": "description", "createdAt": "createdAt", "updatedAt": "updatedAt"}
USER_SORTS = {"createdAt": "createdAt", "fullName": "fullName", "id": "id", "updatedAt": "updatedAt", "username": "username"}
MEMBER_SORTS = {"createdAt": "createdAt", "fullName": "fullName", "userId": "userId", "username": "username"}



@dataclass
class Call:
    state: object
    caller: dict
    params: dict
    query: dict = field(default_factory=dict)
    body: object = None
    modes: object = None  # strict.Modes: the strict modes in force (None: none)


# --- request validation (400 with fieldErrors) -----------------------------------------

def invalid_request(errors):
    """The 400 of a request that breaks the schema: every fieldError, in the message too."""
    return ApiError(400, "Invalid request: " + "; ".join(error["message"] for error in errors), errors)


class _Query:
    """Typed access to query parameters, collecting fieldErrors instead of failing at the first."""

    def __init__(self, query):
        self.query = query
        self.errors = []

    def _one(self, name):
        values = self.query.get(name)
        return values[-1] if values else None

    def integer(self, name, default, minimum=0):
        raw = self._one(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.errors.append(field_error(name, "type", f"{name} must be an integer, got {raw!r}"))
            return default
        if value < minimum:
            self.errors.append(field_error(name, "min", f"{name} must be at least {minimum}, got {value}"))
        return value

    def boolean(self, name):
        raw = self._one(name)
        if raw is None:
            return False
        if raw.lower() not in ("true", "false"):
            self.errors.append(field_error(name, "type", f"{name} must be true or false, got {raw!r}"))
            return False
        return raw.lower() == "true"

    def string(self, name):
        return self._one(name)

    def enum(self, name, allowed):
        raw = self._one(name)
        if raw is not None and raw not in allowed:
            self.errors.append(field_error(name, "enum", f"{name} must be one of {', '.join(allowed)}, got {raw!r}"))
        return raw

    def strings(self, name):
        return list(self.query.get(name) or [])

    def enums(self, name, allowed):
        values = self.strings(name)
        for value in values:
            if value not in allowed:
                self.errors.append(field_error(name, "enum", f"{name} must be one of {', '.join(allowed)}, got {value!r}"))
        return values

    def page(self, largest=None):
        """largest: a smaller maximum than the general one, for this list (strict.largest_page)."""
        offset = self.integer("offset", 0)
        limit = self.integer("limit", rules.DEFAULT_LIMIT)
        self.errors.extend(rules.field_errors_for_limit(limit, largest))
        return offset, limit

    def sorts(self, keys):
        allowed = [f"{key}:{direction}" for key in keys for direction in ("asc", "desc")]
        return self.enums("sorts", allowed)

    def done(self):
        if self.errors:
            raise invalid_request(self.errors)

    def page_sorted_done(self, sort_keys):
        """(offset, limit, sorts) of a list, after which every query error is raised."""
        offset, limit = self.page()
        sorts = self.sorts(sort_keys)
        self.done()
        return offset, limit, sorts


_TYPES = {str: "string", int: "integer", list: "array", dict: "object", bool: "boolean"}


def _check_fields(body, spec, prefix=""):
    """fieldErrors of a JSON object against {field: (type, required, enum)}."""
    errors = []
    if not isinstance(body, dict):
        return [field_error(prefix or "body", "type", f"{prefix or 'body'} must be an object")]
    for name, (kind, required, allowed) in spec.items():
        where = prefix + name
        if name not in body or body[name] is None:
            if required:
                errors.append(field_error(where, "required", f"{where} is required"))
            continue
        value = body[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            errors.append(field_error(where, "type", f"{where} must be of type {_TYPES[kind]}"))
        elif allowed and value not in allowed:
            errors.append(field_error(where, "enum", f"{where} must be one of {', '.join(allowed)}, got {value!r}"))
    return errors


CREATE_TOKEN_FIELDS = {
    "name": (str, True, None),
    "description": (str, False, None),
    "role": (str, True, None),
    "scope": (str, True, TOKEN_SCOPES),
    "entityId": (str, False, None),
    "kind": (str, False, TOKEN_KINDS),
    "tokenExpiryPeriodInDays": (int, False, None),
}
UPDATE_TOKEN_FIELDS = {"name": (str, True, None), "description": (str, False, None)}
ROLE_ENTRY_FIELDS = {
    "entityType": (str, True, ROLE_ENTITY_TYPES),
    "entityId": (str, True, None),
    "role": (str, True, None),
    "deploymentId": (str, False, None),
}


SUBJECT_ROLE_LIST_FIELDS = {
    "workspaceRoles": {"workspaceId": (str, True, None), "role": (str, True, rules.WORKSPACE_ROLES)},
    "deploymentRoles": {"deploymentId": (str, True, None), "role": (str, True, None)},
    "dagRoles": {"deploymentId": (str, True, None), "role": (str, True, None), "dagId": (str, False, None), "dagTag": (str, False, None)},
}


def _validate_subject_roles_body(body, organization_role_required):
    """UpdateTeamRolesRequest (organizationRole required) or UpdateUserRolesRequest (all optional in the schema)."""
    spec = {"organizationRole": (str, organization_role_required, None)}
    spec.update((name, (list, False, None)) for name in SUBJECT_ROLE_LIST_FIELDS)
    errors = _check_fields(body, spec)
    if not errors:
        for name, entry_spec in SUBJECT_ROLE_LIST_FIELDS.items():
            for index, entry in enumerate(body.get(name) or []):
                errors.extend(_check_fields(entry, entry_spec, prefix=f"{name}[{index}]."))
    if errors:
        raise invalid_request(errors)


def _validate_body(body, spec):
    errors = _check_fields(body, spec)
    if errors:
        raise invalid_request(errors)


def _validate_roles_body(body):
    errors = _check_fields(body, {"roles": (list, True, None)})
    if not errors:
        for index, entry in enumerate(body["roles"]):
            errors.extend(_check_fields(entry, ROLE_ENTRY_FIELDS, prefix=f"roles[{index}]."))
    if errors:
        raise invalid_request(errors)


# --- helpers ----------------------------------------------------------------------------

def _paginate(items, offset, limit, sorts, sort_fields):
    items = list(items)
    # Apply the least significant sort first; Python's sort is stable.
    for sort in reversed(sorts):
        key, direction = sort.split(":")
        field_name = sort_fields[key]
        items.sort(key=lambda item: str(item.get(field_name) or "").lower(), reverse=direction == "desc")
    return {"totalCount": len(items), "offset": offset, "limit": limit}, items[offset:offset + limit]


def _get_token(state, token_id):
    token = state.tokens.get(token_id)
    if token is None:
        raise ApiError(404, f"API token {token_id} not found")
    return token


def _answered(call, token, with_secret=False):
    """A token as the API answers it, its roles in the echo form of the strict modes."""
    answer = public_token(token, with_secret=with_secret)
    answer["roles"] = strict.echo_roles(call.modes, call.state, answer["roles"])
    return answer


def _touch(state, caller, token):
    token["updatedAt"] = state.now()
    token["updatedBy"] = state.token_profile(caller["id"], caller["name"])


# --- tokens -------------------------------------------------------------------------------

def list_tokens(call):
    query = _Query(call.query)
    workspace_id = query.string("workspaceId")
    deployment_id = query.string("deploymentId")
    only_org = query.boolean("includeOnlyOrganizationTokens")
    kind = query.enum("kind", TOKEN_KINDS)
    offset, limit = query.page(strict.largest_page(call.modes, "tokens"))
    sorts = query.sorts(TOKEN_SORTS)
    query.done()
    rules.authorize_list_tokens(call.state, call.caller, workspace_id, deployment_id)

    def holds(token, entity_type, entity_id):
        return any(entry["entityType"] == entity_type and entry["entityId"] == entity_id for entry in token["roles"])

    # An unknown workspaceId/deploymentId simply matches no token (the list has no 404 in openapi.yaml).
    tokens = [
        token for token in call.state.tokens.values()
        if (workspace_id is None or holds(token, "WORKSPACE", workspace_id))
        and (deployment_id is None or holds(token, "DEPLOYMENT", deployment_id))
        and (not only_org or token["scope"] == "ORGANIZATION")
        and (kind is None or token["kind"] == kind)
    ]
    page, tokens = _paginate(tokens, offset, limit, sorts, TOKEN_SORTS)
    page["tokens"] = [_answered(call, token) for token in tokens]
    return 200, page


def _own_entity(state, scope, entity_id):
    """(ID, record) of the entity a new token is scoped to; the record is None for the organization."""
    if scope == "ORGANIZATION":
        if entity_id not in (None, state.organization["id"]):
            raise ApiError(400, f"entityId {entity_id} is not this organization; leave it out for ORGANIZATION tokens")
        return state.organization["id"], None
    if not entity_id:
        raise ApiError(400, f"entityId is required for a {scope} token", [field_error("entityId", "required", "entityId is required")])
    entity = (state.workspaces if scope == "WORKSPACE" else state.deployments).get(entity_id)
    if entity is None:
        # openapi.yaml gives CreateApiToken no 404: an unknown entityId is a bad request.
        raise ApiError(400, f"entityId: {scope.capitalize()} {entity_id} not found")
    return entity_id, entity


def create_token(call):
    _validate_body(call.body, CREATE_TOKEN_FIELDS)
    state, body = call.state, call.body
    scope = body["scope"]
    entity_id, entity = _own_entity(state, scope, body.get("entityId"))
    rules.authorize_token_change(state, call.caller, "create", scope, entity_id)
    rules.check_own_role_name(state, scope, body["role"], entity, f"role {body['role']!r}")
    days = body.get("tokenExpiryPeriodInDays")
    if days is not None and days < 1:
        raise ApiError(400, "tokenExpiryPeriodInDays must be at least 1", [field_error("tokenExpiryPeriodInDays", "min", "must be at least 1")])

    created = state.now()
    token = {
        "id": new_id(),
        "name": body["name"],
        "description": body.get("description", ""),
        "shortToken": new_short_token(),
        "scope": scope,
        "kind": body.get("kind", "STANDARD"),
        "roles": [{"entityType": scope, "entityId": entity_id, "role": body["role"]}],
        "startAt": created,
        "createdAt": created,
        "updatedAt": created,
        "createdBy": state.token_profile(call.caller["id"], call.caller["name"]),
        "updatedBy": state.token_profile(call.caller["id"], call.caller["name"]),
        "ownEntityId": entity_id,
    }
    state.issue_secret(token)
    if days is not None:
        token["expiryPeriodInDays"] = days
        token["endAt"] = format_time(state.now_datetime() + datetime.timedelta(days=days))
    state.tokens[token["id"]] = token
    return 200, public_token(token, with_secret=True)


def get_token(call):
    token = _get_token(call.state, call.params["tokenId"])
    rules.authorize_read_token(call.state, call.caller, token)
    return 200, _answered(call, token)


def update_token(call):
    _validate_body(call.body, UPDATE_TOKEN_FIELDS)
    token = _get_token(call.state, call.params["tokenId"])
    rules.authorize_token_change(call.state, call.caller, "update", token["scope"], token["ownEntityId"], token["id"])
    token["name"] = call.body["name"]
    if call.body.get("description") is not None:
        token["description"] = call.body["description"]
    _touch(call.state, call.caller, token)
    return 200, _answered(call, token)


def delete_token(call):
    token = _get_token(call.state, call.params["tokenId"])
    rules.authorize_token_change(call.state, call.caller, "delete", token["scope"], token["ownEntityId"], token["id"])
    del call.state.tokens[token["id"]]
    return 204, None


def update_token_roles(call):
    _validate_roles_body(call.body)
    token = _get_token(call.state, call.params["tokenId"])
    rules.authorize_roles_write(call.state, call.caller, token)
    written = [dict(entry, role=strict.custom_role_by_echo(call.modes, call.state, entry.get("role")) or entry.get("role"))
               if isinstance(entry, dict) else entry for entry in call.body["roles"]]
    roles = rules.check_roles_write(call.state, token, written)
    rules.authorize_roles_change(call.caller, token, roles)
    roles = strict.server_added_entries(call.modes, call.state, token, roles)
    # Deliberately no version check: the new list simply replaces the old one (last write wins).
    token["roles"] = roles
    _touch(call.state, call.caller, token)
    return 200, rules.subject_roles(roles)


def rotate_token(call):
    token = _get_token(call.state, call.params["tokenId"])
    rules.authorize_token_change(call.state, call.caller, "rotate", token["scope"], token["ownEntityId"], token["id"])
    call.state.issue_secret(token)
    token["shortToken"] = new_short_token()
    token["lastRotatedAt"] = call.state.now()
    _touch(call.state, call.caller, token)
    return 200, _answered(call, token, with_secret=True)


# --- workspaces, deployments, roles -----------------------------------------------------

def list_workspaces(call):
    query = _Query(call.query)
    workspace_ids = query.strings("workspaceIds")
    names = query.strings("names")
    offset, limit = query.page()
    sorts = query.sorts(ENTITY_SORTS)
    query.done()
    readable = rules.authorize_list_workspaces(call.state, call.caller, workspace_ids)
    workspaces = [
        workspace for workspace in call.state.workspaces.values()
        if (readable is None or workspace["id"] in readable)
        and (not workspace_ids or workspace["id"] in workspace_ids)
        and (not names or workspace["name"] in names)
    ]
    page, workspaces = _paginate(workspaces, offset, limit, sorts, ENTITY_SORTS)
    page["workspaces"] = [dict(workspace) for workspace in workspaces]
    return 200, page


def get_workspace(call):
    workspace = call.state.workspaces.get(call.params["workspaceId"])
    if workspace is None:
        raise ApiError(404, f"Workspace {call.params['workspaceId']} not found")
    rules.authorize_read_workspace(call.state, call.caller, workspace["id"])
    return 200, dict(workspace)


def list_deployments(call):
    query = _Query(call.query)
    deployment_ids = query.strings("deploymentIds")
    names = query.strings("names")
    workspace_ids = query.strings("workspaceIds")
    offset, limit = query.page()
    sorts = query.sorts(ENTITY_SORTS)
    query.done()
    rules.authorize_list_deployments(call.state, call.caller, workspace_ids, deployment_ids)
    deployments = [
        deployment for deployment in call.state.deployments.values()
        if rules.readable_deployment(call.state, call.caller, deployment)
        and (not deployment_ids or deployment["id"] in deployment_ids)
        and (not workspace_ids or deployment["workspaceId"] in workspace_ids)
        and (not names or deployment["name"] in names)
    ]
    page, deployments = _paginate(deployments, offset, limit, sorts, ENTITY_SORTS)
    page["deployments"] = [dict(deployment) for deployment in deployments]
    return 200, page


def get_deployment(call):
    deployment = call.state.deployments.get(call.params["deploymentId"])
    if deployment is None:
        raise ApiError(404, f"Deployment {call.params['deploymentId']} not found")
    rules.authorize_read_deployment(call.state, call.caller, deployment)
    return 200, dict(deployment)


def list_roles(call):
    query = _Query(call.query)
    include_default = query.boolean("includeDefaultRoles")
    scope_types = query.enums("scopeTypes", ROLE_SCOPE_TYPES)
    offset, limit = query.page(strict.largest_page(call.modes, "roles"))
    sorts = query.sorts(ROLE_SORTS)
    query.done()
    roles = [role for role in call.state.custom_roles.values() if not scope_types or role["scopeType"] in scope_types]
    page, roles = _paginate(roles, offset, limit, sorts, ROLE_SORTS)
    page["roles"] = [dict(role) for role in roles]
    if include_default:
        page["defaultRoles"] = [dict(role) for role in rules.DEFAULT_ROLES if not scope_types or role["scopeType"] in scope_types]
    return 200, page


# --- teams and users ------------------------------------------------------------------------

def _get_subject(store, kind, subject_id):
    subject = store.get(subject_id)
    if subject is None:
        raise ApiError(404, f"{kind.capitalize()} {subject_id} not found")
    return subject


def _holds(subject, list_name, id_field, entity_id):
    return any(entry.get(id_field) == entity_id for entry in subject.get(list_name) or [])


def _subject_answer(roles):
    """The SubjectRoles answer of a team or user roles write (the stored set, copied)."""
    return {name: [dict(entry) for entry in roles[name]] if isinstance(roles[name], list) else roles[name] for name in roles}


def list_teams(call):
    query = _Query(call.query)
    names = query.strings("names")
    workspace_id = query.string("workspaceId")
    deployment_id = query.string("deploymentId")
    offset, limit, sorts = query.page_sorted_done(TEAM_SORTS)
    # ListTeams, unlike ListApiTokens and ListUsers, has a 404 in the v1 client: the emulator answers it for an
    # unknown workspaceId or deploymentId rather than an empty list (the stricter reading).
    if workspace_id is not None and workspace_id not in call.state.workspaces:
        raise ApiError(404, f"Workspace {workspace_id} not found")
    if deployment_id is not None and deployment_id not in call.state.deployments:
        raise ApiError(404, f"Deployment {deployment_id} not found")
    rules.authorize_list_tokens(call.state, call.caller, workspace_id, deployment_id, what="teams")
    teams = [
        team for team in call.state.teams.values()
        if (not names or team["name"] in names)
        and (workspace_id is None or _holds(team, "workspaceRoles", "workspaceId", workspace_id))
        and (deployment_id is None or _holds(team, "deploymentRoles", "deploymentId", deployment_id))
    ]
    page, teams = _paginate(teams, offset, limit, sorts, TEAM_SORTS)
    page["teams"] = [public_team(team) for team in teams]
    return 200, page


def _readable_subject(call, store, kind):
    """The team or user of the path (404 if none), once the caller may read it."""
    subject = _get_subject(store, kind, call.params[kind + "Id"])
    rules.authorize_read_subject(call.state, call.caller, kind, subject)
    return subject


def get_team(call):
    return 200, public_team(_readable_subject(call, call.state.teams, "team"))


def list_team_members(call):
    query = _Query(call.query)
    offset, limit, sorts = query.page_sorted_done(MEMBER_SORTS)
    team = _readable_subject(call, call.state.teams, "team")
    members = []
    for user_id in team["memberIds"]:
        user = call.state.users[user_id]
        members.append({"userId": user_id, "username": user["username"], "fullName": user["fullName"],
                        "avatarUrl": user["avatarUrl"], "createdAt": team["createdAt"]})
    page, members = _paginate(members, offset, limit, sorts, MEMBER_SORTS)
    page["teamMembers"] = members
    return 200, page


def _replace_subject_roles(call, store, kind, organization_role_required):
    """UpdateTeamRoles / UpdateUserRoles: the stored subject, its whole role set replaced by the request's."""
    _validate_subject_roles_body(call.body, organization_role_required)
    subject = _get_subject(store, kind, call.params[kind + "Id"])
    rules.authorize_subject_roles_write(call.caller, kind, subject["id"])
    roles = rules.check_subject_roles_write(call.state, call.body)
    # Deliberately no version check: the new set simply replaces the old one (last write wins).
    subject.update(roles)
    subject["updatedAt"] = call.state.now()
    return subject, roles


def update_team_roles(call):
    team, roles = _replace_subject_roles(call, call.state.teams, "team", organization_role_required=True)
    team["updatedBy"] = call.state.token_profile(call.caller["id"], call.caller["name"])
    return 200, _subject_answer(roles)


def list_users(call):
    query = _Query(call.query)
    workspace_id = query.string("workspaceId")
    deployment_id = query.string("deploymentId")
    dag_id = query.string("dagId")
    dag_tags = query.strings("dagTags")
    offset, limit, sorts = query.page_sorted_done(USER_SORTS)
    rules.authorize_list_tokens(call.state, call.caller, workspace_id, deployment_id, what="users")
    # An unknown workspaceId/deploymentId matches no user (ListUsers has no 404 in openapi.yaml).
    users = [
        user for user in call.state.users.values()
        if (workspace_id is None or _holds(user, "workspaceRoles", "workspaceId", workspace_id))
        and (deployment_id is None or _holds(user, "deploymentRoles", "deploymentId", deployment_id))
        and (dag_id is None or _holds(user, "dagRoles", "dagId", dag_id))
        and (not dag_tags or any(entry.get("dagTag") in dag_tags for entry in user["dagRoles"]))
    ]
    page, users = _paginate(users, offset, limit, sorts, USER_SORTS)
    page["users"] = [dict(user) for user in users]
    return 200, page


def get_user(call):
    return 200, dict(_readable_subject(call, call.state.users, "user"))


def update_user_roles(call):
    # The User schema has no updatedBy.
    return 200, _subject_answer(_replace_subject_roles(call, call.state.users, "user", organization_role_required=False)[1])


# method, path under /v1 (segments; {name} is a parameter), operationId, implementation
ROUTES = (
    ("GET", "organizations/{organizationId}/tokens", "ListApiTokens", list_tokens),
    ("POST", "organizations/{organizationId}/tokens", "CreateApiToken", create_token),
    ("GET", "organizations/{organizationId}/tokens/{tokenId}", "GetApiToken", get_token),
    ("POST", "organizations/{organizationId}/tokens/{tokenId}", "UpdateApiToken", update_token),
    ("DELETE", "organizations/{organizationId}/tokens/{tokenId}", "DeleteApiToken", delete_token),
    ("POST", "organizations/{organizationId}/tokens/{tokenId}/roles", "UpdateApiTokenRoles", update_token_roles),
    ("POST", "organizations/{organizationId}/tokens/{tokenId}/rotate", "RotateApiToken", rotate_token),
    ("GET", "organizations/{organizationId}/workspaces", "ListWorkspaces", list_workspaces),
    ("GET", "organizations/{organizationId}/workspaces/{workspaceId}", "GetWorkspace", get_workspace),
    ("GET", "organizations/{organizationId}/deployments", "ListDeployments", list_deployments),
    ("GET", "organizations/{organizationId}/deployments/{deploymentId}", "GetDeployment", get_deployment),
    ("GET", "organizations/{organizationId}/roles", "ListRoles", list_roles),
    ("GET", "organizations/{organizationId}/teams", "ListTeams", list_teams),
    ("GET", "organizations/{organizationId}/teams/{teamId}", "GetTeam", get_team),
    ("GET", "organizations/{organizationId}/teams/{teamId}/members", "ListTeamMembers", list_team_members),
    ("POST", "organizations/{organizationId}/teams/{teamId}/roles", "UpdateTeamRoles", update_team_roles),
    ("GET", "organizations/{organizationId}/users", "ListUsers", list_users),
    ("GET", "organizations/{organizationId}/users/{userId}", "GetUser", get_user),
    ("POST", "organizations/{organizationId}/users/{userId}/roles", "UpdateUserRoles", update_user_roles),
)


def match_route(segments):
    """({method: (operationId, implementation)}, path params) for decoded /v1 path segments; (None, None) if no path matches."""
    for _method, template, _op, _impl in ROUTES:
        parts = template.split("/")
        if len(parts) != len(segments):
            continue
        params = {}
        for part, segment in zip(parts, segments):
            if part.startswith("{"):
                if not segment:
                    break
                params[part[1:-1]] = segment
            elif part != segment:
                break
        else:
            operations = {method: (op, impl) for method, tmpl, op, impl in ROUTES if tmpl == template}
            return operations, params
    return None, None
