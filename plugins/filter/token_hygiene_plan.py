# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: token_hygiene_plan
short_description: What the token hygiene does to which token, from the token listing and the audit's rows
version_added: 1.0.0
description:
  - The planning step of the playbook C(astro.platform.token_hygiene), in one pass over the tokens, with no API call.
  - Puts in scope the tokens named in O(selectors) (IDs or exact names) and those whose whole name matches
    O(name_pattern) (as P(astro.platform.tokens_named_like#filter)), less O(exclude) and the token the run uses.
  - Of the tokens in scope, plans to delete the expired ones (the audit's C(expired) finding) and, with
    O(delete_unused_after_days), those unused that long; the others are rotation candidates, for
    M(astro.platform.api_token)'s C(rotate_after_days) to decide.
  - The token the run uses (O(caller_token_id), and the C(caller_token_id) that M(astro.platform.token_info) read from
    the secret's claims) is never in scope, unless its ID is in O(selectors) and O(include_caller_token) is true.
author:
  - astro.platform contributors (@astro-platform)
positional: rows
options:
  _input:
    description: The registered result of M(astro.platform.token_info) over every token.
    type: dict
    required: true
  rows:
    description: The rows of P(astro.platform.token_audit#filter) over the same tokens.
    type: list
    elements: dict
    required: true
  selectors:
    description: Token IDs or exact token names to put in scope.
    type: list
    elements: str
    default: []
  name_pattern:
    description: A Python regular expression that a token's whole name must match to be in scope; empty matches none.
    type: str
    default: ""
  exclude:
    description: Token IDs or exact token names never put in scope.
    type: list
    elements: str
    default: []
  caller_token_id:
    description: The ID of the token the run uses, when known otherwise than from its secret.
    type: str
    default: ""
  include_caller_token:
    description: Put the token the run uses in scope, when O(selectors) names it by ID.
    type: bool
    default: false
  rotate_after_days:
    description: The age of a secret the reasons name; null plans no rotation.
    type: int
    default: 90
  delete_expired:
    description: Plan the deletion of the expired tokens in scope.
    type: bool
    default: true
  delete_unused_after_days:
    description: Plan the deletion of the tokens in scope last used (or, never used, created) more than that many days ago.
    type: int
  secret_dir:
    description: The directory of the new secrets, one C(<token ID>.token) file each.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Plan what to delete and what may be rotated
  ansible.builtin.set_fact:
    plan: "{{ astro_audit_tokens | astro.platform.token_hygiene_plan(rows, selectors=['ci-deployer'], secret_dir='/secrets') }}"
"""

RETURN = r"""
_value:
  description:
    - C(in_scope), C(delete) (each with its C(reason)), C(rotate_candidates) (each with C(expiry_days), C(secret_file)
      and C(reason)), C(not_found) (selectors matching no token), C(ambiguous) (names of several tokens, with their
      C(token_ids)), C(left_alone) (expired tokens out of scope), C(bad_ids) (IDs that cannot name a file) and
      C(caller_unknown) (a name pattern while nothing says which token the run uses).
  type: dict
"""

import datetime
import re

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.astro.platform.plugins.filter.tokens_named_like import tokens_named_like
from ansible_collections.astro.platform.plugins.module_utils.token_view import parse_time

# An ID that can name a file: the shape of every Astro ID (25 lower-case letters and digits, the first a c).
FILE_SAFE_ID = re.compile(r"c[a-z0-9]{24}\Z")


def _in_scope(tokens, selectors, name_pattern, excluded):
    """(IDs in scope, ambiguous selectors, selectors matching no token)."""
    ids = {t.get("id") for t in tokens}
    selected, ambiguous, not_found = set(), [], []
    for selector in selectors:
        named = [t.get("id") for t in tokens if t.get("name") == selector]
        if selector.lower() in ids:
            selected.add(selector.lower())
        elif len(named) == 1:
            selected.update(named)
        elif named:
            ambiguous.append(dict(name=selector, token_ids=named))
        else:
            not_found.append(selector)
    selected.update(tokens_named_like(tokens, name_pattern))
    return selected - excluded, ambiguous, not_found


def _unused_since(token, cutoff):
    """Whether the token was last used (never used: created) before cutoff. A token with neither time counts as unused;
    one whose time is not a time does not: a deletion is never planned on data that cannot be read."""
    when = token.get("last_used_at") or token.get("created_at")
    try:
        last = parse_time(when) if isinstance(when, str) or when is None else None
    except ValueError:
        return False
    return (last is None and not when) or (last is not None and last < cutoff)


def token_hygiene_plan(listing, rows, selectors=(), name_pattern="", exclude=(), caller_token_id="", include_caller_token=False,
                       rotate_after_days=90, delete_expired=True, delete_unused_after_days=None, secret_dir="", now=None):
    tokens = listing.get("tokens") or []
    selectors, exclude = list(selectors or []), list(exclude or [])
    expired = {row.get("token_id") for row in rows or [] if "expired" in (row.get("flags") or [])}
    callers = {value.lower() for value in (caller_token_id, listing.get("caller_token_id")) if value}
    asked = {selector.lower() for selector in selectors} if boolean(include_caller_token) else set()
    excluded = {t.get("id") for t in tokens if t.get("id") in {e.lower() for e in exclude} or t.get("name") in exclude}
    excluded |= callers - asked
    in_scope, ambiguous, not_found = _in_scope(tokens, selectors, name_pattern, excluded)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    unused_days = None if delete_unused_after_days is None else int(delete_unused_after_days)
    cutoff = None if unused_days is None else now - datetime.timedelta(days=unused_days)
    plan = dict(in_scope=[], delete=[], rotate_candidates=[], not_found=not_found, ambiguous=ambiguous, left_alone=[],
                bad_ids=[], caller_unknown=not callers and bool(name_pattern))
    for token in tokens:
        entry = dict(token=token.get("name"), token_id=token.get("id"), scope=token.get("scope"))
        if token.get("id") not in in_scope:
            if token.get("id") in expired:
                plan["left_alone"].append(dict(entry, reason="expired {0}".format(token.get("expiry"))))
            continue
        plan["in_scope"].append(entry)
        if boolean(delete_expired) and token.get("id") in expired:
            plan["delete"].append(dict(entry, reason="expired {0}".format(token.get("expiry"))))
        elif cutoff is not None and _unused_since(token, cutoff):
            used = ("last used {0}".format(token["last_used_at"]) if token.get("last_used_at")
                    else "never used, created {0}".format(token.get("created_at")))
            plan["delete"].append(dict(entry, reason="{0}, more than {1} days ago".format(used, unused_days)))
        elif rotate_after_days is not None:
            plan["rotate_candidates"].append(dict(
                entry, expiry_days=token.get("expiry_days"), secret_file="{0}/{1}.token".format(secret_dir, token.get("id")),
                reason="secret made {0}, more than {1} days ago".format(token.get("last_rotated_at") or token.get("created_at"),
                                                                         int(rotate_after_days))))
            if not isinstance(token.get("id"), str) or not FILE_SAFE_ID.match(token["id"]):
                plan["bad_ids"].append(token.get("id"))
    return plan


class FilterModule:
    def filters(self):
        return {"token_hygiene_plan": token_hygiene_plan}
