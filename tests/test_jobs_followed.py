"""Jobs are followed after the programme (ODD: following jobs for the sustained-start metrics).

A claimant still in work when their weeks on programme end is followed while a payment
can still come, and every job started on programme at least until it has lasted 52 weeks
or ended: otherwise `job_starts_sustained_52_weeks` would count as lost the jobs the
model merely stopped watching.
"""

from __future__ import annotations

import numpy as np

from commissioning.agents.claimant import LEFT

from .conftest import run

NO_JOB_LOSS = {"job_loss_hazard_early": 0.0, "job_loss_hazard_late": 0.0}


def test_a_job_with_nothing_more_to_earn_is_still_followed_until_it_has_lasted_a_year():
    """The Work and Health Programme pays once, at 26 weeks in work: many jobs have earned
    everything before the programme ends. None is lost, so every start seen for a year
    lasted the year, and nobody is let go in work before 52 weeks."""
    model = run(scenario="work_and_health_programme", seed=4, **NO_JOB_LOSS)
    c = model.claimants
    assert model.metrics()["job_starts_sustained_52_weeks"] == 1.0
    let_go = (c.status == LEFT) & (c.job_weeks > 0)  # left while in a job
    assert let_go.sum() > 20  # jobs were followed to the end of their year ...
    assert (c.job_weeks[let_go] >= 52).all(), np.unique(c.job_weeks[let_go])  # ... not less
