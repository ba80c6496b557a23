"""The fused passes over claimants count and list what the numpy expressions do.

The model's results under both kernels are compared in `test_results_unchanged.py`;
these check the passes on their own, on random columns with the states a run rarely
reaches (a status out of range, a case holder gone or missing), where a count written
without branches could go wrong unseen.
"""

from __future__ import annotations

import mmap
from types import SimpleNamespace

import numpy as np
import pytest

from commissioning.model.claimant_kernels import PAGES_FROM, week_buffer

numba_passes = pytest.importorskip("commissioning.model._fused_numba", exc_type=ImportError)


def columns(seed: int, n: int = 50_000) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "status": rng.integers(-2, 9, n).astype(np.int8),
        "case_holder": rng.integers(-1, 20, n).astype(np.int8),
        "active": rng.random(20) < 0.7,
        "weeks_on_programme": rng.integers(0, 110, n).astype(np.int16),
        "group": rng.integers(0, 9, n).astype(np.int8),
        "first_outcome_weeks": rng.integers(4, 27, 9).astype(np.int32),
        "support": rng.integers(0, 3, n).astype(np.int8),
        "episode_provider": rng.integers(-1, 5, n).astype(np.int8),
        "episode_end": rng.integers(-1, 300, n).astype(np.int16),
    }


def numpy_census(c: dict, lo: int, hi: int, within: int, weeks: int) -> np.ndarray:
    sl = slice(lo, hi)
    s, holder = c["status"][sl], c["case_holder"][sl]
    with_specialist = c["episode_provider"][sl] >= 0
    on = (s >= 2) & (s <= 4)
    earnable = (s == 2) & (c["weeks_on_programme"][sl].astype(np.int64)
                           + c["first_outcome_weeks"][c["group"][sl]] * within < weeks)
    return np.array([*(np.count_nonzero(s == k) for k in range(6)),
                     np.count_nonzero((s < 0) | (s > 5)),
                     np.count_nonzero(on & ((holder < 0) | ~c["active"][np.maximum(holder, 0)])),
                     np.count_nonzero((s == 2) | (s == 3)), np.count_nonzero(s == 2),
                     np.count_nonzero(earnable),
                     np.count_nonzero(earnable & (c["support"][sl] == 0) & ~with_specialist),
                     np.count_nonzero(with_specialist & (c["episode_end"][sl] < 0))])


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("within", [0, 1])
def test_the_census_counts_what_the_numpy_check_counts(seed, within):
    c = columns(seed)
    for lo, hi in [(0, 50_000), (1234, 49_923), (700, 700)]:
        counts = numba_passes.claimant_census(
            lo, hi, c["status"], c["case_holder"], c["active"], c["weeks_on_programme"],
            c["group"], c["first_outcome_weeks"], within, 104, c["support"],
            c["episode_provider"], c["episode_end"])
        assert counts.tolist() == numpy_census(c, lo, hi, within, 104).tolist()


@pytest.mark.parametrize("low,high", [(2, 2), (3, 4), (-2, 8), (9, 12)])
def test_listed_ids_are_numpys_flatnonzero(low, high):
    c = columns(3)
    out = np.full(50_000, -7, np.int32)
    for lo, hi in [(0, 50_000), (4096, 40_001), (10, 10)]:
        v = c["status"][lo:hi]
        n = numba_passes.ids_between(c["status"], lo, hi, low, high, out)
        assert out[:n].tolist() == (np.flatnonzero((v >= low) & (v <= high)) + lo).tolist()


@pytest.mark.parametrize("values_type", [np.int8, np.int64])
def test_put_sets_what_numpys_assignment_sets(values_type):
    rng = np.random.default_rng(9)
    column = rng.integers(0, 3, 50_000).astype(np.int8)
    expected = column.copy()
    for ids in (np.flatnonzero(rng.random(50_000) < 0.4).astype(np.int32),  # as the weeks
                rng.integers(0, 50_000, 5_000).astype(np.int32),  # unsorted, repeated
                np.empty(0, np.int32)):
        values = rng.integers(0, 3, len(ids)).astype(values_type)
        numba_passes.put(column, ids, values)
        expected[ids] = values  # a repeated id: the last value, in both
        assert column.tolist() == expected.tolist()


@pytest.mark.parametrize("orgs", [40, 300])  # int8 columns, and int16 past 127
def test_value_referrals_decide_as_the_numpy_rule(orgs):
    rng = np.random.default_rng(11)
    org = np.int8 if orgs <= 127 else np.int16
    n = 5_000
    contract_holder = rng.integers(0, orgs, n).astype(org)
    case_holder = rng.integers(0, orgs, n).astype(org)
    need_rule = rng.random(orgs) < 0.3
    hurdle, fee = rng.random(orgs), rng.random(orgs) * 500
    ids = np.flatnonzero(rng.random(n) < 0.5).astype(np.int32)
    gain = rng.random(len(ids)) * 1_000
    holder, decider = np.empty(len(ids), org), np.empty(len(ids), org)
    by_need, chosen = np.empty(len(ids), bool), np.empty(len(ids), bool)
    numba_passes.value_referrals(ids, gain, contract_holder, case_holder, need_rule, hurdle,
                                 fee, 25.0, holder, decider, by_need, chosen)
    want_holder = contract_holder[ids]
    want_need = need_rule[want_holder]
    want_decider = np.where(want_need, want_holder, case_holder[ids])
    assert holder.tolist() == want_holder.tolist()
    assert decider.tolist() == want_decider.tolist()
    assert by_need.tolist() == want_need.tolist()
    assert chosen.tolist() == (~want_need & (gain >= (1.0 + hurdle[want_decider]) * (
        fee[want_holder] + 25.0))).tolist()


def test_the_support_wanted_is_summed_as_np_add_at_sums_it():
    c = columns(4)
    ids = np.flatnonzero(c["case_holder"] >= 0).astype(np.int32)
    level = c["support"][:len(ids)]
    cost = np.array([12.3, 47.11, 101.7])
    wanted = np.zeros(20)
    numba_passes.support_wanted(ids, c["case_holder"], level, cost, wanted)
    expected = np.zeros(20)
    np.add.at(expected, c["case_holder"][ids], cost[level] - cost[0])
    assert wanted.tobytes() == expected.tobytes()  # the same bits


def test_week_buffers_are_kept_and_given_back_as_the_need_falls():
    model = SimpleNamespace()
    assert week_buffer(model, "small", 100).base is None  # from the heap, not kept
    n = 4 * PAGES_FROM // 8
    first = week_buffer(model, "best", n)
    first[:] = 1.0
    again = week_buffer(model, "best", int(0.9 * n))  # a little less: the same pages
    assert again.ctypes.data == first.ctypes.data and (again == 1.0).all()
    week_buffer(model, "best", n // 2)  # far less: the pages past its room are given back
    pages = np.frombuffer(model._week_buffers["best"][0], np.float64)
    room = -(-(n // 2 * 8 * 17 // 16) // mmap.PAGESIZE) * mmap.PAGESIZE // 8
    assert (pages[:room] == 1.0).all() and (pages[room:n] == 0.0).all()
    bigger = week_buffer(model, "best", 2 * n)  # more than held: new pages
    assert len(bigger) == 2 * n and not np.shares_memory(bigger, pages)


@pytest.mark.parametrize("scenario", ["two_tier", "locality"])
def test_the_review_sums_are_the_numpy_sums_to_the_bit(scenario):
    """A quarterly review judges services by sums over the searching and those in work:
    the fused pass must give each contract holder's sums exactly, or a service bought at
    the margin differs between kernels (and so a run's numbers with where it ran)."""
    from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, SEARCHING
    from commissioning.model import CommissioningModel, integration_services
    from commissioning.model.claimant_kernels import searching_tables

    model = CommissioningModel(scenario=scenario, seed=4, claimants=3000,
                               key_worker_effect=1.5, employer_engagement_effect=1.3)
    for _ in range(130):  # some claimants near the end of their weeks, some after them
        model.step()
    c, p, pay, n = model.claimants, model.p, model.payments, len(model.orgs)
    searching = np.flatnonzero(c.status == SEARCHING).astype(np.int32)
    assert len(searching) > 100
    fused = [np.zeros(n), np.zeros(n, np.int64), np.zeros(n), np.zeros(n)]
    working = (c.status, c.support, c.milestones_paid, pay.amount_left, pay.need_multiplier,
               pay.milestones, c.job_outcome_week, c.job_weeks, model.job_loss,
               float(p["in_work_support_weeks"]), IN_WORK, IN_WORK_AFTER)
    numba_passes.review_sums(searching, model._lo, model._hi, searching_tables(model),
                             working, *fused)
    plain = [np.zeros(n), np.zeros(n, np.int64), np.zeros(n), np.zeros(n)]
    integration_services._review_sums(model, searching, *plain)
    assert plain[0].any() and plain[2].any()  # both kinds of sum were taken
    for mine, theirs in zip(fused, plain, strict=True):
        assert mine.tobytes() == theirs.tobytes()


def test_support_costs_are_charged_as_the_numpy_pass_charges_them():
    """Only the searching (at their level) and those in work (minimal contact) are
    charged, each sum in claimant order; the rest add nothing, not even a sign."""
    c = columns(5)
    status = np.where(c["status"] < 0, 1, c["status"] % 6).astype(np.int8)
    holder = np.where(status == 1, -1, np.abs(c["case_holder"])).astype(np.int8)
    need = (c["group"] % 3).astype(np.int8)
    cost = np.array([13.7, 41.3, 97.9])
    spend = np.random.default_rng(6).random(len(status)).astype(np.float32) * 100
    lo, hi = 321, len(status) - 5
    total, by_need, fused_spend = np.zeros(20), np.zeros(3), spend.copy()
    numba_passes.support_costs(lo, hi, status, c["support"], holder, need, cost, 2, 3,
                               fused_spend, total, by_need)
    on = np.flatnonzero((status[lo:hi] == 2) | (status[lo:hi] == 3)) + lo
    charged = cost[np.where(status[on] == 2, c["support"][on], 0)]
    expected_total = np.zeros(20)
    np.add.at(expected_total, holder[on], charged)
    expected_spend = spend.copy()
    expected_spend[on] += charged
    assert total.tobytes() == expected_total.tobytes()
    assert fused_spend.tobytes() == expected_spend.tobytes()
    assert by_need.tobytes() == np.bincount(need[on], weights=charged, minlength=3).tobytes()


def test_week_buffers_work_where_pages_cannot_be_given_back(monkeypatch):
    """On a system without private mappings or `madvise` (Windows), buffers are still
    kept and grown; what a falling need leaves is held, not given back."""
    from commissioning.model import claimant_kernels

    monkeypatch.setattr(claimant_kernels, "PRIVATE", {})
    monkeypatch.setattr(claimant_kernels, "GIVE_BACK", None)
    model, n = SimpleNamespace(), 4 * PAGES_FROM // 8
    week_buffer(model, "best", n)[:] = 1.0
    half = week_buffer(model, "best", n // 2)
    pages = np.frombuffer(model._week_buffers["best"][0], np.float64)
    assert np.shares_memory(half, pages) and (pages[:n] == 1.0).all()
    assert len(week_buffer(model, "best", 2 * n)) == 2 * n


@pytest.mark.parametrize("orgs", [5, 48, 330])
def test_a_compiled_booking_books_what_numpy_books(orgs):
    """Bookings of one due week (the compiled pass) and of several (numpy, either way):
    every entry `settle` will read and every column of money owed, to the bit."""
    from commissioning.model.accounts import Accounts

    def accounts(compiled: bool) -> Accounts:
        acc = Accounts()
        for _ in range(orgs):
            acc.open(None, 0.0)
        acc.freeze()
        acc.compiled = numba_passes.book_one_week if compiled else None
        return acc

    rng = np.random.default_rng(orgs)
    numpy_books, compiled_books = accounts(False), accounts(True)
    for step in range(40):
        # Mostly a few payments (sorted by pair); every seventh thousands (a total per pair
        # where the organisations are few: each way of summing is taken)
        k = int(rng.integers(1, 60) if step % 7 else rng.integers(600, 3000))
        payer = rng.integers(0, min(orgs, 6), k)  # repeated pairs: sums in booking order
        payee = rng.integers(0, orgs, k).astype(np.int16)
        amount = rng.lognormal(5, 2, k) * (rng.random(k) < 0.9)  # some nothing to pay
        due = 100 + step // 3 if step % 5 else 100 + rng.integers(0, 3, k)
        payer = 0 if step % 4 == 0 else payer  # one payer for all (the commissioner)
        for acc in (numpy_books, compiled_books):
            acc.book(due, payer, payee, amount, step % 6)
    assert sorted(numpy_books.due) == sorted(compiled_books.due)
    for week, entries in numpy_books.due.items():
        for entry, compiled in zip(entries, compiled_books.due[week], strict=True):
            for a, b in zip(entry, compiled, strict=True):
                a, b = np.asarray(a), np.asarray(b)
                assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    for name in ("booked_out", "payable", "receivable"):
        assert getattr(numpy_books, name).tobytes() == getattr(compiled_books, name).tobytes()


@pytest.mark.parametrize("seed", range(4))
def test_the_in_house_keep_is_the_lexsort_rule(seed):
    """Selection keeps what the numpy path's ranking keeps, ties (equal values, minus
    zero) and groups keeping none or more than they have included."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(1, 400))
        group = np.unique(rng.integers(0, 9, n), return_inverse=True)[1].astype(np.int64)
        value = rng.integers(0, 4, n).astype(float)  # many equal values
        value[rng.random(n) < 0.5] += rng.random()
        value[value == 0] *= np.where(rng.random(np.count_nonzero(value == 0)) < 0.5, -1, 1)
        n_keep = rng.integers(0, np.bincount(group) + 2)
        order = np.lexsort((np.arange(n), -value, group))
        rank = np.arange(n) - np.searchsorted(group[order], group[order], side="left")
        kept = np.empty(n, np.int64)
        got = kept[:numba_passes.keep_best(group, value, n_keep, kept)]
        assert sorted(got.tolist()) == sorted(order[rank < n_keep[group[order]]].tolist())


def test_picks_by_shares_are_numpys_count():
    rng = np.random.default_rng(5)
    for options in (1, 3, 40):
        cumulative = np.sort(rng.random((options, 4)), axis=0)
        cumulative[:, 1] = 0.0  # a group whose every option has no share
        cumulative[-1, 2] = 1.0
        group = rng.integers(0, 4, 3_000).astype(np.int8)
        u = rng.random(3_000)
        u[:10] = cumulative[0, group[:10]]  # a draw equal to a share picks past it
        for most in {options - 1, max(options - 2, 0)}:
            pick = np.empty(len(u), np.int64)
            numba_passes.pick_by_shares(u, group, cumulative, most, pick)
            expected = np.minimum((u[:, None] >= cumulative[:, group].T).sum(axis=1), most)
            assert pick.tolist() == expected.tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_candidates_left_out_before_their_gain_could_not_have_been_in_question(seed):
    """`_may_be_in_question` leaves a referral candidate out before its gain's expm1s only
    where the gain, taken as the candidates' loop takes it (numpy's expm1 and the C
    library's), falls short of the price: prices set at and a hair either side of each
    gain, lifts below and above one, values below zero; and it does leave most out."""
    rng = np.random.default_rng(seed)
    n = 4_000
    h = 10.0 ** rng.uniform(-5, 0.3, n)
    m = rng.choice([1.0, 1.35, 1.8], n)
    lift = rng.choice([0.8, 1.0, 1.0 + 1e-9, 1.25, 2.5], n)
    window = rng.integers(0, 105, n).astype(float)
    keep = rng.random(n)
    value = np.where(rng.random(n) < 0.1, -rng.random(n) * 500, rng.random(n) * 6_000)
    x_treated, x_untreated = -(h * (m * lift)) * window, -(h * m) * window
    libm = np.empty(2 * n)
    numba_passes.expm1_each(np.concatenate([x_treated, x_untreated]), libm)
    hurdle = rng.random(n)
    cost = 25.0
    for treated, untreated in ((np.expm1(x_treated), np.expm1(x_untreated)),
                               (libm[:n], libm[n:])):
        gain = (-treated * keep - -untreated * keep) * value  # `_specialist_gain`
        for scale in (1.0, 1.0 - 1e-12, 1.0 + 1e-12, 1.0 + 1e-3):
            fee = gain * scale / (1.0 + hurdle) - cost  # a price at about the gain
            rule = (np.zeros(n, bool), fee, cost, False)
            passes = gain >= (1.0 + hurdle) * (fee + cost)
            kept = np.array([numba_passes._may_be_in_question(
                x_treated[k], x_untreated[k], keep[k], value[k], k, k, hurdle, rule)
                for k in range(n)])
            assert not (passes & ~kept).any(), np.flatnonzero(passes & ~kept)[:5]
    # The usual case: a price of a few hundred pounds, most candidates far below it
    rule = (np.zeros(n, bool), np.full(n, 300.0), cost, False)
    kept = np.array([numba_passes._may_be_in_question(
        x_treated[k], x_untreated[k], keep[k], value[k], k, k, hurdle, rule) for k in range(n)])
    gain = (-np.expm1(x_treated) * keep - -np.expm1(x_untreated) * keep) * value
    assert kept[gain >= (1.0 + hurdle) * (300.0 + cost)].all()
    assert kept.mean() < 0.5
    # By need, or a player deciding: every candidate stays
    for rule in ((np.ones(n, bool), np.full(n, 300.0), cost, False),
                 (np.zeros(n, bool), np.full(n, 300.0), cost, True)):
        assert all(numba_passes._may_be_in_question(
            x_treated[k], x_untreated[k], keep[k], value[k], k, k, hurdle, rule)
            for k in range(0, n, 7))
