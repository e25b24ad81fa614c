"""The server rules of the Astro API (docs/astro-api/SEMANTICS.md), all in one place.

Every rule the emulator enforces beyond the shapes of openapi.yaml lives here.
Rules SEMANTICS.md marks *(assumed)* are tagged ``ASSUMED`` below and listed in
README.md: they are how we believe Astro behaves, not documented behaviour.

Tokens passed to these functions are the emulator's internal token records:
API fields plus ``ownEntityId`` (the Organization, Workspace or Deployment the
token is scoped to, fixed at creation).
"""

from .errors import ApiError, field_error

ORGANIZATION = "ORGANIZATION"
WORKSPACE = "WORKSPACE"
DEPLOYMENT = "DEPLOYMENT"
DAG_ENTITY_TYPES = ("DAG", "DAG_TAG")

ORGANIZATION_ROLES = (
    "ORGANIZATION_OWNER",
    "ORGANIZATION_BILLING_ADMIN",
    "ORGANIZATION_MEMBER",
    "ORGANIZATION_OBSERVE_ADMIN",
    "ORGANIZATION_OBSERVE_MEMBER",
)
WORKSPACE_ROLES = ("WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR", "WORKSPACE_MEMBER", "WORKSPACE_ACCESSOR")
# What the emulator accepts as an ORGANIZATION or WORKSPACE role: the default roles only (custom roles are checked
# for DEPLOYMENT roles alone).
FIXED_ROLES = {ORGANIZATION: ORGANIZATION_ROLES, WORKSPACE: WORKSPACE_ROLES}
DEPLOYMENT_ADMIN = "DEPLOYMENT_ADMIN"
ORGANIZATION_OWNER = "ORGANIZATION_OWNER"
WORKSPACE_OWNER = "WORKSPACE_OWNER"
# Default DEPLOYMENT roles besides DEPLOYMENT_ADMIN: valid in role writes, and answered in ListRoles' defaultRoles.
# DEPLOYMENT_ACCESSOR is the one the Terraform provider's docs use; the list is illustrative, not Astro's full set.
DEFAULT_DEPLOYMENT_ROLES = (DEPLOYMENT_ADMIN, "DEPLOYMENT_ACCESSOR")
# ListRoles?includeDefaultRoles=true (permissions abridged).
DEFAULT_ROLES = (
    [{"name": name, "scopeType": ORGANIZATION, "permissions": ["organization.get"]} for name in ORGANIZATION_ROLES]
    + [{"name": name, "scopeType": WORKSPACE, "permissions": ["workspace.get"]} for name in WORKSPACE_ROLES]
    + [{"name": name, "scopeType": DEPLOYMENT, "permissions": ["deployment.get", "deployment.update"]} for name in DEFAULT_DEPLOYMENT_ROLES]
)
# What Astro answers to a role on a Workspace or Deployment that does not exist is not public; SEMANTICS.md
# says to emulate it as a bad request.
UNKNOWN_ENTITY_STATUS = 400

# ASSUMED (SEMANTICS "Pagination"): default and largest page size.
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000

# ASSUMED (SEMANTICS "Authentication and errors"): the organization in the path
# must be the caller's own; another one answers 403, not 404.
OTHER_ORGANIZATION_STATUS = 403

REQUIRES_ORG_OWNER = "requires an ORGANIZATION token with ORGANIZATION_OWNER"
WORKSPACE_OPERATOR = "WORKSPACE_OPERATOR"
# Astronomer's user permissions reference (SEMANTICS "Who may do what"): Workspace Operators and Owners manage the
# Workspace API tokens of their Workspace; Workspace Owners also its Deployment API tokens.
MANAGES_TOKENS_OF_SCOPE = {WORKSPACE: (WORKSPACE_OWNER, WORKSPACE_OPERATOR), DEPLOYMENT: (WORKSPACE_OWNER,)}
WHO_MANAGES = {
    ORGANIZATION: REQUIRES_ORG_OWNER,
    WORKSPACE: "requires ORGANIZATION_OWNER, or a WORKSPACE token with WORKSPACE_OWNER or WORKSPACE_OPERATOR in the token's Workspace",
    DEPLOYMENT: "requires ORGANIZATION_OWNER, or a WORKSPACE token with WORKSPACE_OWNER in the Deployment's Workspace",
}


# --- own role --------------------------------------------------------------------

def own_role(token):
    """The role a token holds on the entity it is scoped to (None if it lost it)."""
    for entry in token.get("roles", []):
        if entry["entityType"] == token["scope"] and entry["entityId"] == token["ownEntityId"]:
            return entry["role"]
    return None


def is_organization_owner(token):
    return token["scope"] == ORGANIZATION and own_role(token) == ORGANIZATION_OWNER


def is_workspace_owner(token):
    return token["scope"] == WORKSPACE and own_role(token) == WORKSPACE_OWNER


def is_workspace_token_manager(token):
    """A WORKSPACE token whose own role may manage Workspace API tokens (and so read those of its Workspace)."""
    return token["scope"] == WORKSPACE and own_role(token) in MANAGES_TOKENS_OF_SCOPE[WORKSPACE]


def token_workspace(state, scope, entity_id):
    """The Workspace a WORKSPACE or DEPLOYMENT token (of that scope, scoped to entity_id) belongs to; None otherwise."""
    if scope == WORKSPACE:
        return entity_id
    if scope == DEPLOYMENT:
        deployment = state.deployments.get(entity_id)
        return deployment["workspaceId"] if deployment else None
    return None


def manages_tokens(state, caller, scope, entity_id):
    """Whether the caller may create, update, rotate, delete and give roles to tokens of that scope and entity."""
    if is_organization_owner(caller):
        return True
    return (caller["scope"] == WORKSPACE and scope in MANAGES_TOKENS_OF_SCOPE
            and own_role(caller) in MANAGES_TOKENS_OF_SCOPE[scope]
            and token_workspace(state, scope, entity_id) == caller["ownEntityId"])


def describe(token):
    return f"API token scope {token['scope']} with role {own_role(token)}"


# --- organization ----------------------------------------------------------------

def check_organization(state, organization_id):
    """ASSUMED: another organization than the caller's answers 403."""
    if organization_id != state.organization["id"]:
        raise ApiError(OTHER_ORGANIZATION_STATUS, f"API token may not access organization {organization_id}; it belongs to another organization")


# --- who may do what (ASSUMED, simplified: SEMANTICS "Who may do what") -----------

def authorize_token_change(state, caller, action, scope, entity_id, token_id=None):
    """Create, update, delete and rotate a token of that scope on that entity: who manages such tokens."""
    if manages_tokens(state, caller, scope, entity_id):
        return
    target = f" {scope} token {token_id}" if token_id else f" {scope} tokens"
    raise ApiError(403, f"{describe(caller)} may not {action}{target}; {WHO_MANAGES[scope]}")


def authorize_list_tokens(state, caller, workspace_id, deployment_id, what="API tokens"):
    """ORGANIZATION tokens may list all tokens; a WORKSPACE_OWNER token only those of its Workspace.

    ASSUMED: the same holds for the lists of teams and users (what: "teams", "users").
    """
    if caller["scope"] == ORGANIZATION:
        return
    if is_workspace_token_manager(caller):
        own = caller["ownEntityId"]
        if workspace_id == own and deployment_id is None:
            return
        if deployment_id is not None and workspace_id in (None, own):
            deployment = state.deployments.get(deployment_id)
            if deployment is not None and deployment["workspaceId"] == own:
                return
        raise ApiError(403, f"{describe(caller)} may list only the {what} of its own Workspace {own} (pass workspaceId={own})")
    raise ApiError(403, f"{describe(caller)} may not list {what}; requires an ORGANIZATION token or a WORKSPACE token "
                        "with WORKSPACE_OWNER or WORKSPACE_OPERATOR")


def token_touches_workspace(state, token, workspace_id):
    """Whether a token holds a role on the Workspace or on one of its Deployments."""
    for entry in token.get("roles", []):
        if entry["entityType"] == WORKSPACE and entry["entityId"] == workspace_id:
            return True
        if entry["entityType"] == DEPLOYMENT:
            deployment = state.deployments.get(entry["entityId"])
            if deployment is not None and deployment["workspaceId"] == workspace_id:
                return True
    return False


def authorize_read_token(state, caller, token):
    if caller["scope"] == ORGANIZATION:
        return
    if is_workspace_token_manager(caller) and token_touches_workspace(state, token, caller["ownEntityId"]):
        return
    raise ApiError(403, f"{describe(caller)} may not read token {token['id']}: it holds no role in the caller's Workspace")


def readable_workspace_ids(state, caller):
    """Workspaces the caller may read; None means all of the organization."""
    if caller["scope"] == ORGANIZATION:
        return None
    if caller["scope"] == WORKSPACE:
        return {caller["ownEntityId"]}
    return set()


def authorize_read_workspace(state, caller, workspace_id):
    readable = readable_workspace_ids(state, caller)
    if readable is not None and workspace_id not in readable:
        raise ApiError(403, f"{describe(caller)} may not read Workspace {workspace_id}")


def authorize_list_workspaces(state, caller, workspace_ids):
    readable = readable_workspace_ids(state, caller)
    if readable is None:
        return None
    if not readable:
        raise ApiError(403, f"{describe(caller)} may not list Workspaces")
    denied = [workspace_id for workspace_id in workspace_ids or [] if workspace_id not in readable]
    if denied:
        raise ApiError(403, f"{describe(caller)} may not read Workspace {', '.join(denied)}")
    return readable


def readable_deployment(state, caller, deployment):
    if caller["scope"] == ORGANIZATION:
        return True
    if caller["scope"] == WORKSPACE:
        return deployment["workspaceId"] == caller["ownEntityId"]
    return deployment["id"] == caller["ownEntityId"]


def authorize_read_deployment(state, caller, deployment):
    if not readable_deployment(state, caller, deployment):
        raise ApiError(403, f"{describe(caller)} may not read Deployment {deployment['id']}")


def authorize_list_deployments(state, caller, workspace_ids, deployment_ids):
    """Non-ORGANIZATION callers see only their own Deployments; naming another one answers 403."""
    if caller["scope"] == ORGANIZATION:
        return
    readable = readable_workspace_ids(state, caller)
    denied = [w for w in workspace_ids or [] if w not in readable]
    denied += [d for d in deployment_ids or [] if d in state.deployments and not readable_deployment(state, caller, state.deployments[d])]
    if denied:
        raise ApiError(403, f"{describe(caller)} may not read {', '.join(denied)}")


def authorize_roles_write(state, caller, target):
    """Who may replace a token's roles (the part that does not depend on the new list): who manages such tokens."""
    if manages_tokens(state, caller, target["scope"], target["ownEntityId"]):
        return
    if is_workspace_token_manager(caller):
        own = caller["ownEntityId"]
        raise ApiError(
            403,
            f"{describe(caller)} may not update roles of token {target['id']}: it may change only DEPLOYMENT roles "
            f"of the {'WORKSPACE and DEPLOYMENT' if is_workspace_owner(caller) else 'WORKSPACE'} tokens of its own Workspace {own}",
        )
    raise ApiError(403, f"API token scope {caller['scope']} may not update roles of token {target['id']}; {REQUIRES_ORG_OWNER}")


def authorize_roles_change(caller, target, new_roles):
    """A Workspace caller may change DEPLOYMENT roles only: everything else must stay as it is (ASSUMED: no public
    source says whether a Workspace token may change a token's own Workspace role)."""
    if is_organization_owner(caller):
        return

    def others(roles):
        return sorted(role_key(entry) + (entry["role"],) for entry in roles if entry["entityType"] != DEPLOYMENT)

    if others(target.get("roles", [])) != others(new_roles):
        raise ApiError(
            403,
            f"{describe(caller)} may change only the DEPLOYMENT roles of token {target['id']}; "
            f"changing its other roles {REQUIRES_ORG_OWNER}",
        )


# --- valid roles -----------------------------------------------------------------

def custom_deployment_role(state, name):
    for role in state.custom_roles.values():
        if role["name"] == name and role["scopeType"] == DEPLOYMENT:
            return role
    return None


def check_deployment_role_name(state, role, deployment, label):
    """A default DEPLOYMENT role, or the name of a custom DEPLOYMENT role allowed in the Deployment's Workspace."""
    if role in DEFAULT_DEPLOYMENT_ROLES:
        return
    custom = custom_deployment_role(state, role)
    if custom is None:
        raise ApiError(400, f"{label}: invalid DEPLOYMENT role {role!r}; use a default role ({', '.join(DEFAULT_DEPLOYMENT_ROLES)}) "
                            "or the name of a custom role with scopeType DEPLOYMENT")
    # ASSUMED: a custom role with restrictedWorkspaceIds is usable only in those Workspaces.
    restricted = custom.get("restrictedWorkspaceIds") or []
    if restricted and deployment["workspaceId"] not in restricted:
        raise ApiError(
            400,
            f"{label}: custom role {role} may not be used on Deployment {deployment['id']} "
            f"(Workspace {deployment['workspaceId']}); it is restricted to Workspaces {', '.join(restricted)}",
        )


def _check_fixed_role_name(entity_type, role, label):
    valid = FIXED_ROLES[entity_type]
    if role not in valid:
        raise ApiError(400, f"{label}: invalid {entity_type} role {role!r}; valid: {', '.join(valid)}")


def check_own_role_name(state, scope, role, entity, label):
    """The role a new token gets on the entity it is scoped to."""
    if scope in FIXED_ROLES:
        _check_fixed_role_name(scope, role, label)
    if scope == DEPLOYMENT:
        check_deployment_role_name(state, role, entity, label)


# --- role writes -----------------------------------------------------------------

def role_key(entry):
    """The entity a role is on: a token holds at most one role per key."""
    if entry["entityType"] in DAG_ENTITY_TYPES:
        return (entry["entityType"], entry.get("deploymentId"), entry["entityId"])
    return (entry["entityType"], entry["entityId"])


def _entry_label(index, entry):
    extra = f" deploymentId={entry['deploymentId']}" if entry.get("deploymentId") else ""
    return f"roles[{index}] ({entry['entityType']} {entry['entityId']}{extra} {entry['role']})"


def _check_deployment_scope(token, deployment, label):
    """SEMANTICS: WORKSPACE tokens hold DEPLOYMENT roles only in their own Workspace; DEPLOYMENT tokens nothing else."""
    scope = token["scope"]
    # ASSUMED: no public client checks that a WORKSPACE token stays in its own Workspace.
    if scope == WORKSPACE and deployment["workspaceId"] != token["ownEntityId"]:
        raise ApiError(
            400,
            f"{label}: a WORKSPACE token may hold DEPLOYMENT roles only on Deployments of its own Workspace "
            f"{token['ownEntityId']}; Deployment {deployment['id']} is in Workspace {deployment['workspaceId']}",
        )
    if scope == DEPLOYMENT and deployment["id"] != token["ownEntityId"]:
        raise ApiError(400, f"{label}: a DEPLOYMENT token may hold no role besides its own role on Deployment {token['ownEntityId']}")


def _check_entry(state, token, index, entry):
    label = _entry_label(index, entry)
    entity_type, entity_id, role, scope = entry["entityType"], entry["entityId"], entry["role"], token["scope"]
    if entity_type == ORGANIZATION:
        if scope != ORGANIZATION:
            raise ApiError(400, f"{label}: a {scope} token may not hold an ORGANIZATION role")
        if entity_id != state.organization["id"]:
            raise ApiError(400, f"{label}: an ORGANIZATION token may hold an ORGANIZATION role only on its own organization {state.organization['id']}")
        _check_fixed_role_name(ORGANIZATION, role, label)
    elif entity_type == WORKSPACE:
        if entity_id not in state.workspaces:
            raise ApiError(UNKNOWN_ENTITY_STATUS, f"{label}: Workspace {entity_id} not found")
        if scope == DEPLOYMENT:
            raise ApiError(400, f"{label}: a DEPLOYMENT token may not hold a WORKSPACE role")
        if scope == WORKSPACE and entity_id != token["ownEntityId"]:
            raise ApiError(400, f"{label}: a WORKSPACE token may not hold a role on another Workspace than its own {token['ownEntityId']}")
        _check_fixed_role_name(WORKSPACE, role, label)
    elif entity_type == DEPLOYMENT:
        deployment = state.deployments.get(entity_id)
        if deployment is None:
            raise ApiError(UNKNOWN_ENTITY_STATUS, f"{label}: Deployment {entity_id} not found")
        _check_deployment_scope(token, deployment, label)
        check_deployment_role_name(state, role, deployment, label)
    elif entity_type in DAG_ENTITY_TYPES:
        deployment_id = entry.get("deploymentId")
        if not deployment_id:
            raise ApiError(400, f"{label}: {entity_type} roles need deploymentId")
        deployment = state.deployments.get(deployment_id)
        if deployment is None:
            raise ApiError(UNKNOWN_ENTITY_STATUS, f"{label}: Deployment {deployment_id} not found")
        # Observed: a DEPLOYMENT token may hold DAG and DAG_TAG roles on its own Deployment (the Terraform
        # provider's acceptance tests create them). ASSUMED: elsewhere they go wherever DEPLOYMENT roles may;
        # their role names are not checked.
        _check_deployment_scope(token, deployment, label)
        if not role:
            raise ApiError(400, f"{label}: empty role")
    else:
        raise ApiError(400, f"{label}: unknown entityType {entity_type!r}")


def check_roles_write(state, token, roles):
    """Validate the full new role list of ``token`` (it REPLACES the old one). Returns it, normalised."""
    normalised = []
    seen = {}
    for index, entry in enumerate(roles):
        entry = {key: entry[key] for key in ("entityType", "entityId", "role", "deploymentId") if entry.get(key) is not None}
        _check_entry(state, token, index, entry)
        key = role_key(entry)
        if key in seen:
            raise ApiError(
                400,
                f"{_entry_label(index, entry)}: a token holds at most one role per entity; "
                f"{_entry_label(seen[key], normalised[seen[key]])} is on the same entity",
            )
        seen[key] = index
        normalised.append(entry)
    # ASSUMED: a write that omits the token's own role answers 400.
    if (token["scope"], token["ownEntityId"]) not in seen:
        raise ApiError(
            400,
            f"the roles of token {token['id']} must keep its own role: one {token['scope']} role on {token['ownEntityId']} "
            f"(currently {own_role(token)})",
        )
    return normalised


def subject_roles(roles):
    """The SubjectRoles answer of a roles write."""
    answer = {"workspaceRoles": [], "deploymentRoles": [], "dagRoles": []}
    for entry in roles:
        entity_type = entry["entityType"]
        if entity_type == ORGANIZATION:
            answer["organizationRole"] = entry["role"]
        elif entity_type == WORKSPACE:
            answer["workspaceRoles"].append({"workspaceId": entry["entityId"], "role": entry["role"]})
        elif entity_type == DEPLOYMENT:
            answer["deploymentRoles"].append({"deploymentId": entry["entityId"], "role": entry["role"]})
        else:
            answer["dagRoles"].append(dict(entry))
    return answer


# --- teams and users (SEMANTICS "Teams and users, and their roles") -------------

def subject_touches_workspace(state, subject, workspace_id):
    """Whether a team or user holds a role on the Workspace or on one of its Deployments."""
    if any(entry["workspaceId"] == workspace_id for entry in subject.get("workspaceRoles") or []):
        return True
    return any(
        state.deployments.get(entry["deploymentId"], {}).get("workspaceId") == workspace_id
        for entry in subject.get("deploymentRoles") or []
    )


def authorize_read_subject(state, caller, kind, subject):
    """ASSUMED, as for tokens: ORGANIZATION tokens read every team and user; a WORKSPACE_OWNER token those
    holding a role in its Workspace."""
    if caller["scope"] == ORGANIZATION:
        return
    if is_workspace_owner(caller) and subject_touches_workspace(state, subject, caller["ownEntityId"]):
        return
    raise ApiError(403, f"{describe(caller)} may not read {kind} {subject['id']}: it holds no role in the caller's Workspace")


def authorize_subject_roles_write(caller, kind, subject_id):
    """ASSUMED, as for tokens: only an ORGANIZATION_OWNER token writes the roles of a team or user."""
    if is_organization_owner(caller):
        return
    raise ApiError(403, f"{describe(caller)} may not update roles of {kind} {subject_id}; {REQUIRES_ORG_OWNER}")


def _check_unique(label, key, seen, what):
    if key in seen:
        raise ApiError(400, f"{label}: a team or user holds at most one role per {what}; {seen[key]} is on the same {what}")


def _check_subject_workspace_roles(state, entries):
    seen = {}
    for index, entry in enumerate(entries):
        label = f"workspaceRoles[{index}] ({entry['workspaceId']} {entry['role']})"
        if entry["workspaceId"] not in state.workspaces:
            raise ApiError(UNKNOWN_ENTITY_STATUS, f"{label}: Workspace {entry['workspaceId']} not found")
        _check_fixed_role_name(WORKSPACE, entry["role"], label)
        # ASSUMED server side (the Terraform provider refuses duplicates before writing).
        _check_unique(label, entry["workspaceId"], seen, "Workspace")
        seen[entry["workspaceId"]] = label


def _check_subject_deployment_roles(state, entries, workspace_ids):
    seen = {}
    for index, entry in enumerate(entries):
        label = f"deploymentRoles[{index}] ({entry['deploymentId']} {entry['role']})"
        deployment = state.deployments.get(entry["deploymentId"])
        if deployment is None:
            raise ApiError(UNKNOWN_ENTITY_STATUS, f"{label}: Deployment {entry['deploymentId']} not found")
        check_deployment_role_name(state, entry["role"], deployment, label)
        _check_unique(label, entry["deploymentId"], seen, "Deployment")
        seen[entry["deploymentId"]] = label
        # ASSUMED server side: the Terraform provider refuses a Deployment role without a Workspace role on the
        # Deployment's Workspace (ValidateWorkspaceDeploymentRoles); the emulator answers such a write 400.
        if deployment["workspaceId"] not in workspace_ids:
            raise ApiError(
                400,
                f"{label}: a Deployment role needs a Workspace role on the Deployment's Workspace "
                f"{deployment['workspaceId']}; add one to workspaceRoles",
            )


def _check_subject_dag_roles(state, entries, deployment_ids):
    seen = {}
    for index, entry in enumerate(entries):
        target = entry.get("dagId") or entry.get("dagTag")
        label = f"dagRoles[{index}] ({entry['deploymentId']} {target} {entry['role']})"
        if (entry.get("dagId") is None) == (entry.get("dagTag") is None):
            raise ApiError(400, f"{label}: give exactly one of dagId and dagTag")
        if entry["deploymentId"] not in state.deployments:
            raise ApiError(UNKNOWN_ENTITY_STATUS, f"{label}: Deployment {entry['deploymentId']} not found")
        # ASSUMED server side (observed client side: the Terraform provider's ValidateRolesWithDagRoles).
        if entry["deploymentId"] not in deployment_ids:
            raise ApiError(400, f"{label}: a DAG role needs a Deployment role on Deployment {entry['deploymentId']}")
        if not entry["role"]:
            raise ApiError(400, f"{label}: empty role")
        key = (entry["deploymentId"], "dagId" if entry.get("dagId") else "dagTag", target)
        _check_unique(label, key, seen, "DAG")
        seen[key] = label


def check_subject_roles_write(state, body):
    """Validate the whole new role set of a team or user (it REPLACES the old one: a list left out is empty).

    Returns it in the stored shape: organizationRole, workspaceRoles, deploymentRoles, dagRoles.
    """
    organization_role = body.get("organizationRole")
    if organization_role is None:
        # Observed for users (the UpdateUserRolesRequest field comments), required by the schema for teams.
        raise ApiError(
            400,
            "organizationRole is required: a roles write replaces the whole set, the Organization role included",
            [field_error("organizationRole", "required", "organizationRole is required")],
        )
    _check_fixed_role_name(ORGANIZATION, organization_role, f"organizationRole {organization_role!r}")
    roles = {
        "organizationRole": organization_role,
        "workspaceRoles": [{"workspaceId": e["workspaceId"], "role": e["role"]} for e in body.get("workspaceRoles") or []],
        "deploymentRoles": [{"deploymentId": e["deploymentId"], "role": e["role"]} for e in body.get("deploymentRoles") or []],
        "dagRoles": [
            {key: e[key] for key in ("deploymentId", "dagId", "dagTag", "role") if e.get(key) is not None}
            for e in body.get("dagRoles") or []
        ],
    }
    _check_subject_workspace_roles(state, roles["workspaceRoles"])
    _check_subject_deployment_roles(state, roles["deploymentRoles"], {e["workspaceId"] for e in roles["workspaceRoles"]})
    _check_subject_dag_roles(state, roles["dagRoles"], {e["deploymentId"] for e in roles["deploymentRoles"]})
    return roles


def field_errors_for_limit(value, largest=None):
    """ASSUMED: the largest page is MAX_LIMIT (or `largest`, a strict mode's); a larger limit is a request-validation 400."""
    largest = largest or MAX_LIMIT
    if value > largest:
        return [field_error("limit", "max", f"limit must be at most {largest}, got {value}")]
    return []
