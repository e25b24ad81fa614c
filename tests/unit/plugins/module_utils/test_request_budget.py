# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The request budget: no one-second window over Astro's per-token limits, shared by every process of a controller."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.astro.platform.plugins.module_utils.request_budget import (
    RATE_LIMITS,
    RATE_WINDOW,
    RequestBudget,
    forget_stale,
    hold_off,
    reserve_slot,
)

SECRET = "astro-unit-test-secret-5f1e0c2b9a"
URL = "https://api.example.test/v1"


def most_in_one_window(slots):
    """The most slots any half-open window of RATE_WINDOW seconds holds (how the server counts)."""
    slots = sorted(slots)
    return max(sum(1 for other in slots if slot - RATE_WINDOW < other <= slot) for slot in slots)


@pytest.mark.parametrize("method", sorted(RATE_LIMITS))
def test_a_burst_up_to_the_limit_leaves_at_once_and_the_next_one_after_the_window(method):
    state, now = forget_stale({}, 100.0), 100.0
    slots = [reserve_slot(state, method, now) for _request in range(RATE_LIMITS[method] + 1)]
    assert slots[:-1] == [now] * RATE_LIMITS[method]
    assert slots[-1] > now + RATE_WINDOW


@given(st.lists(st.tuples(st.sampled_from(["GET", "POST", "DELETE", "PATCH"]), st.floats(0, 3)), min_size=1, max_size=200))
def test_no_window_ever_holds_more_than_the_limit(requests):
    """Whatever order and pace the processes ask in, the slots of one kind never crowd a window past its limit."""
    state, now, slots = forget_stale({}, 0.0), 0.0, {}
    for method, pause in requests:
        now += pause / 10
        kind = method if method in RATE_LIMITS else "POST"
        slots.setdefault(kind, []).append(reserve_slot(state, method, now))
    for kind, reserved in slots.items():
        assert reserved == sorted(reserved)
        assert most_in_one_window(reserved) <= RATE_LIMITS[kind]


def test_a_hold_off_delays_every_later_request_of_that_kind_only():
    state = forget_stale({}, 10.0)
    hold_off(state, "GET", 11.5)
    assert reserve_slot(state, "GET", 10.0) == 11.5
    assert reserve_slot(state, "POST", 10.0) == 10.0


def test_times_from_a_clock_that_jumped_are_forgotten():
    state = forget_stale({"GET": {"sent": [10.0 ** 9], "until": 10.0 ** 9}, "page_sizes": {"tokens": [100, 10.0 ** 9]}}, 50.0)
    assert reserve_slot(state, "GET", 50.0) == 50.0 and state["page_sizes"] == {}


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_two_processes_of_one_controller_share_one_budget(private_lock_dir):
    """Two budgets of the same (API, token) — two forks — together wait as one would."""
    fake = FakeTime()
    forks = [RequestBudget(URL, SECRET, clock=fake.clock, sleep=fake.sleep) for _fork in range(2)]
    for index in range(RATE_LIMITS["POST"] + 2):
        forks[index % 2].wait_turn("POST")
    assert len(fake.slept) == 1 and fake.slept[0] > RATE_WINDOW
    other_token = RequestBudget(URL, SECRET + "-other", clock=fake.clock, sleep=fake.sleep)
    other_token.wait_turn("POST")
    assert len(fake.slept) == 1, "another token has a budget of its own"


def test_the_state_file_is_private_and_never_holds_the_token(private_lock_dir):
    budget = RequestBudget(URL, SECRET)
    budget.wait_turn("GET")
    budget.remember_page_size("tokens", 100)
    files = os.listdir(str(private_lock_dir))
    assert len(files) == 1 and SECRET not in files[0]
    path = os.path.join(str(private_lock_dir), files[0])
    assert oct(os.stat(path).st_mode & 0o777) == "0o600" and oct(os.stat(str(private_lock_dir)).st_mode & 0o777) == "0o700"
    with open(path) as handle:
        assert SECRET not in handle.read()
    assert RequestBudget(URL, SECRET).page_size("tokens", 1000) == 100
    assert RequestBudget(URL, SECRET).page_size("workspaces", 1000) == 1000
