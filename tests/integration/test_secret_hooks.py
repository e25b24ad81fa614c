# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hand-off of new secrets to a secret store in the same run (issue 28 item 5): workspace_onboarding_secret_hook
and astro_hygiene_secret_hook include a tasks file once per new secret, against a real local AWS Secrets Manager
(moto's server on 127.0.0.1). Every run is -vvv --diff with an Ansible log, and the `ansible` fixture fails it if any
secret the emulator issued shows up; a hook that tries to print the secret shows that no_log covers it.

The shipped hook (playbooks/secret_hooks/aws_secrets_manager.yml) uses community.aws.secretsmanager_secret: Galaxy
cannot be reached here, so its test takes community.aws and amazon.aws from the `ansible` package on PyPI
(harness.aws_collections), or from ASTRO_TEST_AWS_COLLECTIONS when that names a collections path. The same hook with
a boto3 test module in its place runs too, without either collection."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from harness.aws_collections import aws_collections
from test_onboarding_tokens import declaration, stored
from test_token_hygiene import hygiene_seed

HERE = Path(__file__).parent
TEST_HOOK = HERE / "secret_hooks" / "boto3_hook.yml"
AWS_COLLECTIONS = os.environ.get("ASTRO_TEST_AWS_COLLECTIONS")


def free_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@pytest.fixture
def secrets_manager():
    """A real Secrets Manager API (moto's server) on 127.0.0.1, and a boto3 client of it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = "http://127.0.0.1:{0}".format(port)
    requests.post(url + "/moto-api/reset", timeout=10).raise_for_status()  # moto's backends live on in this process
    env = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_REGION="us-east-1")
    client = boto3.client("secretsmanager", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    yield dict(url=url, env=env, client=client)
    server.stop()


def stored_secrets(secrets_manager):
    client = secrets_manager["client"]
    return {entry["Name"]: client.get_secret_value(SecretId=entry["Name"])["SecretString"]
            for entry in client.list_secrets()["SecretList"]}


def hook_env(secrets_manager, library=True, collections=None, installed_collection=None):
    env = dict(secrets_manager["env"])
    if library:
        env["ANSIBLE_LIBRARY"] = str(HERE / "secret_hooks" / "library")
    if collections:
        env["ANSIBLE_COLLECTIONS_PATH"] = "{0}:{1}".format(installed_collection, collections)
    return env


def onboard_with_hook(ansible, installed_collection, workspaces, hook, env, check=False):
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "onboard_workspaces.yml"
    return ansible.run(playbook=playbook, check=check, env=env, extra_vars={
        "astro_workspaces": workspaces, "astro_onboarding_hosts": "localhost",
        "workspace_onboarding_secret_hook": str(hook), "astro_secret_store_endpoint_url": env["AWS_ENDPOINT"]})


def test_onboarding_hands_each_new_secret_to_the_store_in_the_same_run(ansible, emulator, installed_collection, tmp_path,
                                                                       secrets_manager):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    env = dict(hook_env(secrets_manager), AWS_ENDPOINT=secrets_manager["url"])
    checked = onboard_with_hook(ansible, installed_collection, declaration(secrets), TEST_HOOK, env, check=True)
    assert checked.rc == 0, checked.output
    assert stored_secrets(secrets_manager) == {}, "check mode handed something over"

    run = onboard_with_hook(ansible, installed_collection, declaration(secrets), TEST_HOOK, env)
    assert run.rc == 0, run.output
    made = {name: stored(emulator, name) for name in ("analytics-ci", "reporting-deployer")}
    assert stored_secrets(secrets_manager) == {"astro/tokens/" + t["id"]: t["secret"] for t in made.values()}
    # The loop labels name the tokens, never their secrets (the fixture checks every output for them).
    assert "analytics-ci ({0})".format(made["analytics-ci"]["id"]) in run.stdout

    rerun = onboard_with_hook(ansible, installed_collection, declaration(secrets), TEST_HOOK, env)
    assert rerun.rc == 0, rerun.output
    versions = secrets_manager["client"].list_secret_version_ids(SecretId="astro/tokens/" + made["analytics-ci"]["id"])
    assert len(versions["Versions"]) == 1, "a run that made no secret handed one over"


@pytest.fixture
def hygiene(emulator, demo_seed):
    seed = hygiene_seed(demo_seed)
    emulator.control.reset(seed)
    return {t["name"]: t for t in seed["tokens"]}


def run_hygiene(ansible, installed_collection, tmp_path, env, hook, **extra):
    playbook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "token_hygiene.yml"
    return ansible.run(playbook=playbook, env=env, extra_vars=dict(
        astro_hygiene_name_pattern="hyg-.*", astro_hygiene_dir=str(tmp_path / "reports"),
        astro_hygiene_secret_dir=str(tmp_path / "secrets"), astro_hygiene_secret_hook=str(hook),
        astro_secret_store_endpoint_url=env["AWS_ENDPOINT"], **extra))


def test_hygiene_hands_each_rotated_secret_to_the_store_and_a_preview_none(ansible, emulator, hygiene, installed_collection,
                                                                           tmp_path, secrets_manager):
    env = dict(hook_env(secrets_manager), AWS_ENDPOINT=secrets_manager["url"])
    preview = run_hygiene(ansible, installed_collection, tmp_path, env, TEST_HOOK)
    assert preview.rc == 0, preview.output
    assert stored_secrets(secrets_manager) == {}

    applied = run_hygiene(ansible, installed_collection, tmp_path, env, TEST_HOOK, astro_hygiene_apply=True)
    assert applied.rc == 0, applied.output
    rotated = [hygiene[name]["id"] for name in ("hyg-old", "hyg-ws-old", "hyg-idle")]
    tokens = {t["id"]: t for t in emulator.control.state()["tokens"]}
    assert stored_secrets(secrets_manager) == {"astro/tokens/" + token_id: tokens[token_id]["secret"] for token_id in rotated}


def test_a_hook_that_prints_the_secret_prints_nothing_of_it(ansible, emulator, installed_collection, tmp_path, secrets_manager):
    """The hook's tasks run with no_log, whatever they say: a debug of the secret at -vvv is censored."""
    careless = tmp_path / "careless_hook.yml"
    careless.write_text(json.dumps([{"name": "print it", "ansible.builtin.debug": {"var": "astro_secret"}},
                                    {"name": "say it", "ansible.builtin.debug": {"msg": "the secret is {{ astro_secret }}"}}]))
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    env = dict(secrets_manager["env"], AWS_ENDPOINT=secrets_manager["url"])
    run = onboard_with_hook(ansible, installed_collection, declaration(secrets), careless, env)  # the fixture's leak check
    assert run.rc == 0, run.output
    assert "the output has been hidden due to the fact that 'no_log: true'" in run.stdout
    assert "the secret is" not in run.output


def test_the_shipped_aws_hook_stores_each_new_secret_with_community_aws(ansible, emulator, hygiene, installed_collection,
                                                                        tmp_path, secrets_manager):
    hook = installed_collection / "ansible_collections" / "astro" / "platform" / "playbooks" / "secret_hooks" / "aws_secrets_manager.yml"
    collections = AWS_COLLECTIONS or str(aws_collections())
    env = dict(hook_env(secrets_manager, library=False, collections=collections, installed_collection=installed_collection),
               AWS_ENDPOINT=secrets_manager["url"])
    applied = run_hygiene(ansible, installed_collection, tmp_path, env, hook, astro_hygiene_apply=True,
                          astro_secret_store_remove_file=True)
    assert applied.rc == 0, applied.output
    rotated = [hygiene[name]["id"] for name in ("hyg-old", "hyg-ws-old", "hyg-idle")]
    tokens = {t["id"]: t for t in emulator.control.state()["tokens"]}
    assert stored_secrets(secrets_manager) == {"astro/tokens/" + token_id: tokens[token_id]["secret"] for token_id in rotated}
    tags = secrets_manager["client"].describe_secret(SecretId="astro/tokens/" + rotated[0])["Tags"]
    assert {"Key": "astro_token_id", "Value": rotated[0]} in tags
    assert list((tmp_path / "secrets").iterdir()) == [], "the files were not removed once stored"
