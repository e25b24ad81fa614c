# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A test-only module: puts a secret into AWS Secrets Manager with boto3 (creating it, or adding a version), for the
hook of tests/integration/secret_hooks/boto3_hook.yml. It stands where community.aws.secretsmanager_secret stands in
the shipped hook, so the hook pattern is tested against a real Secrets Manager server (moto) wherever that collection
cannot be installed."""

from __future__ import annotations

DOCUMENTATION = r"""
module: astro_test_secrets_manager_put
short_description: Test only - put a secret into AWS Secrets Manager
description: Creates the secret, or adds a version to it. Test only.
options:
  name: {description: The secret's name., type: str, required: true}
  secret: {description: The value., type: str, required: true}
  endpoint_url: {description: The Secrets Manager endpoint., type: str}
author: astro.platform contributors (@astro-platform)
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(name=dict(type="str", required=True), secret=dict(type="str", required=True, no_log=True),
                                              endpoint_url=dict(type="str")), supports_check_mode=False)
    import boto3  # pylint: disable=import-outside-toplevel  (a test module: the venv has it)

    client = boto3.client("secretsmanager", endpoint_url=module.params["endpoint_url"])
    name, secret = module.params["name"], module.params["secret"]
    try:
        client.put_secret_value(SecretId=name, SecretString=secret)
        action = "put"
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=secret)
        action = "create"
    module.exit_json(changed=True, name=name, action=action)


if __name__ == "__main__":
    main()
