# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules that return a token as token_view.token_summary builds it document it in one identical RETURN block.

Ansible has no RETURN fragments, so the block is written into each module; this keeps the copies from drifting.
"""

from __future__ import annotations

import importlib

import pytest
import yaml

from ansible_collections.astro.platform.plugins.module_utils.token_view import token_summary

# The modules whose `token` is token_summary(): the same dict, so the same documentation.
TOKEN_SUMMARY_MODULES = ("workspace_org_token", "deployment_token", "token_roles")


def documented_token(module_name):
    module = importlib.import_module("ansible_collections.astro.platform.plugins.modules." + module_name)
    return yaml.safe_load(module.RETURN)["token"]


@pytest.mark.parametrize("module_name", TOKEN_SUMMARY_MODULES[1:])
def test_the_token_return_block_is_the_same_in_every_module_that_returns_a_token_summary(module_name):
    assert documented_token(module_name) == documented_token(TOKEN_SUMMARY_MODULES[0])


def test_the_token_return_block_documents_each_field_of_token_summary():
    assert sorted(documented_token(TOKEN_SUMMARY_MODULES[0])["contains"]) == sorted(token_summary({}))
