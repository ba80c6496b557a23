"""The two-tier baseline's free parameters as fitted by `commissioning calibrate`.

Written by `commissioning adopt-fit` from two_tier_fitted.toml; do not edit by hand.
`parameters.py` makes these values the model's defaults (and so the values of
`scenarios/two_tier.toml`, which every other scenario inherits).
"""

FITTED_ON = '2026-12-02 20:20 UTC'
#: The fitted scenario's header: when, against what and how (goes into two_tier.toml).
FIT_HEADER = ('Two-tier baseline fitted by `commissioning calibrate` on 2026-12-02 20:20 UTC.\n'
 '\n'
 'Against: the calibration targets of DOMAIN.md section 6 (C1-C25, 30 lines; C1-C5 '
 "weighted five times; each target's cost capped), starting from "
 'results/calibration/stage1/two_tier_fitted.toml.\n'
 'Fitted here: claimants.base_hazard.jsa_18_24, claimants.base_hazard.jsa_25_plus, '
 'claimants.base_hazard.esa_new, claimants.base_hazard.esa_ex_ib; the rest held.\n'
 'Method: Latin hypercube of 24 candidates on 5 common seeds, ABC acceptance of the '
 'best 10%, Nelder-Mead refinement (60 steps); best loss 33.736.\n'
 'Fitted values:\n'
 '  claimants.base_hazard.jsa_18_24: 0.018372 (searched 0.006 to 0.03)\n'
 '  claimants.base_hazard.jsa_25_plus: 0.013963 (searched 0.005 to 0.025)\n'
 '  claimants.base_hazard.esa_new: 0.0056226 (searched 0.002 to 0.015)\n'
 '  claimants.base_hazard.esa_ex_ib: 0.0018327 (searched 0.0005 to 0.006)\n'
 '\n'
 'Check the fit with `commissioning check-fit` (docs/calibration.md).\n'
 '\n'
 'Its starting point was itself fitted:\n'
 'Two-tier baseline fitted by `commissioning calibrate` on 2026-12-02 20:07 UTC.\n'
 '\n'
 'Against: the calibration targets of DOMAIN.md section 6 (C1-C25, 30 lines; C1-C5 '
 "weighted five times; each target's cost capped), starting from two_tier.toml with "
 'two_tier.supply_chain_membership=0.3.\n'
 'Method: Latin hypercube of 192 candidates on 2 common seeds, ABC acceptance of the '
 'best 10%, Nelder-Mead refinement (300 steps); best loss 23.640.\n'
 'Fitted values:\n'
 '  claimants.base_hazard.jsa_18_24: 0.017784 (searched 0.006 to 0.03)\n'
 '  claimants.base_hazard.jsa_25_plus: 0.014904 (searched 0.005 to 0.025)\n'
 '  claimants.base_hazard.esa_new: 0.0061608 (searched 0.002 to 0.015)\n'
 '  claimants.base_hazard.esa_ex_ib: 0.0018908 (searched 0.0005 to 0.006)\n'
 '  claimants.esa_share_trend: 7.3865 (searched 1 to 16)\n'
 '  claimants.stock_readiness: 0.48362 (searched 0.3 to 1)\n'
 '  claimants.job_loss_hazard_early: 0.018689 (searched 0.01 to 0.022)\n'
 '  claimants.job_loss_hazard_late: 0.008039 (searched 0.004 to 0.015)\n'
 '  labour_market.hazard_elasticity: 0.40224 (searched 0.3 to 1)\n'
 '  two_tier.supply_chain_membership: 0.28237 (searched 0.2 to 1)\n'
 '  support.specialist_barrier_reduction: 0.67698 (searched 0.2 to 1)\n'
 '  providers.caseload_fixed_cost: 3.0053 (searched 2 to 10)\n'
 '  providers.third_sector_mission_value: 1744.4 (searched 0 to 5000)\n'
 '  providers.specialist_fixed_share: 0.61599 (searched 0.1 to 0.7)\n'
 '  two_tier.prime_specialist_fee: 144.43 (searched 50 to 600)\n'
 '  two_tier.prime_outcome_pass_through: 0.5998 (searched 0.5 to 1)\n'
 '\n'
 'Check the fit with `commissioning check-fit` (docs/calibration.md).')
FITTED_VALUES = {   'base_hazard': {   'jsa_18_24': 0.018372267946879357,
                       'jsa_25_plus': 0.013962573041906208,
                       'jsa_early_access': 0.01105529755920793,
                       'jsa_ex_ib': 0.008145153054651726,
                       'esa_volunteers': 0.006054984491577021,
                       'esa_new': 0.005622551040219121,
                       'esa_ex_ib': 0.0018326530633703088,
                       'ib_is_volunteers': 0.005190117588861223,
                       'jsa_prison_leavers': 0.009308063247731037},
    'esa_share_trend': 7.386498228549227,
    'stock_readiness': 0.48361609574853576,
    'job_loss_hazard_early': 0.018689374153980372,
    'job_loss_hazard_late': 0.008038983393658595,
    'hazard_elasticity': 0.4022391921887365,
    'specialist_list_share': 0.28236522839105116,
    'specialist_barrier_reduction': 0.6769830114753157,
    'caseload_fixed_cost': 3.005262627555678,
    'third_sector_mission_value': 1744.4248788324628,
    'specialist_fixed_share': 0.6159945240742578}
