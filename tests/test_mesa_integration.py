"""The model as a Mesa user meets it: keyword arguments, batch_run, the DataCollector,
agents, the claimant view and the referral network."""

import gc
import weakref

import mesa
import networkx as nx
import numpy as np
import pytest

from commissioning.agents import LocalPartnership, Prime, Subcontractor
from commissioning.model import CommissioningModel
from commissioning.model.metrics import FINAL_KEYS

from .conftest import SMALL


def test_batch_run_over_the_model_class():
    results = mesa.batch_run(
        CommissioningModel,
        parameters={"regime": ["two_tier", "locality"], "seed": [1, 2], "claimants": 400,
                    "weeks": 60, "referral_weeks": 20},
        iterations=1, max_steps=100, number_processes=1, display_progress=False)
    assert len(results) == 4
    by = {(r["regime"], r["seed"]): r for r in results}
    assert by[("two_tier", 1)]["referrals"] == 400
    # batch_run reports the last collected row but one (Mesa 3.3.1); our weekly rows line
    # up with its Step column.
    assert by[("two_tier", 1)]["Step"] == by[("two_tier", 1)]["weeks"] == 59
    # Same seed, different regime: same claimants, same no-programme outcomes.
    assert by[("two_tier", 1)]["no_programme_outcome_rate"] == \
        by[("locality", 1)]["no_programme_outcome_rate"]


def test_datacollector_has_every_metric_each_week(two_tier_run):
    df = two_tier_run.datacollector.get_model_vars_dataframe()
    assert len(df) == SMALL["weeks"] + 1  # the start, then every week
    assert set(FINAL_KEYS) <= set(df.columns)
    assert df["referrals"].is_monotonic_increasing
    assert df["total_spend"].is_monotonic_increasing
    assert df["referrals"].iloc[-1] == SMALL["claimants"]
    assert df["weeks"].tolist() == list(range(SMALL["weeks"] + 1))


def test_organisations_are_mesa_agents_of_each_kind(two_tier_run, locality_run):
    kinds = {type(a) for a in two_tier_run.agents}
    assert {Prime, Subcontractor} <= kinds
    assert not any(isinstance(a, LocalPartnership) for a in two_tier_run.agents)
    partnerships = [a for a in locality_run.agents if isinstance(a, LocalPartnership)]
    assert len(partnerships) == locality_run.p["localities"]


def test_a_model_nothing_holds_is_freed_and_its_agents_number_from_one():
    """Mesa 3.3.1 keeps every model that made an agent for as long as the process lives
    (mesa issue 3179): a sweep's Dask worker, the app's server and its Spread worker,
    which build model after model, grew by every model's columns. Once nothing holds a
    model it is freed; each model still numbers its agents 1, 2, 3, ..."""
    kept = []
    for seed in (1, 2):
        model = CommissioningModel(claimants=300, weeks=10, referral_weeks=5, seed=seed)
        model.run_model()
        ids = sorted(a.unique_id for a in model.agents)
        assert ids == list(range(1, len(ids) + 1))
        kept.append((weakref.ref(model), weakref.ref(model.claimants.status)))
        del model
    gc.collect()  # Mesa's models hold themselves (`step` is a bound method kept on them)
    assert [(m(), status()) for m, status in kept] == [(None, None), (None, None)]


def test_claimant_view_reads_one_row(two_tier_run):
    c = two_tier_run.claimants
    i = int(np.flatnonzero(c.job_outcome_week >= 0)[0])
    view = two_tier_run.claimant(i)
    assert view.job_outcome
    assert view.payment_group in two_tier_run.p["referral_share"]
    assert len(view.barriers) == c.n_barriers[i]
    assert view.locality == c.locality[i]
    assert view.as_dict()["id"] == i
    with pytest.raises(IndexError):
        two_tier_run.claimant(c.n)


def test_two_tier_network_is_a_vertical_chain(two_tier_run):
    g = two_tier_run.referral_network()
    assert isinstance(g, nx.DiGraph)
    primes = [n for n, d in g.nodes(data=True) if d["kind"] == "prime"]
    assert set(g.successors(0)) == set(primes)
    for n, d in g.nodes(data=True):
        if d["role"] == "case holder":
            assert [p for p in g.predecessors(n) if g.nodes[p]["kind"] == "prime"], d["name"]
    # Every referral from the commissioner went to a prime; every pound too.
    assert sum(g.edges[0, p]["referrals"] for p in primes) == two_tier_run.tally.attachments
    assert sum(g.edges[0, p]["money"] for p in primes) == pytest.approx(
        two_tier_run.accounts.commissioner_paid)


def test_locality_network_is_horizontal(locality_run):
    g = locality_run.referral_network()
    partnerships = [n for n, d in g.nodes(data=True) if d["kind"] == "partnership"]
    assert set(g.successors(0)) == set(partnerships)
    # Case holders in a locality reach every specialist in it.
    case_holders = [n for n, d in g.nodes(data=True) if d["role"] == "case holder"
                    and d["locality"] == 0]
    specialists = [n for n, d in g.nodes(data=True) if d["role"] == "specialist"
                   and d["locality"] == 0]
    for ch in case_holders:
        assert set(specialists) <= set(g.successors(ch))
    carried = sum(d["referrals"] for a, b, d in g.edges(data=True)
                  if g.nodes[b]["role"] == "specialist")
    assert carried == locality_run.referrals_matrix[:, locality_run.is_specialist].sum() > 0


def test_scenario_file_and_keywords_combine():
    model = CommissioningModel(scenario="locality", seed=3, claimants=500, weeks=10)
    assert model.p["regime"] == "locality"
    assert model.p["service_fee_share"] == 0.3
    assert model.p["claimants"] == 500
