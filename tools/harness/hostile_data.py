"""Names that run a command if anything templates them: the hostile seed of tests/integration/test_hostile_api_data.py
and of the demo on every claimed core (tests/collection/test_core_matrix.py).

Each attack touches a marker file in a directory of the test's; a test asserts that none was made.
"""

from __future__ import annotations

import copy
from pathlib import Path

HOSTILE_WORKSPACE = "chostileworkspace00000001"
HOSTILE_DEPLOYMENT = "chostiledeployment0000001"
HOSTILE_ANALYTICS_DEPLOYMENT = "chostiledeployment0000002"
HOSTILE_TOKEN = "chostiletoken000000000001"


def attack(markers: Path, what: str) -> str:
    """A name that, templated, runs a command making the marker file `what`."""
    return "{{{{ lookup('ansible.builtin.pipe', 'touch {0}') }}}}".format(markers / what)


def block_attack(markers: Path, what: str) -> str:
    return "{{% set x = lookup('ansible.builtin.pipe', 'touch {0}') %}}".format(markers / what)


def made_markers(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir())


def hostile_seed(demo_seed: dict, markers: Path) -> dict:
    """The demo seed plus a Workspace, Deployments and a token whose names and descriptions run commands if templated.

    The token holds a role in the demo's analytics Workspace and on a Deployment of it, so the demo's token listings,
    its onboarding (which plans and removes them) and its audit all show the hostile names.
    """
    seed = copy.deepcopy(demo_seed)
    analytics = next(w["id"] for w in seed["workspaces"] if w["name"] == "analytics")
    seed["workspaces"].append(dict(id=HOSTILE_WORKSPACE, name=attack(markers, "workspace-name"),
                                   description=block_attack(markers, "workspace-description")))
    seed["deployments"] += [
        dict(id=HOSTILE_DEPLOYMENT, workspaceId=HOSTILE_WORKSPACE, name=attack(markers, "deployment-name"),
             description=block_attack(markers, "deployment-description")),
        dict(id=HOSTILE_ANALYTICS_DEPLOYMENT, workspaceId=analytics, name=attack(markers, "analytics-deployment-name")),
    ]
    seed["tokens"].append(dict(
        id=HOSTILE_TOKEN, name=attack(markers, "token-name"), description=attack(markers, "token-description"),
        scope="ORGANIZATION", kind="STANDARD", created_by_token=seed["tokens"][0]["id"],
        roles=[{"entityType": "ORGANIZATION", "entityId": seed["organization"]["id"], "role": "ORGANIZATION_MEMBER"},
               {"entityType": "WORKSPACE", "entityId": analytics, "role": "WORKSPACE_MEMBER"},
               {"entityType": "DEPLOYMENT", "entityId": HOSTILE_ANALYTICS_DEPLOYMENT, "role": "DEPLOYMENT_ADMIN"}]))
    return seed
