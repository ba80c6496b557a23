"""Shared helpers: small, fast model runs."""

from __future__ import annotations

import pytest

from commissioning.model import CommissioningModel

# Small enough to run in well under a second, large enough for every group.
SMALL = {"claimants": 1500, "weeks": 160, "referral_weeks": 56}


def run(**params) -> CommissioningModel:
    """Run a small model to the end with the given parameters."""
    model = CommissioningModel(**{**SMALL, **params})
    model.run_model()
    return model


@pytest.fixture(scope="session")
def two_tier_run() -> CommissioningModel:
    return run(seed=11)


@pytest.fixture(scope="session")
def locality_run() -> CommissioningModel:
    return run(seed=11, regime="locality", service_fee_share=0.3)
