"""The two-tier baseline's free parameters as fitted by `commissioning calibrate`.

Written by `commissioning adopt-fit` from a fitted scenario file; do not edit by hand.
`parameters.py` makes these values the model's defaults (and so the values of
`scenarios/two_tier.toml`, which every other scenario inherits).

Fitted by: an earlier calibration run (values carried over; see docs/calibration.md).
"""

FITTED_ON = "2026-11-25"
FIT_HEADER = ""
FITTED_VALUES = {
    "hazard_elasticity": 0.3972,
    "esa_share_trend": 8.0,
    "stock_readiness": 0.4792,
    "base_hazard": {
        "jsa_18_24": 0.01763, "jsa_25_plus": 0.0146, "jsa_early_access": 0.01156,
        "jsa_ex_ib": 0.008517, "esa_volunteers": 0.006609, "esa_new": 0.006137,
        "esa_ex_ib": 0.001658, "ib_is_volunteers": 0.005665, "jsa_prison_leavers": 0.009733,
    },
    "job_loss_hazard_early": 0.0188,
    "specialist_barrier_reduction": 0.6753,
    "caseload_fixed_cost": 2.917,
    "specialist_fixed_share": 0.6134,
    "third_sector_mission_value": 1702.0,
    "prime_outcome_pass_through": 0.5968,
    "prime_specialist_fee": 139.8,
    "supply_chain_membership": 0.6636,
}
