# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A large Astro organization for the emulator, generated in code (deterministic for a given seed).

Default shape: 2 000 tokens, 200 Workspaces, 800 Deployments (4 per Workspace), 20 custom
Deployment roles. Besides filler tokens of every scope with realistic role lists it holds:
- the caller, `bench-admin` (ORGANIZATION_OWNER, with a secret);
- the five onboarding tokens (ONBOARD_ORG_TOKENS get Workspace roles, ONBOARD_DEPLOYMENT_TOKENS
  Deployment roles on all 4 Deployments of each onboarded Workspace), holding no role yet;
- `bench-op-org`, the Organization token the per-operation measurements edit.
"""

from __future__ import annotations

import random
import string

ALPHABET = string.ascii_lowercase + string.digits
DEPLOYMENT_NAMES = ("etl", "reporting", "training", "sandbox")
WORKSPACE_ROLES = ("WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR", "WORKSPACE_MEMBER", "WORKSPACE_ACCESSOR")
CALLER = "bench-admin"
OP_TOKEN = "bench-op-org"
# The team and the user whose roles the per-operation part edits (team_roles, user_roles); fixed IDs, so that adding
# them drew nothing from the generator and left every other ID of the seed as it was.
OP_TEAM = dict(id="cbenchteam000000000000001", name="bench-op-team")
OP_USER_EMAIL = "bench@example.com"
# (name, Workspace role) declared for every onboarded Workspace.
ONBOARD_ORG_TOKENS = (("onboard-deployer", "WORKSPACE_OPERATOR"), ("onboard-reader", "WORKSPACE_ACCESSOR"),
                      ("onboard-auditor", "WORKSPACE_MEMBER"))
# (name, Deployment role) on every Deployment (`all`, 4) of every onboarded Workspace; one custom role.
ONBOARD_DEPLOYMENT_TOKENS = (("onboard-admin", "DEPLOYMENT_ADMIN"), ("onboard-dag-runner", "CUSTOM_ROLE_00"))


def cuid(rng):
    """25 characters, lowercase letters and digits, starting with 'c'."""
    return "c" + "".join(rng.choice(ALPHABET) for _ in range(24))


def workspace_name(index):
    return "ws-{0:03d}".format(index)


def generate(tokens=2000, workspaces=200, deployments_per_workspace=4, custom_roles=20, seed=6):
    """The seed dict (tools/astro_emulator/README.md format)."""
    rng = random.Random(seed)
    org = cuid(rng)
    user = cuid(rng)
    data = {
        "organization": {"id": org, "name": "Benchmark Org"},
        "users": [{"id": user, "fullName": "Bench Marker", "username": OP_USER_EMAIL}],
        "workspaces": [], "deployments": [], "custom_roles": [], "tokens": [],
    }
    for w in range(workspaces):
        ws = {"id": cuid(rng), "name": workspace_name(w), "description": "benchmark Workspace {0}".format(w)}
        data["workspaces"].append(ws)
        for d in range(deployments_per_workspace):
            data["deployments"].append({"id": cuid(rng), "name": DEPLOYMENT_NAMES[d % len(DEPLOYMENT_NAMES)]
                                        + ("" if d < len(DEPLOYMENT_NAMES) else str(d)), "workspaceId": ws["id"]})
    for r in range(custom_roles):
        data["custom_roles"].append({"id": cuid(rng), "name": "CUSTOM_ROLE_{0:02d}".format(r), "scopeType": "DEPLOYMENT",
                                     "description": "benchmark custom role {0}".format(r), "restrictedWorkspaceIds": []})
    ws_ids = [w["id"] for w in data["workspaces"]]
    deps = data["deployments"]
    deployments_of = {w: [] for w in ws_ids}
    for d in deps:
        deployments_of[d["workspaceId"]].append(d)
    role_names = ["DEPLOYMENT_ADMIN"] + [r["name"] for r in data["custom_roles"]]

    def org_token(name, own="ORGANIZATION_MEMBER", extra=(), secret=None):
        token = {"id": cuid(rng), "name": name, "description": "benchmark", "scope": "ORGANIZATION",
                 "created_by_user": user,
                 "roles": [{"entityType": "ORGANIZATION", "entityId": org, "role": own}] + list(extra)}
        if secret:
            token["secret"] = secret
        data["tokens"].append(token)

    org_token(CALLER, own="ORGANIZATION_OWNER", secret="bench-secret-" + cuid(rng))
    data["caller"] = data["tokens"][0]["id"]
    for name, _ in ONBOARD_ORG_TOKENS + ONBOARD_DEPLOYMENT_TOKENS:
        org_token(name)
    org_token(OP_TOKEN)
    filler = tokens - len(data["tokens"])
    for i in range(max(0, filler)):
        kind = i % 10  # 4 in 10 Organization tokens, 3 Workspace tokens, 3 Deployment tokens
        name = "svc-{0:05d}".format(i)
        if kind < 4 or not ws_ids:
            extra = [{"entityType": "WORKSPACE", "entityId": w, "role": rng.choice(WORKSPACE_ROLES)}
                     for w in rng.sample(ws_ids, min(len(ws_ids), rng.randint(0, 3)))]
            extra += [{"entityType": "DEPLOYMENT", "entityId": d["id"], "role": rng.choice(role_names)}
                      for d in rng.sample(deps, min(len(deps), rng.randint(0, 2)))]
            org_token(name, extra=extra)
        elif kind < 7 or not deps:
            home = rng.choice(ws_ids)
            own = deployments_of[home]
            data["tokens"].append({
                "id": cuid(rng), "name": name, "description": "benchmark", "scope": "WORKSPACE", "created_by_user": user,
                "roles": [{"entityType": "WORKSPACE", "entityId": home, "role": rng.choice(WORKSPACE_ROLES)}]
                + [{"entityType": "DEPLOYMENT", "entityId": d["id"], "role": rng.choice(role_names)}
                   for d in rng.sample(own, min(len(own), rng.randint(0, 2)))]})
        else:
            dep = rng.choice(deps)
            data["tokens"].append({
                "id": cuid(rng), "name": name, "description": "benchmark", "scope": "DEPLOYMENT", "created_by_user": user,
                "roles": [{"entityType": "DEPLOYMENT", "entityId": dep["id"], "role": "DEPLOYMENT_ADMIN"}]})
    data["teams"] = [dict(OP_TEAM, description="benchmark", organizationRole="ORGANIZATION_MEMBER", members=[user])]
    return data


def onboarding_declaration(seed_data, count):
    """astro_workspaces for the first `count` Workspaces: 3 Organization tokens + 2 tokens on all 4 Deployments."""
    return [{
        "workspace": w["name"],
        "org_tokens": [{"token": name, "role": role} for name, role in ONBOARD_ORG_TOKENS],
        "deployment_tokens": [{"token": name, "token_scope": "organization", "role": role, "deployments": "all"}
                              for name, role in ONBOARD_DEPLOYMENT_TOKENS],
    } for w in seed_data["workspaces"][:count]]


def declared_roles(seed_data, count):
    """{token name: set of (entityType, entityId, role)} the declaration asks for."""
    wanted = {name: set() for name, _ in ONBOARD_ORG_TOKENS + ONBOARD_DEPLOYMENT_TOKENS}
    deployments_of = {}  # by Workspace ID: one pass, not one per Workspace (2 000 Workspaces, 8 000 Deployments)
    for d in seed_data["deployments"]:
        deployments_of.setdefault(d["workspaceId"], []).append(d)
    for w in seed_data["workspaces"][:count]:
        for name, role in ONBOARD_ORG_TOKENS:
            wanted[name].add(("WORKSPACE", w["id"], role))
        for d in deployments_of.get(w["id"], ()):
            for name, role in ONBOARD_DEPLOYMENT_TOKENS:
                wanted[name].add(("DEPLOYMENT", d["id"], role))
    return wanted
