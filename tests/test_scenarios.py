"""Scenario files and `--set` overrides: checked against the parameter table.

A scenario file is data (TOML), never code. Anything wrong in it -- an unknown
section or key, a wrong type, a value out of range, shares that do not sum to
one, a malformed, missing or non-UTF-8 file -- is one `ScenarioError` that
names the file, the key and what was expected. `--set section.key=value` (and
`section.key.group=value`) is checked in the same way.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from commissioning.experiments.plausibility import PROGRAMMES
from commissioning.model.parameters import (
    BY_NAME,
    PARAMETERS,
    PAYMENT_GROUPS,
    SECTIONS,
    Param,
    defaults,
)
from commissioning.model.scenario import ScenarioError, load_scenario, packaged_scenarios

SHIPPED = packaged_scenarios()
SHIPPED_FILES = sorted(SHIPPED.glob("*.toml"))
TWO_TIER = SHIPPED / "two_tier.toml"

#: Sections that describe the world (claimants, markets, costs). Every locality
#: scenario must share them with its two-tier counterpart, so that a difference
#: in outcomes comes from commissioning and payment alone (fairness rule).
SHARED_SECTIONS = ("claimants", "labour_market", "support", "providers", "area", "referral")
#: Sections a locality scenario may change: who holds the contract, its terms, how the
#: commissioner pays.
FREE_SECTIONS = ("commissioning", "contract", "payments", "run")

#: Bad scenario files: (content, key named, fragment of what was expected).
BAD_FILES = [
    pytest.param(b"[bogus]\nx = 1\n", "bogus", "a section", id="unknown-section"),
    pytest.param(b"[area]\nclaimant = 5\n", "area.claimant", "a parameter of [area]",
                 id="unknown-key"),
    pytest.param(b"[payments]\nclaimants = 5\n", "payments.claimants",
                 "a parameter of [payments]", id="key-in-wrong-section"),
    pytest.param(b"[scenario]\nauthor = 'me'\n", "scenario.author", "one of",
                 id="unknown-scenario-key"),
    pytest.param(b"area = 5\n", "area", "table", id="section-not-a-table"),
    pytest.param(b"[area]\nclaimants = 'many'\n", "area.claimants", "whole number",
                 id="string-for-number"),
    pytest.param(b"[area]\nclaimants = true\n", "area.claimants", "whole number",
                 id="bool-for-number"),
    pytest.param(b"[area]\nclaimants = 10.5\n", "area.claimants", "whole number",
                 id="fraction-for-integer"),
    pytest.param(b"[run]\ncheck_accounts = 'yes'\n", "run.check_accounts", "true or false",
                 id="string-for-bool"),
    pytest.param(b"[commissioning]\nregime = 'central'\n", "commissioning.regime",
                 "two_tier, locality", id="unknown-choice"),
    pytest.param(b"[referral]\nattachment_rate = 1.5\n", "referral.attachment_rate",
                 "between 0 and 1", id="above-range"),
    pytest.param(b"[area]\nclaimants = 0\n", "area.claimants", "between 1 and",
                 id="below-range"),
    pytest.param(b"[labour_market]\nvacancy_ratio_level = nan\n",
                 "labour_market.vacancy_ratio_level", "between 0 and 10", id="nan"),
    pytest.param(b"[area]\nreferral_path = 5\n", "area.referral_path", "YYYY-MM",
                 id="path-not-a-list"),
    pytest.param(b"[area]\nreferral_path = [[\"2012\", 1.0]]\n", "area.referral_path[0]",
                 "YYYY-MM", id="path-bad-month"),
    pytest.param(b"[area]\nreferral_path = [[\"2012-13\", 1.0]]\n", "area.referral_path[0]",
                 "YYYY-MM", id="path-month-13"),
    pytest.param(b"[area]\nreferral_path = [[\"2012-05\", 1.0], [\"2012-05\", 2.0]]\n",
                 "area.referral_path[1]", "increasing order", id="path-months-out-of-order"),
    pytest.param(b"[labour_market]\nvacancy_ratio_path = [[\"2012-05\", -1.0]]\n",
                 "labour_market.vacancy_ratio_path[0]", "between 0 and 5",
                 id="path-value-out-of-range"),
    pytest.param(b"[payments]\nstaged_outcome_windows = [16, 30]\n",
                 "payments.staged_outcome_windows", "3 entries", id="stages-mismatched"),
    pytest.param(b"[payments]\nstaged_outcome_weeks = [26, 13, 52]\n",
                 "payments.staged_outcome_weeks", "increasing order", id="stages-out-of-order"),
    pytest.param(b"[payments]\nneed_price_multiplier = [1.0, 2.0]\n",
                 "payments.need_price_multiplier", "3 multipliers", id="need-groups-missing"),
    pytest.param(b"[payments.job_outcome_fee]\nesa_ex_ib = -5\n",
                 "payments.job_outcome_fee.esa_ex_ib", "between 0 and", id="group-out-of-range"),
    pytest.param(b"[payments.job_outcome_fee]\njsa_99 = 5\n", "payments.job_outcome_fee.jsa_99",
                 "payment group", id="unknown-group"),
    pytest.param(b"[payments.sustainment_count]\nesa_new = 2.5\n",
                 "payments.sustainment_count.esa_new", "whole number", id="group-not-integer"),
    pytest.param(b"[payments]\nattachment_fee_taper = []\n", "payments.attachment_fee_taper",
                 "non-empty list", id="empty-list"),
    pytest.param(b"[payments]\nattachment_fee_taper = [1.0, 'x']\n",
                 "payments.attachment_fee_taper[1]", "number", id="bad-list-entry"),
    pytest.param(b"[claimants.referral_share]\njsa_18_24 = 0.5\n", "claimants.referral_share",
                 "sum to 1", id="shares-not-summing-to-one"),
    pytest.param(b"[scenario]\nname = 5\n", "scenario.name", "a string", id="name-not-string"),
    pytest.param(b"[scenario]\ninherits = 'nope.toml'\n", "scenario.inherits", "scenario file",
                 id="missing-parent"),
]

#: Files that cannot be read as TOML at all: (content, fragment of what was expected).
UNREADABLE_FILES = [
    pytest.param(b"[area\nclaimants = 5\n", "valid TOML", id="malformed"),
    pytest.param(b"[area]\nclaimants = 5\nclaimants = 6\n", "valid TOML", id="duplicate-key"),
    pytest.param(b"[scenario]\nname = 'caf\xe9'\n", "UTF-8", id="latin-1"),
    pytest.param(b"\xff\xfe[\x00a\x00]\x00", "UTF-8", id="utf-16"),
]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def child_of_two_tier(path: Path, body: str = "") -> Path:
    """A scenario file anywhere that inherits the shipped two_tier.toml."""
    return write(path, f"[scenario]\ninherits = '{TWO_TIER}'\n\n{body}")


def raise_error(path, overrides=()) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, list(overrides))
    return info.value


def check_one_line(exc: ScenarioError) -> None:
    message = str(exc)
    assert "\n" not in message
    assert "expected" in message


# --- shipped scenarios -----------------------------------------------------------


def test_the_shipped_scenarios_are_there():
    names = {p.stem for p in SHIPPED_FILES}
    assert {"two_tier", "locality"} <= names
    assert any(n.startswith("locality_") for n in names)


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates(path):
    sc = load_scenario(path)
    assert sc.path == path
    assert sc.name and sc.description
    assert set(sc.params) == set(BY_NAME)


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED_FILES])
def test_shipped_scenarios_load_by_name(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing of that name here: the shipped file is used
    assert load_scenario(name).params == load_scenario(SHIPPED / f"{name}.toml").params
    assert load_scenario(f"{name}.toml").path == SHIPPED / f"{name}.toml"


def test_two_tier_equals_the_schema_defaults():
    assert load_scenario(TWO_TIER).params == defaults()


def test_two_tier_lists_every_parameter_at_its_default():
    raw = tomllib.loads(TWO_TIER.read_text("utf-8"))
    assert "inherits" not in raw["scenario"]
    for p in PARAMETERS:
        assert p.name in raw.get(p.section, {}), f"{p.key} missing from two_tier.toml"
        assert raw[p.section][p.name] == p.default, p.key


def _parent_chain(path: Path) -> list[str]:
    chain = []
    while True:
        meta = tomllib.loads(path.read_text("utf-8")).get("scenario", {})
        if "inherits" not in meta:
            return chain
        path = (path.parent / meta["inherits"]).resolve()
        chain.append(path.name)
        assert len(chain) < 10


@pytest.mark.parametrize("path", [p for p in SHIPPED_FILES if p.stem != "two_tier"],
                         ids=lambda p: p.stem)
def test_other_shipped_scenarios_inherit_from_two_tier(path):
    assert _parent_chain(path)[-1] == "two_tier.toml"


def _counterpart(locality: Path) -> Path:
    """locality_recession.toml -> two_tier_recession.toml; otherwise two_tier.toml."""
    twin = SHIPPED / ("two_tier" + locality.stem.removeprefix("locality") + ".toml")
    return twin if twin.exists() else TWO_TIER


LOCALITY_FILES = [p for p in SHIPPED_FILES if p.stem.startswith("locality")]


@pytest.mark.parametrize("path", LOCALITY_FILES, ids=lambda p: p.stem)
def test_locality_scenarios_share_the_world_with_their_two_tier_counterpart(path):
    """Fairness rule: only commissioning and payment may differ between regimes."""
    assert set(SHARED_SECTIONS) | set(FREE_SECTIONS) == set(SECTIONS)
    mine = load_scenario(path).params
    other = load_scenario(_counterpart(path)).params
    differ = [p.key for p in PARAMETERS
              if p.section in SHARED_SECTIONS and mine[p.name] != other[p.name]]
    assert differ == [], f"{path.name} vs {_counterpart(path).name}"
    assert mine["regime"] == "locality" and other["regime"] == "two_tier"


#: What a real-programme scenario may change besides commissioning, contract terms and
#: payment (FREE_SECTIONS): who is eligible and how they take it up, and the period's
#: labour market (its path and level, not its effect on job finding). Claimants'
#: behaviour, the labour market's effect on job finding, providers and unit costs stay
#: the fitted baseline's.
ELIGIBILITY = {"claimants", "referral_weeks", "referral_path", "referral_share",
               "esa_share_path", "attachment_rate", "take_up_barrier_gradient",
               "prior_search_weeks"}
PERIOD_LABOUR_MARKET = {"vacancy_ratio_path", "vacancy_ratio_level", "recession_depth",
                        "recession_start_week", "recession_weeks"}
#: How many contract holders the commissioner buys (one prime per area for the WHP).
CONTRACT_STRUCTURE = {"primes"}
PROGRAMME_FILES = [SHIPPED / f"{name}.toml" for name in PROGRAMMES]


@pytest.mark.parametrize("path", PROGRAMME_FILES, ids=lambda p: p.stem)
def test_programme_scenarios_change_only_commissioning_payment_eligibility_and_period(path):
    """A real programme differs from the fitted baseline only where the programme did."""
    mine = load_scenario(path).params
    base = load_scenario(TWO_TIER).params
    changed = {p.name for p in PARAMETERS if mine[p.name] != base[p.name]}
    allowed = ({p.name for p in PARAMETERS if p.section in FREE_SECTIONS} | ELIGIBILITY
               | PERIOD_LABOUR_MARKET | CONTRACT_STRUCTURE)
    assert changed - allowed == set(), path.name
    assert changed & (ELIGIBILITY | PERIOD_LABOUR_MARKET), "a programme of its own period"
    assert {"start_year", "service_fee_share"} <= changed


def test_the_programme_sharing_rule_catches_a_tuned_behaviour(tmp_path):
    tuned = write(tmp_path / "tuned.toml", f"[scenario]\ninherits = '{PROGRAMME_FILES[0]}'\n"
                  "[labour_market]\nhazard_elasticity = 0.9\n")
    mine, base = load_scenario(tuned).params, load_scenario(TWO_TIER).params
    changed = {p.name for p in PARAMETERS if mine[p.name] != base[p.name]}
    allowed = ({p.name for p in PARAMETERS if p.section in FREE_SECTIONS} | ELIGIBILITY
               | PERIOD_LABOUR_MARKET | CONTRACT_STRUCTURE)
    assert changed - allowed == {"hazard_elasticity"}


@pytest.mark.parametrize("name", ["locality", "locality_outcomes_only"])
def test_non_recession_locality_scenarios_share_the_world_with_two_tier_toml(name):
    mine = load_scenario(SHIPPED / f"{name}.toml").params
    base = load_scenario(TWO_TIER).params
    assert {p.key for p in PARAMETERS if mine[p.name] != base[p.name]} <= {
        p.key for p in PARAMETERS if p.section in FREE_SECTIONS}


def test_recession_scenarios_share_one_recession():
    two = load_scenario(SHIPPED / "two_tier_recession.toml").params
    loc = load_scenario(SHIPPED / "locality_recession.toml").params
    assert two["recession_depth"] == loc["recession_depth"] > 0


# --- inheritance -------------------------------------------------------------------


def test_a_child_that_sets_one_key_keeps_the_parents_others(tmp_path):
    parent = write(tmp_path / "parent.toml", "[area]\nclaimants = 777\nlocalities = 3\n")
    child = write(tmp_path / "child.toml",
                  "[scenario]\ninherits = 'parent.toml'\n[area]\nlocalities = 5\n")
    p, c = load_scenario(parent).params, load_scenario(child).params
    assert (p["claimants"], p["localities"]) == (777, 3)
    assert (c["claimants"], c["localities"]) == (777, 5)
    assert {k for k in p if p[k] != c[k]} == {"localities"}


def test_a_child_of_the_shipped_baseline_differs_only_where_it_says(tmp_path):
    child = child_of_two_tier(tmp_path / "elsewhere" / "mine.toml",
                              "[contract]\noutcome_pass_through = 0.5\n")
    params = load_scenario(child).params
    assert params == {**defaults(), "outcome_pass_through": 0.5}


def test_per_group_values_merge_group_by_group_down_the_chain(tmp_path):
    write(tmp_path / "parent.toml",
          f"[scenario]\ninherits = '{TWO_TIER}'\n[payments.job_outcome_fee]\njsa_18_24 = 999\n")
    child = write(tmp_path / "child.toml",
                  "[scenario]\ninherits = 'parent.toml'\n[payments.job_outcome_fee]\n"
                  "esa_ex_ib = 5000\n")
    fee = load_scenario(child).params["job_outcome_fee"]
    expected = {**BY_NAME["job_outcome_fee"].default, "jsa_18_24": 999, "esa_ex_ib": 5000}
    assert fee == expected


def test_a_grandchild_keeps_every_ancestors_changes():
    params = load_scenario(SHIPPED / "locality_recession.toml").params
    locality = load_scenario(SHIPPED / "locality.toml").params
    changed = {k: v for k, v in params.items() if v != defaults()[k]}
    from_locality = {k: v for k, v in locality.items() if v != defaults()[k]}
    assert changed == {**from_locality, "recession_depth": 0.4}
    assert {"regime", "service_fee_share", "referral_rule"} <= set(from_locality)


def test_inherits_is_relative_to_the_file_not_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "base" / "parent.toml", "[area]\nclaimants = 4321\n")
    child = write(tmp_path / "variants" / "child.toml",
                  "[scenario]\ninherits = '../base/parent.toml'\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert load_scenario(child).params["claimants"] == 4321


def test_an_error_in_a_parent_names_the_parent_file(tmp_path):
    parent = write(tmp_path / "parent.toml", "[area]\nclaimants = -3\n")
    child = write(tmp_path / "child.toml", "[scenario]\ninherits = 'parent.toml'\n")
    exc = raise_error(child)
    assert Path(exc.source).resolve() == parent.resolve()
    assert exc.key == "area.claimants"


def test_a_bad_parent_is_an_error_even_if_the_child_sets_the_key(tmp_path):
    write(tmp_path / "parent.toml", "[referral]\nattachment_rate = 2\n")
    child = write(tmp_path / "child.toml",
                  "[scenario]\ninherits = 'parent.toml'\n[referral]\nattachment_rate = 0.9\n")
    assert raise_error(child).key == "referral.attachment_rate"


@pytest.mark.parametrize("cycle", [["a"], ["a", "b"], ["a", "b", "c"]],
                         ids=["self", "two", "three"])
def test_circular_inheritance_is_an_error(tmp_path, cycle):
    for here, there in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        write(tmp_path / f"{here}.toml", f"[scenario]\ninherits = '{there}.toml'\n")
    exc = raise_error(tmp_path / "a.toml")
    assert exc.key == "scenario.inherits"
    assert "circular" in exc.expected
    assert Path(exc.source).stem in cycle
    check_one_line(exc)


def test_inheriting_a_directory_names_the_file_and_key(tmp_path):
    (tmp_path / "folder").mkdir()
    child = write(tmp_path / "child.toml", "[scenario]\ninherits = 'folder'\n")
    exc = raise_error(child)
    assert exc.source == str(child)
    assert exc.key == "scenario.inherits"


# --- bad files -------------------------------------------------------------------


@pytest.mark.parametrize(("content", "key", "expected"), BAD_FILES)
def test_a_bad_file_names_file_key_and_expectation(tmp_path, content, key, expected):
    path = write(tmp_path / "bad.toml", content)
    exc = raise_error(path)
    assert exc.source == str(path)
    assert exc.key == key
    assert expected in exc.expected
    assert str(exc).startswith(f"{path}: {key}: expected ")
    check_one_line(exc)


#: The bad files that can follow a [scenario] table that inherits the baseline.
BAD_SECTIONS = [case for case in BAD_FILES
                if case.values[0].startswith(b"[") and b"[scenario]" not in case.values[0]]


@pytest.mark.parametrize(("content", "key", "expected"), BAD_SECTIONS)
def test_a_bad_value_is_caught_in_a_child_of_the_baseline_too(tmp_path, content, key,
                                                             expected):
    path = child_of_two_tier(tmp_path / "bad.toml", content.decode())
    exc = raise_error(path)
    assert (exc.source, exc.key) == (str(path), key)
    assert expected in exc.expected


@pytest.mark.parametrize(("content", "expected"), UNREADABLE_FILES)
def test_an_unreadable_file_names_the_file_and_expectation(tmp_path, content, expected):
    path = write(tmp_path / "bad.toml", content)
    exc = raise_error(path)
    assert exc.source == str(path)
    assert expected in exc.expected
    check_one_line(exc)


def test_a_missing_file_is_an_error(tmp_path):
    path = tmp_path / "missing.toml"
    exc = raise_error(path)
    assert exc.source == str(path)
    assert "no such file" in exc.expected


def test_a_directory_is_not_a_scenario(tmp_path):
    exc = raise_error(tmp_path)
    assert exc.source == str(tmp_path)
    assert "readable" in exc.expected


def test_a_missing_file_is_an_error_even_if_a_shipped_one_has_its_name(tmp_path):
    path = tmp_path / "locality.toml"
    exc = raise_error(path)
    assert exc.source == str(path)


def test_an_empty_file_is_the_defaults(tmp_path):
    sc = load_scenario(write(tmp_path / "empty.toml", b""))
    assert sc.params == defaults()
    assert sc.name == "empty"


def test_whole_floats_become_integers_and_integers_floats(tmp_path):
    path = write(tmp_path / "types.toml",
                 "[area]\nclaimants = 800.0\n[referral]\nattachment_rate = 1\n"
                 "[payments.sustainment_count]\nesa_new = 7.0\n")
    p = load_scenario(path).params
    assert p["claimants"] == 800 and type(p["claimants"]) is int
    assert p["attachment_rate"] == dict.fromkeys(PAYMENT_GROUPS, 1.0)
    assert all(type(v) is float for v in p["attachment_rate"].values())
    assert p["sustainment_count"]["esa_new"] == 7
    assert type(p["sustainment_count"]["esa_new"]) is int


def test_shares_that_sum_to_one_are_accepted(tmp_path):
    shares = dict.fromkeys(PAYMENT_GROUPS, 0.0) | {"jsa_18_24": 0.5, "esa_new": 0.5}
    body = "[claimants.referral_share]\n" + "".join(f"{g} = {v}\n" for g, v in shares.items())
    assert load_scenario(write(tmp_path / "s.toml", body)).params["referral_share"] == shares


# --- scenario files are data ---------------------------------------------------------


def test_python_in_a_scenario_file_is_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "executed"
    path = write(tmp_path / "code.toml", f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n")
    assert "valid TOML" in raise_error(path).expected
    assert not marker.exists()


def test_python_in_a_value_is_just_a_wrong_value(tmp_path):
    marker = tmp_path / "executed"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path = write(tmp_path / "code.toml", f'[area]\nclaimants = "{code}"\n')
    assert raise_error(path).got == code
    assert raise_error(TWO_TIER, [f"area.claimants={code}"]).key == "area.claimants"
    assert not marker.exists()


# --- --set overrides ---------------------------------------------------------------


def _other_number(p: Param, default: float) -> float:
    """A valid value of `p` other than `default`."""
    integer = p.kind == "int" or p.integer_values
    if integer:
        return default + 1 if default + 1 <= p.high else default - 1
    value = (p.low + p.high) / 2 if math.isfinite(p.high) else default + 1.5
    return value if value != default else p.low


def _other_value(p: Param) -> tuple[str, object]:
    """`--set` text for a valid non-default value of `p`, and the value it means."""
    if p.kind == "bool":
        return ("false", False) if p.default else ("true", True)
    if p.kind == "choice":
        other = next(c for c in p.choices if c != p.default)
        return other, other
    if p.kind == "list":  # as many entries as the default (some lists go together)
        if p.integer_values:
            value = [int(v) + 1 for v in p.default]
        else:
            value = [0.5] + [0.25] * (len(p.default) - 1)
        return repr(value), value
    if p.kind == "path":
        return '[["2015-01", 0.5]]', [["2015-01", 0.5]]
    value = _other_number(p, p.default)
    return repr(value), value


SCALARS = [p for p in PARAMETERS if p.kind != "per_group"]
PER_GROUP = [p for p in PARAMETERS if p.kind == "per_group" and p.name != "referral_share"]


@pytest.mark.parametrize("p", SCALARS, ids=lambda p: p.key)
def test_set_overrides_any_value(p):
    text, value = _other_value(p)
    params = load_scenario(TWO_TIER, [f"{p.key}={text}"]).params
    assert params[p.name] == value
    assert type(params[p.name]) is type(value)
    assert {k for k in params if params[k] != defaults()[k]} == {p.name}


@pytest.mark.parametrize("p", PER_GROUP, ids=lambda p: p.key)
def test_set_overrides_one_group(p):
    value = _other_number(p, p.default["esa_new"])
    params = load_scenario(TWO_TIER, [f"{p.key}.esa_new={value!r}"]).params
    assert params[p.name] == {**p.default, "esa_new": value}


@pytest.mark.parametrize("p", PER_GROUP, ids=lambda p: p.key)
def test_set_one_number_for_every_group(p):
    value = _other_number(p, p.default["esa_new"])
    params = load_scenario(TWO_TIER, [f"{p.key}={value!r}"]).params
    assert params[p.name] == dict.fromkeys(PAYMENT_GROUPS, value)


def test_set_overrides_the_file_and_what_it_inherits(tmp_path):
    path = child_of_two_tier(tmp_path / "mine.toml", "[area]\nclaimants = 1200\n")
    sc = load_scenario(path, ["area.claimants=300", "payments.service_fee_share=0.2"])
    assert (sc.params["claimants"], sc.params["service_fee_share"]) == (300, 0.2)
    assert load_scenario(path).params["claimants"] == 1200


def test_set_later_assignment_wins():
    params = load_scenario(TWO_TIER, ["area.claimants=100", "area.claimants=200"]).params
    assert params["claimants"] == 200


def test_set_accepts_toml_syntax():
    params = load_scenario(TWO_TIER, [
        "area.claimants=1e3", "commissioning.regime='locality'",
        "payments.job_outcome_fee={esa_new=2000, esa_ex_ib=4000}",
        "run.check_accounts = false"]).params
    assert params["claimants"] == 1000 and type(params["claimants"]) is int
    assert params["regime"] == "locality"
    assert params["job_outcome_fee"] == {**BY_NAME["job_outcome_fee"].default,
                                         "esa_new": 2000.0, "esa_ex_ib": 4000.0}
    assert params["check_accounts"] is False


def test_set_shares_are_checked_after_every_assignment():
    shares = defaults()["referral_share"]
    young, older = shares["jsa_18_24"] - 0.05, shares["jsa_25_plus"] + 0.05
    ok = load_scenario(TWO_TIER, [f"claimants.referral_share.jsa_18_24={young}",
                                  f"claimants.referral_share.jsa_25_plus={older}"]).params
    assert ok["referral_share"]["jsa_18_24"] == young
    assert sum(ok["referral_share"].values()) == pytest.approx(1.0)
    exc = raise_error(TWO_TIER, [f"claimants.referral_share.jsa_18_24={young}"])
    assert (exc.source, exc.key) == ("--set", "claimants.referral_share")
    assert "sum to 1" in exc.expected


BAD_SETS = [
    pytest.param("area.claimants=abc", "area.claimants", "whole number", id="string"),
    pytest.param("area.claimants=0", "area.claimants", "between 1 and", id="below-range"),
    pytest.param("area.claimants=1.5", "area.claimants", "whole number", id="fraction"),
    pytest.param("area.claimants=", "area.claimants", "whole number", id="empty-value"),
    pytest.param("run.weeks=nan", "run.weeks", "whole number", id="nan"),
    pytest.param("referral.attachment_rate=1.01", "referral.attachment_rate", "between 0 and 1",
                 id="above-range"),
    pytest.param("run.check_accounts=1", "run.check_accounts", "true or false", id="not-bool"),
    pytest.param("commissioning.regime=central", "commissioning.regime", "two_tier, locality",
                 id="unknown-choice"),
    pytest.param("payments.attachment_fee_taper=[]", "payments.attachment_fee_taper",
                 "non-empty list", id="empty-list"),
    pytest.param("bogus.claimants=5", "bogus.claimants", "a section", id="unknown-section"),
    pytest.param("area.bogus=5", "area.bogus", "a parameter of [area]", id="unknown-key"),
    pytest.param("payments.claimants=5", "payments.claimants", "a parameter of [payments]",
                 id="key-in-wrong-section"),
    pytest.param("claimants=5", "claimants", "section.key", id="no-section"),
    pytest.param("area.claimants", "area.claimants", "section.key=value", id="no-value"),
    pytest.param("a.b.c.d=1", "a.b.c.d", "section.key", id="too-deep"),
    pytest.param("payments.job_outcome_fee.jsa_99=5", "payments.job_outcome_fee.jsa_99",
                 "payment group", id="unknown-group"),
    pytest.param("payments.job_outcome_fee={jsa_99=5}", "payments.job_outcome_fee.jsa_99",
                 "payment group", id="unknown-group-in-table"),
    pytest.param("payments.job_outcome_fee.esa_ex_ib=-1", "payments.job_outcome_fee.esa_ex_ib",
                 "between 0 and", id="group-out-of-range"),
    pytest.param("payments.job_outcome_fee.esa_ex_ib=abc", "payments.job_outcome_fee.esa_ex_ib",
                 "number", id="group-not-a-number"),
    pytest.param("area.claimants.esa_new=5", "area.claimants.esa_new", "not per group",
                 id="group-of-scalar"),
]


@pytest.mark.parametrize(("assignment", "key", "expected"), BAD_SETS)
def test_a_bad_set_names_the_key_and_expectation(assignment, key, expected):
    exc = raise_error(TWO_TIER, [assignment])
    assert exc.source == "--set"
    assert exc.key == key
    assert expected in exc.expected
    check_one_line(exc)


def test_overrides_do_not_leak_into_the_defaults():
    load_scenario(TWO_TIER, ["payments.job_outcome_fee.esa_new=1", "area.claimants=5"])
    raise_error(TWO_TIER, ["payments.job_outcome_fee.esa_ex_ib=2", "area.claimants=-5"])
    assert BY_NAME["job_outcome_fee"].default["esa_new"] == 1200
    assert BY_NAME["job_outcome_fee"].default["esa_ex_ib"] == 3500
    assert load_scenario(TWO_TIER).params == defaults()


def test_odd_parameter_table_matches_the_code():
    """docs/ODD.md's table is generated; regenerate with
    `python -m commissioning.model.odd_table docs/ODD.md` after changing a parameter."""
    from commissioning.model.odd_table import markdown_rows, table_in

    text = (Path(__file__).parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    start, end = table_in(text)
    assert text.splitlines()[start:end] == markdown_rows()
