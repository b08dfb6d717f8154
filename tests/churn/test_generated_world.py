"""The generated portfolio's churn behaviour: silence is a signal, not a verdict (#15).

Checked on the generator's own per-customer monthly plan (``plan_behaviour``), which is
what every landing file is drawn from: some customers pause and come back, churners keep
a trickle rather than vanishing, and the share of each is what the README states.
"""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.generate.customers import DECLINING, make_customers
from toolkit.generate.transactions import PAUSE_SHARE, plan_behaviour


@pytest.fixture(scope="module")
def world():
    streams = np.random.SeedSequence(11).spawn(2)
    people = make_customers(20_000, np.random.default_rng(streams[0]))
    return people, plan_behaviour(people, np.random.default_rng(streams[1]))


def _relative(behaviour):
    rates = behaviour.rates
    # each customer's month against their own typical open month
    typical = np.nanmedian(np.where(rates > 0, rates, np.nan), axis=1)
    return rates / typical[:, None]


def test_some_customers_go_quiet_and_come_back(world):
    people, behaviour = world
    rel = _relative(behaviour)
    open_all_year = behaviour.first_day[:, 0] == 0
    months = rel.shape[1]
    quiet = rel < 0.05
    # a quiet spell strictly inside the data, followed by a month back at >= 50% of normal
    resumed = np.zeros(len(rel), dtype=bool)
    for m in range(1, months - 1):
        resumed |= quiet[:, m] & (rel[:, m + 1 :] >= 0.5).any(axis=1)
    share = resumed[open_all_year].mean()
    assert 0.6 * PAUSE_SHARE < share < 1.4 * PAUSE_SHARE


def test_churners_keep_a_trickle_instead_of_vanishing(world):
    people, behaviour = world
    rel = _relative(behaviour)
    declining = people.profile == DECLINING
    last = rel[declining, -1]
    assert (last > 0).all()  # nobody's expected activity is exactly zero
    stoppers = last < 0.1
    assert 0.15 < stoppers.mean() < 0.35  # about a quarter all but stop
    assert np.median(last[stoppers]) > 0.01
