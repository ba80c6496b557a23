"""What the classroom app accepts from a browser, without a browser (issue 19).

A scenario name from the browser is a name, never a path; an upload inherits
only a shipped scenario or an earlier upload of the same tab; its name and
size are checked before anything else; the values that size a model stay
within the app's limits. Every refusal is one plain sentence that shows no
file's content, no temporary path and the same words whether a file exists
or not. (The browser's own tampering is tried in test_security_browser.py.)
"""

from __future__ import annotations

import pytest

from commissioning.model import ScenarioError, load_scenario
from commissioning.viz.limits import APP_LIMITS, SET_BY_THE_APP
from commissioning.viz.scenario_files import (
    MAX_UPLOAD_BYTES,
    load_shipped,
    load_upload,
    shipped_files,
)
from commissioning.viz.settings import Settings
from commissioning.viz.state import MAX_UPLOADS, UPLOADS, keep_upload, scenario_by_label
from commissioning.viz.upload import upload_from_browser

SECRET = "hunter2-password"
AREA = ("claimants", "localities", "referral_weeks")
#: The upload of the issue: every organisation count at its maximum (15,081 organisations).
HUGE = b"""[scenario]
inherits = "locality"
[area]
localities = 60
[providers]
primes = 20
end_to_end_per_locality = 50
specialists_per_locality = 200
"""


@pytest.fixture
def secret_file(tmp_path):
    """A teacher's file a pupil must never read: a valid scenario, with a secret in it."""
    path = tmp_path / "answers.toml"
    path.write_text(f'[scenario]\nname = "{SECRET}"\ndescription = "{SECRET}"\n'
                    f'inherits = "two_tier.toml"\n')
    return path


def refusal(call, *args) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        call(*args)
    message = str(info.value)
    assert SECRET not in message and "\n" not in message and "Traceback" not in message
    return info.value


def not_shipped(secret_file) -> list[str]:
    return [str(secret_file), str(secret_file.parent / "missing.toml"), "/etc/passwd",
            "../../../../etc/shadow", "/dev/zero", "two_tier.toml/../../../etc/passwd",
            "./two_tier.toml", "TWO_TIER.TOML", ""]


def test_the_picker_opens_shipped_names_only(secret_file):
    expected = {refusal(load_shipped, name).expected for name in not_shipped(secret_file)}
    assert len(expected) == 1  # one answer whatever the name: nothing to learn about files
    assert all(load_shipped(name).params for name in shipped_files())


def test_a_label_is_a_shipped_name_or_this_tabs_upload(secret_file):
    for name in not_shipped(secret_file):
        refusal(scenario_by_label, name)
    refusal(scenario_by_label, "someone_elses.toml (uploaded)")
    refusal(scenario_by_label, None)
    assert scenario_by_label("locality.toml").params["regime"] == "locality"


REFUSED_PARENTS = ["/etc/passwd", "../../../../etc/shadow", "/root/.ssh/id_rsa", "/proc/kmsg",
                   "/dev/zero", "locality.toml/../two_tier.toml", "nobody_uploaded_me"]


def test_an_upload_inherits_only_shipped_scenarios_and_this_tabs_uploads(secret_file):
    parents = [*REFUSED_PARENTS, str(secret_file), str(secret_file.parent / "missing.toml")]
    refused = [refusal(load_upload, "child.toml", f"[scenario]\ninherits = '{p}'\n".encode())
               for p in parents]
    assert {(e.source, e.key, e.expected) for e in refused} == {
        ("child.toml", "scenario.inherits", refused[0].expected)}
    for parent in ("locality", "locality.toml", "two_tier_recession"):
        _, child = load_upload("child.toml", f"[scenario]\ninherits = '{parent}'\n".encode())
        assert child.params == load_scenario(parent).params
    label, mine = load_upload("mine.toml", b"[labour_market]\nrecession_depth = 0.4\n")
    earlier = {label: mine}
    for parent in ("mine", "mine.toml"):
        _, child = load_upload("child.toml", f"[scenario]\ninherits = '{parent}'\n".encode(),
                               earlier)
        assert child.params["recession_depth"] == 0.4


@pytest.mark.parametrize(("name", "expected"), [
    ("bad\x00name.toml", "without control characters"),
    ("a" * 300 + ".toml", "at most 100 characters"),
    ("tab\there.toml", "without control characters"),
    ("notes.txt", "ending in .toml"),
    ("", "a file with a name"),
    (None, "a file with a name"),
])
def test_an_odd_file_name_is_one_plain_message(name, expected):
    exc = refusal(load_upload, name, b"[area]\nclaimants = 100\n")
    assert expected in exc.expected
    assert "/tmp" not in str(exc) and "commissioning-upload" not in str(exc)
    assert len(str(exc)) < 200


def test_folders_in_an_uploaded_name_are_dropped():
    label, _ = load_upload("../../etc/cron.d/evil.toml", b"")
    assert label == "evil.toml (uploaded)"


def test_a_file_over_the_cap_is_refused_with_its_size():
    exc = refusal(load_upload, "big.toml", b"#" * 250_000)
    assert exc.expected == "a scenario file of at most 200 kB (this one is 250 kB)"
    # Too big for the button to send: only its name and size arrive.
    exc = refusal(upload_from_browser, {"name": "huge.toml", "size": 17_300_000}, None, {})
    assert exc.expected == "a scenario file of at most 200 kB (this one is 17.3 MB)"
    # A rewritten message claiming a small size still sends only what the server accepts.
    exc = refusal(upload_from_browser, {"name": "liar.toml", "size": 10},
                  [b"#" * (MAX_UPLOAD_BYTES + 1)], {})
    assert "at most 200 kB" in exc.expected


def test_an_upload_beyond_the_apps_limits_is_refused_naming_the_key():
    exc = refusal(load_upload, "huge.toml", HUGE)
    assert (exc.source, exc.key) == ("huge.toml", "area.localities")
    assert exc.expected == "at most 12 in the classroom app (the command line takes up to 60)"
    for name, most in APP_LIMITS.items():
        section = {"weeks": "run"}.get(name, "area" if name in AREA else "providers")
        text = f"[scenario]\ninherits = 'locality'\n[{section}]\n{name} = {most + 1}\n"
        if name in SET_BY_THE_APP:  # the app runs any file at its own claimant count
            assert load_upload("ok.toml", text.encode())
            continue
        assert refusal(load_upload, "big.toml", text.encode()).key == f"{section}.{name}"
        text = f"[scenario]\ninherits = 'locality'\n[{section}]\n{name} = {most}\n"
        assert load_upload("ok.toml", text.encode())[1].params[name] == most


def test_settings_beyond_the_apps_limits_never_reach_a_model():
    scenario = load_scenario("two_tier", ["area.localities=40"])
    settings = Settings.from_scenario(scenario, "two_tier.toml")
    assert refusal(settings.model_kwargs).key == "area.localities"
    assert refusal(lambda: settings.changed(claimants=5_000_000)).key == "claimants"
    too_many = Settings.from_scenario(load_scenario("two_tier"), "two_tier.toml", 30_000)
    assert refusal(too_many.model_kwargs).key == "area.claimants"


def test_one_tab_keeps_a_bounded_number_of_uploads():
    UPLOADS.set({})
    try:
        _, scenario = load_upload("one.toml", b"")
        for i in range(MAX_UPLOADS):
            keep_upload(f"file{i}.toml (uploaded)", scenario)
        keep_upload("file0.toml (uploaded)", scenario)  # the same name again replaces it
        assert "at most 20" in refusal(keep_upload, "one_more.toml (uploaded)",
                                       scenario).expected
    finally:
        UPLOADS.set({})


# --- values from the browser ------------------------------------------------------


def test_the_mesa_view_builds_only_from_values_its_controls_offer():
    from commissioning.viz.mesa_page import DEFAULTS, SessionModel, checked_parameters

    sent = {"regime": "evil", "claimants": 5_000_000, "seed": 3, "service_fee_share": float("nan"),
            "recession_depth": "0.5", "attachment_fee": True, "job_outcome_fee": 1500.0,
            "weeks": 100_000}
    params, refused = checked_parameters(sent, DEFAULTS)
    assert params == {**DEFAULTS, "seed": 3, "job_outcome_fee": 1500.0}
    assert len(refused) == 6
    assert "claimants 5,000,000 (this view takes 200 to 20,000)" in refused
    assert "commissioning regime 'evil' (this view offers two_tier or locality)" in refused
    model = SessionModel(regime="evil", claimants=300, seed=2)
    assert (model.p["regime"], model.p["claimants"], model.p["seed"]) == ("two_tier", 300, 2)
    assert model.refused == ["commissioning regime 'evil' (this view offers two_tier or locality)"]


def test_the_widget_guard_refuses_what_no_control_offers():
    import ipyvuetify as v

    from commissioning.viz.widget_guard import install, refusal

    slider = v.Slider(v_model=2000, min=200, max=20_000)
    select = v.Select(v_model="two_tier.toml", items=["two_tier.toml", "locality.toml"])
    toggle = v.BtnToggle(v_model=0, children=[v.Btn(), v.Btn()])
    assert refusal(slider, {"v_model": 5_000_000}) == "5,000,000, not 200 to 20,000"
    assert refusal(slider, {"max": 10**9}) == "a new max, which only the server sets"
    assert refusal(slider, {"v_model": float("nan")}) and refusal(slider, {"v_model": True})
    assert refusal(select, {"v_model": "/etc/passwd"}) == "'/etc/passwd', not its list"
    assert refusal(select, {"items": ["/etc/passwd"]})
    assert refusal(toggle, {"v_model": 2}) and refusal(v.Checkbox(), {"v_model": "yes"})
    assert refusal(v.TextField(), {"v_model": "9" * 5000})
    tabs = v.Tabs(v_model=0, children=[v.Tab(), v.Tab(), v.TabsSlider()])
    assert refusal(tabs, {"v_model": 2}) == "2, not one of its tabs"
    assert refusal(tabs, {"v_model": 1}) is None
    assert refusal(v.NavigationDrawer(v_model=True), {"v_model": "open"})
    assert refusal(v.Btn(), {"children": ["IPY_MODEL_x"]})
    for control, value in ((slider, 250), (select, "locality.toml"), (toggle, 1)):
        assert refusal(control, {"v_model": value}) is None
    install()
    install()  # once only, however often the app is loaded
    slider.set_state({"v_model": 5_000_000})
    select.set_state({"v_model": "/etc/passwd"})
    assert (slider.v_model, select.v_model) == (2000, "two_tier.toml")
    slider.set_state({"v_model": 300})
    assert slider.v_model == 300
