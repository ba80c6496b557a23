"""Shared helpers: small, fast model runs."""

from __future__ import annotations

from collections.abc import Iterator

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
    return run(scenario="locality", seed=11)


# --- the browser app (tests/test_app_*.py): one server and one Chromium per module ----


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """The app started as a user would (`commissioning app`), for one test module."""
    from .app_server import running_app

    log = tmp_path_factory.mktemp("app") / "app.log"
    with running_app(log) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from .app_server import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
