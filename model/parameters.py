"""Every model parameter: its default, unit, allowed range and source.

This table is the single source of truth. The model's keyword arguments, the
scenario files, the `--set` overrides and the ODD parameter table in
`docs/ODD.md` are all read from it, so a number is documented exactly once.

Parameter names are unique across sections, so a scenario key
`payments.attachment_fee` is the model keyword `attachment_fee`.

Payment-group parameters ("per group") take one number per payment group
(section 2.1 of DOMAIN.md). In a file they are a sub-table keyed by group;
on the command line either one number for all groups or one group at a time
(`--set payments.job_outcome_fee.esa_ex_ib=5000`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from .fitted_values import FITTED_VALUES

#: The nine Work Programme payment groups, in DWP's order (DOMAIN 2.1).
PAYMENT_GROUPS: tuple[str, ...] = (
    "jsa_18_24",
    "jsa_25_plus",
    "jsa_early_access",
    "jsa_ex_ib",
    "esa_volunteers",
    "esa_new",
    "esa_ex_ib",
    "ib_is_volunteers",
    "jsa_prison_leavers",
)

#: Barriers to work a claimant may have; one specialist service per barrier.
BARRIERS: tuple[str, ...] = (
    "health",
    "skills",
    "housing",
    "debt",
    "caring",
    "confidence",
    "addiction",
    "convictions",
)

REGIMES: tuple[str, ...] = ("two_tier", "locality")
REFERRAL_RULES: tuple[str, ...] = ("expected_value", "assessed_need")
IN_HOUSE_SELECTION: tuple[str, ...] = ("expected_value", "random")
SERVICE_PURCHASE: tuple[str, ...] = ("expected_value", "commissioned")
SPECIALIST_PRICING: tuple[str, ...] = ("variable_cost", "full_cost")
OUTCOME_SCHEDULES: tuple[str, ...] = ("sustainment", "staged")
#: Need groups by barriers (0-1, 2, 3+): Fair Start Scotland's Core, Advanced and Intense.
NEED_GROUPS: tuple[str, ...] = ("core", "advanced", "intense")


def per_group(*values: float) -> dict[str, float]:
    """A per-group default from values in `PAYMENT_GROUPS` order."""
    assert len(values) == len(PAYMENT_GROUPS)
    return dict(zip(PAYMENT_GROUPS, values, strict=True))


@dataclass(frozen=True)
class Param:
    """One parameter of the model."""

    name: str
    section: str
    default: Any
    unit: str
    doc: str
    source: str
    kind: str = "float"  # float | int | bool | choice | per_group | list | path
    low: float = -math.inf
    high: float = math.inf
    choices: tuple[str, ...] = field(default_factory=tuple)
    integer_values: bool = False  # per_group/list entries must be whole numbers

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"


A = "assumption — to be calibrated"

PARAMETERS: tuple[Param, ...] = (
    # --- run ---------------------------------------------------------------
    Param("weeks", "run", 469, "weeks",
          "Weeks simulated (one step is one week).",
          "June 2011 to June 2020: referrals to March 2017, two years on programme and the "
          "sustainment payments after; final statistics to June 2020 [S10]", "int", 1, 2000),
    Param("start_year", "run", 2011, "year",
          "Calendar year of week 0 (dated paths and figures are read on the calendar).",
          "Work Programme referrals from June 2011 [S10]", "int", 1990, 2100),
    Param("start_month", "run", 6, "month",
          "Month (1-12) whose first day is week 0.", "June 2011 [S10]", "int", 1, 12),
    Param("seed", "run", 1, "-", "Seed of every random stream (common random numbers).",
          "-", "int", 0, 2**63 - 1),
    Param("check_accounts", "run", True, "-",
          "Check money and claimant conservation at the end of every week.", "-", "bool"),
    # --- commissioning -------------------------------------------------------
    Param("regime", "commissioning", "two_tier", "-",
          "Commissioning structure: a vertical prime/subcontractor chain or "
          "devolved local partnerships.", "DOMAIN 1.1-1.2", "choice", choices=REGIMES),
    Param("programme_weeks", "commissioning", 104, "weeks",
          "Weeks a claimant spends on the programme (pre-employment support); jobs started on "
          "it may go on earning payments after.",
          "Work Programme 104 [S10, S7]; FSS 12-18 months, Working Well two years [S34, S35]",
          "int", 1, 520),
    # --- area ----------------------------------------------------------------
    Param("claimants", "area", 10_000, "claimants",
          "Claimants referred over the referral period (a scaled-down contract area).",
          "~108,000 per CPA: 1.95m referrals [S10] / 18 CPAs", "int", 1, 5_000_000),
    Param("localities", "area", 4, "count",
          "Localities in the area, each with its own labour market.", A, "int", 1, 60),
    Param("referral_weeks", "area", 304, "weeks",
          "Weeks over which referrals arrive.", "June 2011 to March 2017, 70 months [S10]",
          "int", 1, 1000),
    Param("referral_path", "area", [
        ["2011-06", 62.7], ["2012-07", 62.7], ["2012-12", 38.0], ["2013-12", 26.0],
        ["2014-06", 14.0], ["2015-12", 11.5], ["2016-06", 10.0], ["2017-03", 9.0]],
          "thousand referrals a month (relative)",
          "The referral flow over the calendar (only its shape matters: the area's claimants "
          "are spread along it).",
          "derived: 877,880 June 2011-July 2012 [S12]; 1.31m to June 2013 [S9]; 32% fall from "
          "end-2012 to December 2013 [S53]; 1.81m to December 2015, 1.87m to June 2016 "
          "[S11]; ~1.95-2.0m in all [S10] (the path gives 0.88m, 1.32m, 1.82m, 1.88m, 1.97m)",
          "path", 0.0, 1e6),
    # --- referral ------------------------------------------------------------
    Param("attachment_rate", "referral", per_group(*[0.95] * 9), "share",
          "Share of referrals that start (attach), by payment group: the Work Programme's "
          "rate where referral is mandatory; a voluntary programme's take-up where it is not.",
          "[S12]; DWP assumed 0.90", "per_group", 0.0, 1.0),
    Param("take_up_barrier_gradient", "referral", per_group(*[0.0] * 9), "per barrier",
          "Selection into voluntary programmes: each barrier above the group's mean lowers the "
          "chance of starting by this share of the group's rate, each one below raises it "
          "(0 = no selection, as under mandatory referral).",
          "FSS Core share 41% vs 1/7 planned [S35]; " + A, "per_group", 0.0, 1.0),
    Param("prior_search_weeks", "referral", 0, "weeks",
          "Weeks each referral has already searched without a job start on an earlier "
          "programme (0: new referrals). The referred are those that search did not place, "
          "so they are selected towards lower job readiness.",
          "Working Well took ESA claimants who finished two years on the Work Programme "
          "without work [S33]", "int", 0, 520),
    # --- labour market -----------------------------------------------------
    Param("vacancy_ratio_path", "labour_market", [
        ["2011-06", 0.18], ["2011-12", 0.17], ["2012-10", 0.19], ["2013-10", 0.22],
        ["2016-06", 0.44], ["2018-06", 0.60], ["2019-12", 0.60], ["2020-06", 0.22],
        ["2021-06", 0.55], ["2022-06", 1.00], ["2023-12", 0.70]],
          "vacancies per unemployed",
          "Vacancies per unemployed person over the calendar (UK).",
          "derived: 5.2 unemployed per vacancy late 2012, 4.5 late 2013 [S31]; 8.4% "
          "unemployment Oct-Dec 2011 [S31]; 2-2.5 by 2016 from memory [S31]; 2011 and "
          "2018-2023 (the 2020 shock) from memory, unverified (ONS vacancy survey and "
          "Labour Force Survey)", "path", 0.0, 5.0),
    Param("vacancy_ratio_level", "labour_market", 1.0, "multiplier",
          "Level of the vacancy path (1 = as given; a region with a weaker or stronger "
          "labour market, or a sweep).", "scenario lever", "float", 0.0, 10.0),
    Param("reference_vacancy_ratio", "labour_market", 0.25, "vacancies per unemployed",
          "Vacancy ratio at which the base hazards apply.", A, "float", 0.01, 5.0),
    Param("hazard_elasticity", "labour_market", 0.5, "elasticity",
          "Elasticity of the job-finding hazard to the vacancy ratio.", A, "float", 0.0, 3.0),
    Param("locality_spread", "labour_market", 0.25, "sd of log",
          "Spread of vacancy ratios across localities (spatial inequality).",
          "[S22, S32]; " + A, "float", 0.0, 2.0),
    Param("recession_depth", "labour_market", 0.0, "share",
          "Fall in vacancies at the trough of a recession (0 = none, 1 = no vacancies).",
          "scenario lever", "float", 0.0, 1.0),
    Param("recession_start_week", "labour_market", 26, "week",
          "Week the recession begins.", "scenario lever", "int", 0, 2000),
    Param("recession_weeks", "labour_market", 104, "weeks",
          "Length of the recession, fall and recovery (vacancies dip as a sine).",
          "scenario lever", "int", 1, 2000),
    # --- claimants -----------------------------------------------------------
    Param("referral_share", "claimants", per_group(
        0.17, 0.40, 0.17, 0.01, 0.0484, 0.1452, 0.0264, 0.005, 0.025), "share",
          "Referral mix by payment group (sums to 1). The ESA groups' total follows "
          "esa_share_path over time; within the ESA groups, and within the others, the "
          "shares keep these proportions.",
          "ESA groups: new ESA 66%, volunteers 22%, ex-IB 12% of ESA referrals to July 2012 "
          "[S12, S45]; the others set by hand to C10 (docs/calibration.md: JSA 25+ 0.42 and "
          "early access 0.15 until the whole-programme fit)",
          "per_group", 0.0, 1.0),
    Param("esa_share_path", "claimants", [
        ["2011-06", 0.055], ["2011-11", 0.055], ["2012-08", 0.17], ["2012-10", 0.18],
        ["2012-11", 0.26], ["2013-06", 0.31], ["2017-03", 0.31]], "share",
          "The ESA groups' share of referrals over the calendar.",
          "5.5% June-October 2011 [S27]; 9% of referrals to July 2012 [S12] (the path gives "
          "9.1%); a step when mandatory referral of new ESA claimants widened to a 3-12 month "
          "prognosis in autumn 2012 [S17] (its size an assumption); nearly one in three of "
          "the monthly intake by 2013 [S29] (30% over 2013); held after: assumption",
          "path", 0.0, 1.0),
    Param("stock_readiness", "claimants", 1.0, "multiplier",
          "Job-finding hazard of the very first referrals relative to later ones (the stock of "
          "the longest unemployed), rising to 1 over stock_referral_weeks.",
          "early cohorts did worse: 8.5% → 13.0% (C8) [S9]; " + A, "float", 0.05, 2.0),
    Param("stock_referral_weeks", "claimants", 52, "weeks",
          "Weeks over which referrals move from the stock to the flow of claimants.",
          A, "int", 1, 1000),
    Param("base_hazard", "claimants", per_group(
        0.013, 0.012, 0.0095, 0.007, 0.007, 0.0065, 0.0023, 0.006, 0.008), "per week",
          "Weekly job-finding hazard with no barriers, no support, at the reference "
          "vacancy ratio.", "derived from DOMAIN 4 anchors (0.77%/0.63%/0.22%/0.07% a "
          "week with barriers and support); " + A, "per_group", 0.0, 1.0),
    Param("mean_barriers", "claimants", per_group(1.5, 2.0, 2.5, 2.5, 3.0, 3.0, 3.0, 3.0, 2.5),
          "barriers", "Mean number of barriers to work per claimant.",
          "DOMAIN 7 (1.5 / 2.0 JSA, 3.0 ESA); " + A, "per_group", 0.0, float(len(BARRIERS))),
    Param("health_barrier_share", "claimants", per_group(
        0.25, 0.25, 0.35, 0.6, 1.0, 1.0, 1.0, 1.0, 0.3), "share",
          "Share of claimants with a health barrier.",
          "DOMAIN 7 (JSA 0.25, ESA 1.0) [S29, S53]; " + A, "per_group", 0.0, 1.0),
    Param("heterogeneity_sd", "claimants", 0.6, "sd of log hazard",
          "Within-group variation in job readiness not explained by barriers.",
          "[S21]; " + A, "float", 0.0, 3.0),
    Param("barrier_penalty", "claimants", 0.7, "multiplier",
          "Hazard multiplier per barrier.", A, "float", 0.01, 1.0),
    Param("barrier_correlation", "claimants", 0.3, "correlation",
          "Correlation of barriers within a claimant (they cluster).", A, "float", 0.0, 0.99),
    Param("long_prognosis_share", "claimants", 0.3, "share",
          "Share of new ESA claimants expected fit for work in 12-18 months rather than "
          "under 12 (carried as an attribute).", "[S11, S17]; " + A, "float", 0.0, 1.0),
    Param("long_prognosis_effect", "claimants", 0.6, "multiplier",
          "Hazard multiplier for a 12-18 month prognosis.", A, "float", 0.0, 1.0),
    Param("job_loss_hazard_early", "claimants", 0.03, "per week",
          "Weekly chance that a job ends in its first week; it falls with the weeks in the "
          "job towards the late rate.",
          "DOMAIN 7: 0.016 averaged over the first 26 weeks, derived from C11; the first "
          "weeks' risk is higher: " + A, "float", 0.0, 1.0),
    Param("job_loss_hazard_late", "claimants", 0.008, "per week",
          "Weekly chance that a long-held job ends.", "DOMAIN 7: 0.008 after 26 weeks; " + A,
          "float", 0.0, 1.0),
    Param("job_loss_tenure_weeks", "claimants", 13.0, "weeks",
          "How fast the job-loss hazard falls with tenure: the gap between the early and "
          "late rates shrinks by a factor e every this many weeks.", A, "float", 0.1, 520.0),
    Param("job_loss_multiplier", "claimants", per_group(*[1.0] * 9), "multiplier",
          "Job-loss hazard by payment group relative to the rates above.",
          "no published retention by group; " + A, "per_group", 0.0, 10.0),
    # --- support (delivery technology, shared by every provider) ------------
    Param("minimal_support_cost", "support", 1.0, "£ per claimant-week",
          "Cost of keeping a parked claimant on the caseload (contact only), on top of the "
          "caseload place.", A, "float", 0.0, 1000.0),
    Param("light_support_cost", "support", 4.0, "£ per claimant-week",
          "Cost of light-touch support on top of the caseload place (with it, ~£9 a week).",
          "DOMAIN 7: £8 (4-15) in all; " + A + " to C13, C25", "float", 0.0, 1000.0),
    Param("intensive_support_cost", "support", 18.0, "£ per claimant-week",
          "Cost of intensive support on top of the caseload place (with it, ~£23 a week).",
          "DOMAIN 7: £25 (15-50) in all; " + A, "float", 0.0, 1000.0),
    Param("light_support_effect", "support", 1.4, "multiplier",
          "Hazard multiplier of light support (1 = no effect).", A, "float", 1.0, 5.0),
    Param("intensive_support_effect", "support", 1.8, "multiplier",
          "Hazard multiplier of intensive support (full support vs none).",
          "DOMAIN 7 (1.0-2.0; EZ/ND evidence [S38]); " + A, "float", 1.0, 5.0),
    Param("fee_effort_loss", "support", 0.0, "share",
          "Share of the support effect lost when a provider is paid entirely by service "
          "fees (scaled by the fee share), beyond what lower outcome prices already do to "
          "its choices (0: effort responds to prices only).",
          "[S38] EZ vs New Deal; " + A + " (sensitivity lever)", "float", 0.0, 1.0),
    Param("assessment_accuracy", "support", 0.5, "share",
          "How much of a claimant's unobserved job readiness providers see when they "
          "judge prospects (0 = barriers and group only, 1 = everything).", A,
          "float", 0.0, 1.0),
    Param("provider_optimism", "support", 1.4, "multiplier",
          "Providers' estimate of claimants' weekly chance of work relative to the truth "
          "(bids expected 38-42% job outcomes where 27% came).", "[S1, S5, S23]; " + A,
          "float", 0.1, 5.0),
    Param("specialist_episode_cost", "support", 600.0, "£ per episode",
          "Cost to a specialist of one episode of support for one barrier.",
          "DOMAIN 7; SHP £400-600 did not cover it [S28]", "float", 0.0, 100_000.0),
    Param("specialist_episode_weeks", "support", 8, "weeks",
          "Length of a specialist episode.", A, "int", 1, 104),
    Param("specialist_barrier_reduction", "support", 0.5, "share",
          "Share of a barrier's penalty removed by a matched specialist episode.",
          "DOMAIN 7; " + A, "float", 0.0, 1.0),
    Param("referral_transaction_cost", "support", 30.0, "£ per referral",
          "Cost to the referrer of arranging one specialist referral (coordination).",
          "[S40] tendering and contract management; " + A, "float", 0.0, 10_000.0),
    Param("assessment_cost", "support", 100.0, "£ per claimant",
          "Cost of assessing a claimant's barriers, paid by a contract holder that refers "
          "by assessed need.", "key-worker assessment [S34]; " + A, "float", 0.0, 1e5),
    Param("key_worker_cost", "support", 1.0, "£ per claimant-week",
          "Cost of a key worker who sequences a searching claimant's support across "
          "health, skills, housing and debt.", "[S34]; " + A, "float", 0.0, 1000.0),
    Param("key_worker_effect", "support", 1.0, "multiplier",
          "Job-finding hazard multiplier of a key worker (1 = no effect: no published "
          "impact).", "Working Well pilot: no early job-start effect [S33]; " + A,
          "float", 0.5, 3.0),
    Param("employer_engagement_cost", "support", 0.5, "£ per claimant-week",
          "Cost of employer engagement (job brokerage, local employer links) per searching "
          "claimant.", "[S23, S56]; " + A, "float", 0.0, 1000.0),
    Param("employer_engagement_effect", "support", 1.0, "multiplier",
          "Job-finding hazard multiplier of employer engagement (1 = no effect: no "
          "published impact).", "[S23, S56]; " + A, "float", 0.5, 3.0),
    Param("in_work_support_cost", "support", 2.0, "£ per claimant-week",
          "Cost of in-work support per claimant-week in work.", "[S34, S35]; " + A,
          "float", 0.0, 1000.0),
    Param("in_work_support_effect", "support", 1.0, "multiplier",
          "Job-loss hazard multiplier while in-work support lasts (1 = no effect; below 1 "
          "keeps jobs).", "no published impact; " + A, "float", 0.1, 2.0),
    Param("in_work_support_weeks", "support", 52, "weeks",
          "Weeks of in-work support after a job start.", "12 months in Working Well and "
          "FSS [S34, S35]; DOMAIN 7: 52 (26-52)", "int", 0, 520),
    # --- providers (organisations and their finances) ------------------------
    Param("primes", "providers", 3, "count",
          "Large providers able to hold a prime contract in the area.", "2-3 per CPA [S6]",
          "int", 1, 20),
    Param("end_to_end_per_locality", "providers", 3, "count",
          "End-to-end (case-holding) providers in each locality.",
          "derived: ~20 subcontractors per contract [S27]", "int", 1, 50),
    Param("specialists_per_locality", "providers", 8, "count",
          "Specialist providers in each locality, one barrier each (cycling over barriers).",
          "derived: ~20 subcontractors per contract [S27]", "int", 0, 200),
    Param("third_sector_share_end_to_end", "providers", 0.3, "share",
          "Share of end-to-end providers that are third-sector organisations.",
          "calibrated with the next to C17 (47%) [S27]", "float", 0.0, 1.0),
    Param("third_sector_share_specialists", "providers", 0.53, "share",
          "Share of specialist providers that are third-sector organisations.",
          "calibrated with the previous to C17 (47%) [S27]", "float", 0.0, 1.0),
    Param("prime_delivery_share", "providers", 0.4, "share",
          "Share of case-holding capacity in the large providers (in-house delivery by "
          "primes; lead delivery partners under locality).", "[S7, S19]; " + A,
          "float", 0.0, 1.0),
    Param("capacity_headroom", "providers", 1.1, "ratio",
          "Case-holding capacity relative to the expected peak caseload.", A,
          "float", 0.1, 10.0),
    Param("caseload_fixed_cost", "providers", 4.5, "£ per place-week",
          "Fixed cost of one caseload place (premises, core staff), staffed along the planned "
          "caseload and paid whether or not the claimants arrive.", A, "float", 0.0, 1000.0),
    Param("planned_volume_ratio", "providers", 1.0, "ratio",
          "Caseload providers plan and staff for, relative to the referrals that arrive.",
          "ESA referrals 34% of forecast; all referrals 9% above tender [S12]", "float",
          0.0, 10.0),
    Param("specialist_capacity_share", "providers", 0.03, "places per claimant",
          "Specialist places per barrier type in a locality, as a share of the "
          "locality's expected caseload (local capacity limit).", "[S35]; " + A,
          "float", 0.0, 10.0),
    Param("specialist_fixed_share", "providers", 0.4, "share",
          "Share of a specialist episode's cost that is fixed: paid for every staffed place, "
          "used or not.", A, "float", 0.0, 1.0),
    Param("staffing_adjustment_weeks", "providers", 13, "weeks",
          "Time a specialist takes to staff its places up or down to the demand it sees.", A,
          "int", 1, 520),
    Param("prime_reserves_weeks", "providers", 52.0, "weeks of operating cost",
          "Cash reserves of large providers.", "£20m turnover entry rule [S7]; " + A,
          "float", 0.0, math.inf),
    Param("subcontractor_reserves_weeks", "providers", 12.0, "weeks of operating cost",
          "Cash reserves of private and public subcontractors.", "49% drew on reserves [S14]; "
          + A, "float", 0.0, math.inf),
    Param("third_sector_reserves_weeks", "providers", 12.0, "weeks of operating cost",
          "Cash reserves of third-sector organisations.", "[S14]; " + A, "float", 0.0, math.inf),
    Param("partnership_reserves_weeks", "providers", 12.0, "weeks of operating cost",
          "Cash reserves of a local partnership.", A, "float", 0.0, math.inf),
    Param("overdraft_weeks", "providers", 4.0, "weeks of operating cost",
          "Overdraft limit; a provider whose cash falls below minus this exits.", A,
          "float", 0.0, math.inf),
    Param("overdraft_interest_rate", "providers", 0.10, "per year",
          "Interest charged on a negative cash balance (financing cost of working capital).",
          "net receipts cut by 'financing' for small VCS subs [S40]; " + A,
          "float", 0.0, 5.0),
    Param("subcontractor_loss_tolerance", "providers", 0.1, "half-years of operating cost",
          "Loss on its contract over half a year (costs less income), as a share of its "
          "half-year operating cost, beyond which a private or public subcontractor leaves.",
          "C23 churn [S27]; " + A, "float", 0.0, 10.0),
    Param("third_sector_loss_tolerance", "providers", 0.5, "half-years of operating cost",
          "The same for a third-sector organisation, which subsidises delivery from its "
          "reserves for its mission.", "48 of 98 subsidised [S14]; C23 [S27]; " + A,
          "float", 0.0, 10.0),
    Param("cash_buffer_weeks", "providers", 4.0, "weeks of operating cost",
          "Cash below which a provider rations discretionary spending.", A,
          "float", 0.0, 1000.0),
    Param("third_sector_mission_value", "providers", 1000.0, "£ per job outcome",
          "Value a third-sector organisation puts on a job outcome beyond what it is paid "
          "(why charities subsidise delivery from reserves).", "48 of 98 subsidised [S14]; "
          + A, "float", 0.0, 1e6),
    # --- payments (commissioner to contract holder) --------------------------
    Param("attachment_fee", "payments", per_group(400, 400, 400, 400, 400, 600, 600, 400, 400),
          "£ per attachment", "Attachment fee in contract year 1.",
          "[S7] Table 3; PG6-9 from memory; £600 ESA [S28]", "per_group", 0.0, 1e6),
    Param("attachment_fee_taper", "payments", [1.0, 0.75, 0.5, 0.0], "multiplier by year",
          "Attachment fee multiplier in contract years 1, 2, 3, ... (the last applies after).",
          "£400 → £300 → £200 → £0 [S25]", "list", 0.0, 10.0),
    Param("job_outcome_fee", "payments", per_group(
        1200, 1200, 1200, 1200, 1000, 1200, 3500, 1000, 1200), "£ per job outcome",
          "Job outcome fee, paid when the claimant reaches the threshold weeks in work.",
          "[S7] Table 3; PG6-9 from memory", "per_group", 0.0, 1e6),
    Param("job_outcome_weeks", "payments", per_group(26, 26, 13, 13, 13, 13, 13, 13, 13),
          "weeks in work", "Continuous weeks in work that earn the job outcome fee.",
          "[S11, S10]", "per_group", 1, 520, integer_values=True),
    Param("sustainment_fee", "payments", per_group(
        170, 215, 250, 250, 115, 235, 370, 115, 250), "£ per period",
          "Sustainment payment for each further period in work.",
          "derived: total ÷ count (DOMAIN 2.3)", "per_group", 0.0, 1e6),
    Param("sustainment_count", "payments", per_group(13, 13, 20, 20, 20, 20, 26, 20, 20),
          "payments", "Maximum number of sustainment payments.",
          "from memory, unverified (DOMAIN 2.3)", "per_group", 0, 520, integer_values=True),
    Param("sustainment_period_weeks", "payments", 4, "weeks",
          "Continuous weeks in work per sustainment payment.", "[S26]", "int", 1, 52),
    Param("bid_discount", "payments", 0.06, "share",
          "Discount on the maximum prices offered in bids.", "NAO 2012 [S1]", "float", 0.0, 0.9),
    Param("claim_lag_weeks", "payments", 3, "weeks",
          "Weeks between earning a payment and being paid (15 working days, validation).",
          "[S26]", "int", 0, 52),
    Param("service_fee_share", "payments", 0.0, "share",
          "Share of the expected contract value paid as a delivery (service) fee per "
          "participant-month on programme instead of on attachment and outcomes.",
          "WHP 30% [S36]; JETS 85% [S36]; WP 0", "float", 0.0, 1.0),
    Param("service_fee_weeks", "payments", 52, "weeks",
          "Weeks on programme over which the service fee is paid.", "WHP monthly [S36]; " + A,
          "int", 4, 520),
    Param("expected_job_outcome_rate", "payments", 0.36, "share",
          "Job outcome rate the commissioner prices on (to size service fees and budgets).",
          "DWP expectation 36% [S1]", "float", 0.01, 1.0),
    Param("expected_sustainment_share", "payments", 0.5, "share",
          "Share of the maximum sustainment payments the commissioner expects per job outcome.",
          A, "float", 0.0, 1.0),
    Param("outcome_schedule", "payments", "sustainment", "-",
          "How outcomes are paid: a job outcome fee after the group's continuous weeks in "
          "work, then a sustainment payment each further period (the Work Programme); or "
          "staged payments at set weeks in work, added up since the job start (breaks "
          "allowed), each due only within its window (Fair Start Scotland).",
          "[S26] (WP); FSS 13, 26 and 52 weeks [S35]", "choice", choices=OUTCOME_SCHEDULES),
    Param("staged_outcome_weeks", "payments", [13, 26, 52], "weeks in work",
          "Staged schedule: weeks in work at which each payment falls due.", "FSS [S35]",
          "list", 1, 520, integer_values=True),
    Param("staged_outcome_windows", "payments", [16, 30, 60], "weeks from the job start",
          "Staged schedule: each payment is due only if its weeks in work are reached within "
          "this many weeks of the job start (0: no window).",
          "FSS: 13 within 16, 26 within 30, 52 within 60 [S35]", "list", 0, 1040,
          integer_values=True),
    Param("staged_outcome_shares", "payments", [0.34, 0.33, 0.33], "share",
          "Staged schedule: share of the job outcome fee paid at each stage.",
          "FSS split not published in DOMAIN: " + A, "list", 0.0, 1.0),
    Param("outcome_within_programme", "payments", True, "-",
          "A job outcome counts only if reached while on the programme (the Work Programme's "
          "rule); if false, any outcome of a job started on the programme counts.",
          "WP outcomes within the 104 weeks [S10]; FSS and Working Well pay for a year in "
          "work after [S34, S35]", "bool"),
    Param("need_price_multiplier", "payments", [1.0, 1.0, 1.0], "multiplier",
          "Outcome prices for claimants with 0-1, 2 and 3+ barriers (need groups: Core, "
          "Advanced, Intense) relative to their payment group's price.",
          "WP: prices by benefit group only [S7]; FSS differentiates by need group [S35]",
          "list", 0.0, 20.0),
    Param("budget_per_participant", "payments", 0.0, "£ per participant",
          "The commissioner's expected spending per participant (0: prices as listed). If "
          "set, every price is scaled so that a participant's expected contract value is "
          "this on average.", "devolved programmes ~£2,000-2,700: GM [S34], London [S36], "
          "FSS £96m/38k [S35]", "float", 0.0, 1e6),
    # --- the commissioner's rules for competing contract holders ---------------
    Param("market_share_shift", "commissioning", 0.05, "share of referrals per year",
          "Referral share moved each year, per payment group, from the worst to the best "
          "performing contract holder where several compete for the same claimants.",
          "from memory, unverified [S50]", "float", 0.0, 1.0),
    Param("market_share_shift_start_year", "commissioning", 3, "contract year",
          "First contract year in which market share shifts.", "[S50]", "int", 1, 50),
    # --- contract terms: what a contract holder agrees with those it pays ------
    # Both regimes read the same parameters; a scenario file sets the terms of its own
    # contract holders (two_tier.toml the primes', locality.toml the partnerships').
    Param("attachment_pass_through", "contract", 0.85, "share",
          "Share of attachment and service fees the contract holder passes to the "
          "organisation holding the case.",
          "primes: [S28] £400-600 up front to a tier-1 sub; " + A, "float", 0.0, 1.0),
    Param("outcome_pass_through", "contract", 0.85, "share",
          "Share of outcome and sustainment payments the contract holder passes to the "
          "organisation holding the case (the rest is its management fee).",
          "DOMAIN 7: 15% management fee (5-30%) [S3, S40]; " + A + " to C24",
          "float", 0.0, 1.0),
    Param("holder_payment_lag_weeks", "contract", 6, "weeks",
          "Weeks after the commissioner pays the contract holder before the holder pays "
          "the case holder or specialist.", "DOMAIN 7: prime → sub 6 weeks (2-12); " + A,
          "int", 0, 52),
    Param("holder_overhead_share", "contract", 0.05, "share of revenue",
          "The contract holder's own running cost (a prime's contract management, a "
          "partnership's integration board), as a share of what it is paid.",
          "DOMAIN 7: 5% (2-10%) for a prime, 5% (2-15%) for a partnership; " + A,
          "float", 0.0, 1.0),
    Param("specialist_pricing", "contract", "variable_cost", "-",
          "What the contract holder's chain pays a specialist per episode, up front: the "
          "least a specialist will take (the variable cost of an episode: the payer uses its "
          "market power), or the full cost (fee for service that pays for staffed places).",
          "primes set subcontract prices unilaterally (DOMAIN 3.4) [S28, S52]; "
          "partnerships' fee for service (DOMAIN 1.2)", "choice", choices=SPECIALIST_PRICING),
    Param("specialist_outcome_share", "contract", 0.1, "share",
          "Share of the job outcome fee passed to the specialist who treated the claimant.",
          "primes: SHP paid further only on work [S28]; " + A, "float", 0.0, 1.0),
    Param("specialist_list_share", "contract", 0.6, "share",
          "Chance that a specialist in the contract holder's area is on its list (can be "
          "referred to).",
          "~20 subcontractors per contract; many listed tier-2s had no real role [S27]; " + A,
          "float", 0.0, 1.0),
    Param("referral_rule", "contract", "expected_value", "-",
          "How specialist episodes are bought: by the case holder when the expected payment "
          "gain exceeds the price, or by the contract holder for every assessed barrier.",
          "DOMAIN 3.3 (primes), 1.2 and 3.6 (partnerships)", "choice",
          choices=REFERRAL_RULES),
    Param("in_house_selection", "contract", "expected_value", "-",
          "How a contract holder that delivers some cases itself picks them: those with the "
          "highest expected outcome payments, or at random.", "DOMAIN 3.4", "choice",
          choices=IN_HOUSE_SELECTION),
    Param("integration_services", "contract", "expected_value", "-",
          "How the contract holder decides to buy key workers, employer engagement and "
          "in-work support (section [support]): each when its expected gain in payments "
          "covers its cost, or for every claimant because the contract commissions them.",
          "DOMAIN 1.2, 3.6 (Working Well, FSS); black-box delivery for primes [S7]",
          "choice", choices=SERVICE_PURCHASE),
)

# The defaults above are the values first set by hand (each one's source says how).
# The free parameters then fitted to the Work Programme's published figures by
# `commissioning calibrate` take their fitted values (`fitted_values.toml`, data written by
# `commissioning adopt-fit` and read by `fitted_values.py`; docs/calibration.md): those
# are the defaults the model uses.
_FIT = "fitted (docs/calibration.md)"


def _fitted(p: Param) -> Param:
    if p.name not in FITTED_VALUES:
        return p
    value = FITTED_VALUES[p.name]
    first = p.default if not isinstance(p.default, dict) else " / ".join(
        f"{v:g}" for v in p.default.values())
    source = p.source.replace(A, "").rstrip("; ")
    return replace(p, default=dict(value) if isinstance(value, dict) else value,
                   source=f"{source}; first set to {first}; {_FIT}" if source else
                   f"first set to {first}; {_FIT}")


PARAMETERS = tuple(_fitted(p) for p in PARAMETERS)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in PARAMETERS))


def defaults() -> dict[str, Any]:
    """A fresh copy of every default (per-group and list values copied)."""
    out: dict[str, Any] = {}
    for p in PARAMETERS:
        d = p.default
        if isinstance(d, dict):
            d = dict(d)
        elif isinstance(d, list):  # a list, or a path of [month, value] points
            d = [list(x) if isinstance(x, list) else x for x in d]
        out[p.name] = d
    return out


assert len(BY_NAME) == len(PARAMETERS), "parameter names must be unique"
