"""The app's settings, in the words and units a class uses, and how they become model parameters.

A slider says "Attachment fee: £400", not `attachment_fee = {9 payment groups}`.
`Settings` holds one run's choices in those units (pounds, per cent, weeks)
on top of a scenario file, and `Settings.model_kwargs` turns them into the
keyword arguments of `CommissioningModel`. Three translations matter:

- **Fees are list prices for the largest payment group (JSA 25+).** A scenario
  prices each of the nine groups (ESA claimants earn more); moving the slider
  scales every group in proportion, so the scenario's differential prices
  survive and leaving the slider alone changes nothing.
- **The management fee and the specialist rule are terms of the scenario's
  contract** (`[contract]`): the primes' under two-tier, the partnerships'
  under locality commissioning. One slider, the lever that exists in the run.
- **The claimant count is the app's own** (2,000 by default, a classroom's
  scale: a week plus its redraw stays well under a second), whatever the
  scenario file says (10,000).

Settings are frozen values: the page compares the settings on screen with
those of the running model to say "press Reset to use the new settings".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from commissioning.model.parameters import PAYMENT_GROUPS
from commissioning.model.scenario import Scenario, ScenarioError, validate_params

from .limits import check_app_limits

#: The payment group whose price the fee sliders show (the largest referral group).
REFERENCE_GROUP = "jsa_25_plus"
CLASSROOM_CLAIMANTS = 2000
#: The claimant the Explore page follows until a person types another number.
FOLLOWED_AT_FIRST = 5


@dataclass(frozen=True)
class Knob:
    """One setting a person can change: its label, unit, range and help."""

    name: str
    label: str
    unit: str
    low: float
    high: float
    step: float
    help: str
    choices: tuple[str, ...] = ()

    def phrase(self, value: Any) -> str:
        """The setting in a sentence: "2,000 claimants", "seed 1", "attachment fee £400"."""
        if self.name == "claimants":
            return self.format(value)
        if self.name == "seed":
            return f"seed {value}"
        return f"{self.label.lower()} {self.format(value)}"

    def on_steps(self, value: float) -> float:
        """Where the slider shows a value: its nearest step, as the browser's slider rounds it.

        A scenario's value may sit between the steps (a calibrated management
        fee of 40.32% on a slider of whole per cents). The slider is handed the
        step it would round to, so drawing it sends nothing back and the
        setting keeps its exact value until a person moves the slider.
        """
        steps = math.floor((value - self.low) / self.step + 0.5)  # JavaScript's Math.round
        return min(max(self.low + steps * self.step, self.low), max(self.high, value))

    def format(self, value: Any) -> str:
        """The value as the page shows it, with its unit."""
        if self.choices:
            return str(value)
        if self.unit == "£":
            return f"£{value:,.0f}"
        # Two decimals at most: a calibrated 40.01985% reads 40.02%, a slider's 40% reads 40%.
        number = f"{value:,.2f}".rstrip("0").rstrip(".")
        if self.unit == "%":
            return f"{number}%"
        return f"{number} {self.unit}".rstrip()


RULE_WHEN_IT_PAYS = "when the case holder expects it to pay"
RULE_BY_NEED = "for every need the assessment finds"
_RULES = {"expected_value": RULE_WHEN_IT_PAYS, "assessed_need": RULE_BY_NEED}
_RULE_NAMES = {v: k for k, v in _RULES.items()}

KNOBS: tuple[Knob, ...] = (
    Knob("claimants", "Number of claimants", "claimants", 200, 20_000, 100,
         "People referred over the first three years. 2,000 keeps each week quick."),
    Knob("seed", "Random seed", "", 0, 99, 1,
         "The same seed gives the same claimants and the same luck in every run."),
    Knob("attachment_fee", "Attachment fee", "£", 0, 2000, 25,
         "Paid when a claimant starts with a provider (JSA 25+ price; other groups in "
         "proportion; it tapers to nothing by year 4)."),
    Knob("job_outcome_fee", "Job outcome fee", "£", 0, 6000, 100,
         "Paid after 13 or 26 weeks in work (JSA 25+ price; other groups in proportion)."),
    Knob("management_fee", "Management fee", "%", 0, 60, 1,
         "Share of outcome payments the prime (or partnership) keeps before paying the "
         "provider who holds the case."),
    Knob("service_fee_share", "Service fee", "%", 0, 100, 5,
         "Share of the contract's expected value paid monthly for each claimant on the "
         "programme, whatever happens; the rest is paid on results."),
    Knob("recession_depth", "Recession", "%", 0, 80, 5,
         "Fall in job vacancies at the bottom of a recession that starts in week 26."),
    Knob("third_sector_reserves", "Charities' cash reserves", "weeks", 0, 52, 1,
         "Weeks of running costs a third-sector provider has in the bank at the start."),
    Knob("referral_rule", "Specialist help is bought", "", 0, 0, 0,
         "Who decides when a claimant sees a specialist (housing, debt, health, ...).",
         choices=(RULE_WHEN_IT_PAYS, RULE_BY_NEED)),
)
KNOB = {k.name: k for k in KNOBS}


def _reference(prices: dict[str, float]) -> float:
    return float(prices[REFERENCE_GROUP])


def _scaled(prices: dict[str, float], value: float) -> dict[str, float] | float:
    """Every group's price moved in proportion to the reference group's new price."""
    ref = _reference(prices)
    if ref <= 0:
        return float(value)  # no structure to keep: one price for all
    return {g: prices[g] * value / ref for g in PAYMENT_GROUPS}


def _holder_key(regime: str, what: str) -> str:
    """The contract term behind a slider: the same key whoever holds the contract."""
    del regime  # the scenario's own contract holder: primes or partnerships alike
    return what


@dataclass(frozen=True)
class Settings:
    """One run's choices: a scenario file plus the classroom settings on top of it."""

    scenario: Scenario
    scenario_label: str
    claimants: int
    seed: int
    attachment_fee: float
    job_outcome_fee: float
    management_fee: float
    service_fee_share: float
    recession_depth: float
    third_sector_reserves: float
    referral_rule: str

    @classmethod
    def from_scenario(cls, scenario: Scenario, label: str,
                      claimants: int = CLASSROOM_CLAIMANTS, seed: int | None = None) -> Settings:
        """The scenario's own values, at the classroom's claimant count."""
        p = scenario.params
        regime = p["regime"]
        return cls(
            scenario=scenario, scenario_label=label, claimants=int(claimants),
            seed=int(p["seed"] if seed is None else seed),
            attachment_fee=_reference(p["attachment_fee"]),
            job_outcome_fee=_reference(p["job_outcome_fee"]),
            management_fee=round(100 * (1 - p[_holder_key(regime, "outcome_pass_through")]), 6),
            service_fee_share=round(100 * p["service_fee_share"], 6),
            recession_depth=round(100 * p["recession_depth"], 6),
            third_sector_reserves=float(p["third_sector_reserves_weeks"]),
            referral_rule=_RULES[p[_holder_key(regime, "referral_rule")]],
        )

    @property
    def regime(self) -> str:
        return self.scenario.params["regime"]

    def changed(self, **values: Any) -> Settings:
        """A copy with some settings changed, each checked against its range.

        Raises ScenarioError (naming the setting and what it accepts) for a bad value.
        """
        for name, value in values.items():
            knob = KNOB.get(name)
            if knob is None:
                raise ScenarioError("settings", name, "one of " + ", ".join(KNOB))
            if knob.choices:
                if value not in knob.choices:
                    raise ScenarioError("settings", name, "one of: " + "; ".join(knob.choices),
                                        value)
            elif (isinstance(value, bool) or not isinstance(value, int | float)
                  or not knob.low <= value <= max(knob.high, getattr(self, name))):
                raise ScenarioError("settings", name, f"a number from {knob.low:g} to "
                                    f"{knob.high:g} ({knob.unit or 'number'})", value)
        values = {k: int(v) if k in ("claimants", "seed") else v for k, v in values.items()}
        return replace(self, **values)

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `CommissioningModel` (checked like a scenario file)."""
        p = self.scenario.params
        regime = self.regime
        own = Settings.from_scenario(self.scenario, self.scenario_label)

        def translated(name: str, key: str, value: Any) -> Any:
            # A setting left at the file's value passes the file's own parameter, exactly:
            # per cent and back, or a price scaled by one, may move a float's last digit.
            return p[key] if getattr(self, name) == getattr(own, name) else value

        holder_pass_through = _holder_key(regime, "outcome_pass_through")
        params: dict[str, Any] = {
            "claimants": self.claimants,
            "seed": self.seed,
            "attachment_fee": translated("attachment_fee", "attachment_fee",
                                         _scaled(p["attachment_fee"], self.attachment_fee)),
            "job_outcome_fee": translated("job_outcome_fee", "job_outcome_fee",
                                          _scaled(p["job_outcome_fee"], self.job_outcome_fee)),
            holder_pass_through: translated("management_fee", holder_pass_through,
                                            1 - self.management_fee / 100),
            "service_fee_share": translated("service_fee_share", "service_fee_share",
                                            self.service_fee_share / 100),
            "recession_depth": translated("recession_depth", "recession_depth",
                                          self.recession_depth / 100),
            "third_sector_reserves_weeks": self.third_sector_reserves,
            _holder_key(regime, "referral_rule"): _RULE_NAMES[self.referral_rule],
        }
        checked = validate_params(params, self.scenario_label, self.scenario.params)
        check_app_limits(checked, self.scenario_label)  # fail here, not in the model
        return {"scenario": self.scenario, **params}

    def values(self) -> dict[str, Any]:
        """The settings a person can change, by knob name."""
        return {k.name: getattr(self, k.name) for k in KNOBS}

    def describe(self) -> str:
        """One line for captions and file names' companions: what this run is."""
        shown = ", ".join(KNOB[k].phrase(v) for k, v in self.values().items()
                          if k != "referral_rule")
        return f"{self.scenario_label}: {shown}; specialist help bought {self.referral_rule}"
