"""The browser app's parts without a browser: settings, uploads, lessons, runs, pictures.

These are quick checks of the translations a browser test cannot see
directly: that a slider left alone changes nothing, that a fee slider keeps
each payment group's price in proportion, that an uploaded file is refused
with the command line's message naming the file, that every guided
experiment loads exactly its settings, and that a run which fails says so
instead of raising.
"""

from __future__ import annotations

import re
import socket

import matplotlib
import pytest

from commissioning.model import CommissioningModel, ScenarioError, load_scenario
from commissioning.model.cli import main
from commissioning.viz.lesson_material import experiments, info_text, parse_experiment
from commissioning.viz.runs import Runs
from commissioning.viz.scenario_files import load_upload, shipped_files
from commissioning.viz.settings import KNOBS, Settings
from commissioning.viz.state import settings_for
from commissioning.viz.views import charts_view, follow_sentence, network_view


def settings(name: str = "two_tier", **changes) -> Settings:
    base = Settings.from_scenario(load_scenario(name), f"{name}.toml")
    return base.changed(**changes) if changes else base


@pytest.mark.parametrize("name", ["two_tier", "locality", "two_tier_recession"])
def test_settings_left_alone_reproduce_the_scenario(name):
    s = settings(name)
    model = CommissioningModel(**s.model_kwargs())
    reference = CommissioningModel(scenario=name, claimants=s.claimants)
    assert model.p == reference.p
    assert s.claimants == 2000  # the classroom's scale, whatever the file says


def test_fee_sliders_keep_the_groups_in_proportion():
    p = CommissioningModel(**settings(attachment_fee=200, job_outcome_fee=2400)
                           .model_kwargs()).p
    base = load_scenario("two_tier").params
    for group, fee in base["attachment_fee"].items():
        assert p["attachment_fee"][group] == pytest.approx(fee / 2)
    for group, fee in base["job_outcome_fee"].items():
        assert p["job_outcome_fee"][group] == pytest.approx(fee * 2)


def test_management_fee_and_specialist_rule_belong_to_the_regimes_contract_holder():
    two_tier = CommissioningModel(**settings(management_fee=40).model_kwargs()).p
    assert two_tier["prime_outcome_pass_through"] == pytest.approx(0.6)
    local = settings("locality", management_fee=10,
                     referral_rule="when the case holder expects it to pay")
    p = CommissioningModel(**local.model_kwargs()).p
    assert p["partnership_outcome_pass_through"] == pytest.approx(0.9)
    assert p["partnership_referral_rule"] == "expected_value"
    assert p["prime_outcome_pass_through"] == load_scenario("locality").params[
        "prime_outcome_pass_through"]


def test_a_setting_out_of_range_is_refused_with_its_name():
    with pytest.raises(ScenarioError, match="claimants: expected a number from 200 to 20000"):
        settings(claimants=10)
    with pytest.raises(ScenarioError, match="referral_rule"):
        settings(referral_rule="by lottery")
    assert {k.name for k in KNOBS} >= {"attachment_fee", "job_outcome_fee", "management_fee",
                                       "service_fee_share", "recession_depth", "claimants",
                                       "seed"}


def test_an_uploaded_file_is_checked_like_the_command_line_checks_it():
    with pytest.raises(ScenarioError) as bad:
        load_upload("typo.toml", b'[scenario]\ninherits = "two_tier.toml"\n[payments]\n'
                                 b"atachment_fee = 3\n")
    assert str(bad.value).startswith("typo.toml: payments.atachment_fee: expected a "
                                     "parameter of [payments]")
    assert "commissioning-upload" not in str(bad.value)  # not the temporary copy's path
    with pytest.raises(ScenarioError, match=re.escape("notes.txt: expected a scenario file")):
        load_upload("notes.txt", b"")
    with pytest.raises(ScenarioError, match=re.escape("broken.toml: expected valid TOML")):
        load_upload("broken.toml", b"[area\n")
    label, scenario = load_upload("mine.toml", b'[scenario]\nname = "Mine"\n'
                                               b'inherits = "locality.toml"\n')
    assert label == "mine.toml (uploaded)"
    assert scenario.params["regime"] == "locality"


def test_every_experiment_loads_its_settings_and_has_a_question():
    found = experiments()
    assert 4 <= len(found) <= 6
    assert [e.number for e in found] == list(range(1, len(found) + 1))
    for e in found:
        runs = e.build(settings_for)
        assert len(runs) == (1 if e.page == "explore" else 2)
        assert e.question.endswith("?") and e.text
        for s in runs:
            for name, value in e.settings.items():
                assert getattr(s, name) == value
            CommissioningModel(**s.model_kwargs())  # valid model parameters
        if e.page == "compare":
            assert runs[0].seed == runs[1].seed and runs[0].claimants == runs[1].claimants
    assert sum(e.minutes for e in found) <= 60
    for heading in ("What is it?", "How it works", "How to use it", "Things to notice",
                    "Things to try", "Extending the model"):
        assert f"## {heading}" in info_text()


def test_a_malformed_experiment_file_is_refused():
    with pytest.raises(ScenarioError, match=re.escape("experiment_9_x.md: page: expected")):
        parse_experiment("experiment_9_x.md", '+++\ntitle = "x"\npage = "garden"\n'
                         'scenarios = ["two_tier.toml"]\nminutes = 5\nquestion = "?"\n+++\nx')
    with pytest.raises(ScenarioError, match=re.escape("settings.colour")):
        parse_experiment("experiment_9_x.md", '+++\ntitle = "x"\npage = "explore"\n'
                         'scenarios = ["two_tier.toml"]\nminutes = 5\nquestion = "?"\n'
                         '[settings]\ncolour = 3\n+++\nx')


def test_a_run_that_cannot_start_says_why_instead_of_raising():
    broken = settings()
    object.__setattr__(broken, "claimants", -1)  # past the sliders' checks
    runs = Runs([broken])
    assert not runs.running and runs.models == []
    assert runs.error.startswith("Could not start the run: ")
    assert "area.claimants" in runs.error
    assert runs.step() == 0


def test_runs_step_together_and_tables_name_them():
    runs = Runs([settings(claimants=300), settings("locality", claimants=300)])
    assert runs.step(3) == 3
    assert [m.week for m in runs.models] == [3, 3]
    table = runs.weekly_table()
    assert list(table.columns[:3]) == ["scenario", "seed", "claimants"]
    assert table.groupby("scenario").size().to_dict() == {"two_tier": 4, "locality": 4}


def test_pictures_are_drawn_without_pyplot_and_follow_the_weeks():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    runs = Runs([settings(claimants=300)])
    network, charts = network_view(runs), charts_view(runs)
    first = network.png(), charts.png()
    runs.step(20)
    later = network.png(), charts.png()
    assert all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in (*first, *later))
    assert first != later
    assert network_view(runs) is network  # built once per run
    assert charts.full_png()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == before  # nothing kept by pyplot
    assert matplotlib.get_backend()  # (drawn on Agg canvases of their own)


def test_a_followed_claimant_is_told_in_words():
    runs = Runs([settings(claimants=300)])
    runs.step(30)
    text = follow_sentence(runs.models[0], 0)
    assert text.startswith("Claimant 0: ") and "barrier" in text and "locality" in text


def test_shipped_scenarios_are_offered():
    assert {"two_tier.toml", "locality.toml"} <= set(shipped_files())


def test_the_app_command_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"127.0.0.1:{port} is in use" in capsys.readouterr().err
    assert main(["app", "--port", "70000"]) == 2
