"""Decisions taken in place of an organisation's rule (model/decisions.py): the game's hooks.

With no decision taken, or every decision handed back to the rule, a run is the
model's own to the last bit. A decision taken moves the run the way its mechanism
says (a higher management fee leaves subcontractors less money, intensive support
for the hard to help parks fewer of them, ...). A scenario file's `[[decisions]]` run
again exactly, and a bad decision gets one clear message.
"""

from __future__ import annotations

import numpy as np
import pytest

from commissioning.model import CommissioningModel, ScenarioError, load_scenario
from commissioning.model.decisions import (
    DECISIONS,
    RULE,
    Decision,
    as_table,
    check_schedule,
    takes,
)
from commissioning.model.scenario_writer import _toml_value

from .conftest import SMALL


def run(decisions=(), scenario="two_tier", **params) -> CommissioningModel:
    model = CommissioningModel(scenario, decisions=decisions, **{**SMALL, "seed": 5, **params})
    model.run_model()
    return model


def weekly(model: CommissioningModel):
    return model.datacollector.get_model_vars_dataframe()


def same_run(a: CommissioningModel, b: CommissioningModel) -> bool:
    return (weekly(a).equals(weekly(b)) and np.array_equal(a.accounts.cash, b.accounts.cash)
            and np.array_equal(a.claimants.support_spend, b.claimants.support_spend))


@pytest.fixture(scope="module")
def baseline() -> CommissioningModel:
    return run()


def org(model: CommissioningModel, name: str) -> int:
    return next(o.index for o in model.orgs if o.name == name)


def test_rule_everywhere_is_the_models_own_run_to_the_last_bit(baseline):
    every = [Decision(week, o.name if o.index else "commissioner", name, RULE)
             for week in (0, 30) for o in baseline.orgs for name in DECISIONS
             if takes(baseline, o.index, name)]
    assert len(every) > 100
    assert same_run(run(every), baseline)
    # Taking a decision at the value the rule already has changes nothing either.
    prime = baseline.orgs[1]
    same = [Decision(0, prime.name, "outcome_pass_through", prime.outcome_pass_through),
            Decision(0, prime.name, "specialist_fee", prime.specialist_fee),
            Decision(0, "commissioner", "outcome_price", 1.0)]
    assert same_run(run(same), baseline)


def test_a_higher_management_fee_leaves_the_primes_subcontractors_less_money(baseline):
    fee = run([Decision(0, "Prime A", "outcome_pass_through", 0.3),
               Decision(0, "Prime A", "attachment_pass_through", 0.3)])
    subs = [o.index for o in baseline.orgs[org(baseline, "Prime A")].case_holders
            if o.name != "Prime A"]
    assert fee.accounts.net_position()[subs].sum() < baseline.accounts.net_position()[subs].sum()
    assert (fee.accounts.revenue - fee.accounts.paid_out)[1] > \
        (baseline.accounts.revenue - baseline.accounts.paid_out)[1]


def test_intensive_support_for_the_hard_to_help_parks_fewer(baseline):
    case_holders = [o.name for o in baseline.orgs if takes(baseline, o.index, "support_hard")]
    helped = run([Decision(0, name, "support_hard", "intensive") for name in case_holders])
    m, b = helped.metrics(), baseline.metrics()
    assert m["parked_share"] < b["parked_share"]
    assert m["support_ratio_easy_to_hard"] < b["support_ratio_easy_to_hard"]


def test_a_specialist_that_takes_no_referrals_treats_nobody(baseline):
    busiest = int(np.argmax(baseline.episodes_started))
    name = baseline.orgs[busiest].name
    assert baseline.episodes_started[busiest] > 0
    refuses = run([Decision(0, name, "accept_referrals", "none"),
                   Decision(0, name, "staffed_share", 0.0)])
    assert refuses.episodes_started[busiest] == 0
    assert refuses.staffed[busiest] < 0.1 * baseline.capacity[busiest]


def test_staying_and_leaving_override_the_contract_review(baseline):
    left = [name for _, name, _ in baseline.withdrawals]
    assert left, "the baseline should see some providers leave their contracts"
    stays = run([Decision(0, left[0], "contract", "stay")])
    assert left[0] not in [name for _, name, _ in stays.withdrawals]
    stayed = next(o.name for o in baseline.orgs if baseline.small_provider[o.index]
                  and o.name not in left)
    goes = run([Decision(0, stayed, "contract", "leave")])
    assert (51, stayed) in [(week, name) for week, name, _ in goes.withdrawals]


def test_a_prime_that_sends_a_subcontractor_no_one_sends_it_no_one(baseline):
    sub = baseline.orgs[org(baseline, "Prime A")].case_holders[1]
    assert baseline.cases_received[sub.index] > 0
    starved = run([Decision(0, "Prime A", "case_holder_shares", {sub.name: 0.0})])
    assert starved.cases_received[sub.index] == 0
    assert starved.metrics()["referrals"] == baseline.metrics()["referrals"]


def test_the_commissioners_prices_change_payments_from_the_week_decided(baseline):
    dearer = run([Decision(52, "commissioner", "outcome_price", 2.0)])
    paid, before = weekly(dearer)["paid_outcome"], weekly(baseline)["paid_outcome"]
    assert paid.iloc[:53].equals(before.iloc[:53])
    assert paid.iloc[-1] > 1.5 * before.iloc[-1]


def test_a_partnership_that_stops_buying_key_workers_spends_less_on_services():
    own = run(scenario="locality")
    name = own.holders[0].name
    cheaper = run([Decision(0, name, "key_worker", False)], scenario="locality")
    i = own.holders[0].index
    services = 6  # accounts.SERVICES
    assert cheaper.accounts.costs[i, services] < own.accounts.costs[i, services]


def test_a_scenario_files_decisions_run_again_exactly(tmp_path):
    decisions = [Decision(0, "Prime B", "outcome_pass_through", 0.5),
                 Decision(13, "L1 end-to-end 1", "support_hard", "light"),
                 Decision(13, "Prime A", "case_holder_shares", {"Prime A": 2.0}),
                 Decision(26, "L1 end-to-end 1", "support_hard", RULE)]
    lines = ['[scenario]', 'inherits = "two_tier.toml"', "[run]", "seed = 5", "weeks = 160",
             "[area]", "claimants = 1500", "referral_weeks = 56"]
    for table in as_table(decisions):
        lines.append("[[decisions]]")
        lines += [f"{k} = {_inline(v)}" for k, v in table.items()]
    path = tmp_path / "game.toml"
    path.write_text("\n".join(lines) + "\n")
    again = CommissioningModel(load_scenario(path))
    again.run_model()
    assert same_run(again, run(decisions))
    assert [(d.week, d.name) for d in again.decisions.applied] == \
        [(d.week, d.name) for d in decisions]


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}"
                                for k, v in value.items()) + " }"
    return _toml_value(value)


@pytest.mark.parametrize(("entry", "message"), [
    ({"week": 3, "organisation": "Prime Z", "support_hard": "light"},
     "decisions[0].organisation: expected an organisation of this scenario"),
    ({"week": 3, "organisation": "Prime A", "outcome_pass_through": 1.5},
     "decisions[0].outcome_pass_through: expected a number between 0 and 1"),
    ({"week": 3, "organisation": "Prime A", "support_hard": "lots"},
     "decisions[0].support_hard: expected one of minimal, light, intensive"),
    ({"week": -1, "organisation": "Prime A", "support_hard": "light"},
     "decisions[0].week: expected a whole number of weeks"),
    ({"week": 3, "organisation": "L1 health specialist", "support_hard": "light"},
     "expected a decision L1 health specialist takes"),
    ({"week": 3, "organisation": "Prime A", "case_holder_shares": {"Prime B": 1}},
     "expected a case holder of Prime A"),
    ({"week": 3, "organisation": "Prime A"}, "decisions[0]: expected at least one decision"),
])
def test_a_bad_decision_gets_one_clear_message(entry, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CommissioningModel("two_tier", decisions=check_schedule([entry], "game.toml"),
                           **SMALL)


def test_an_organisation_that_has_gone_decides_nothing(baseline):
    gone = run([Decision(0, "L1 end-to-end 1", "contract", "leave"),
                Decision(60, "L1 end-to-end 1", "support_hard", "intensive")])
    assert [d.week for d in gone.decisions.applied] == [0]


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
def test_a_players_support_is_cut_to_the_budget_as_chosen(monkeypatch, kernels):
    """The budget cut reads what the player's levels cost, not what the rule's would (the
    step may add the rule's up beforehand, alongside the referrals)."""
    from commissioning.model.claimant_kernels import ENVIRONMENT
    from commissioning.model.support_decisions import MINIMAL, choose_support, support_wanted

    if kernels == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv(ENVIRONMENT, kernels)
    probe = CommissioningModel("two_tier", **SMALL)
    intensive = [Decision(0, o.name, f"support_{who}", "intensive") for o in probe.orgs
                 if takes(probe, o.index, "support_easy") for who in ("easy", "middle", "hard")]
    model = CommissioningModel("two_tier", decisions=intensive, **SMALL)
    for _ in range(20):
        model.step()
    c = model.claimants
    searching = np.flatnonzero(c.status == 2).astype(np.int32)  # SEARCHING
    rule = np.full(len(searching), MINIMAL, np.int8)  # the rule would pay for no more
    model.spending_headroom[:] = 3.5 * (model.support_cost[-1] - model.support_cost[MINIMAL])
    level = choose_support(model, searching, None, (rule, np.ones(len(searching))),
                           support_wanted(model, searching, rule))
    funded = np.bincount(c.case_holder[searching][level > MINIMAL], minlength=len(model.orgs))
    cases = np.bincount(c.case_holder[searching], minlength=len(model.orgs))
    assert funded.sum() < len(searching) / 4
    assert funded.tolist() == np.minimum(cases, 3).tolist()  # three each, as the budget allows
