"""The Commissioning Game: a class plays the supply chain, then sees what its choices did.

The engine, without any page: rooms (`store`, `room`), the roles a class can play
(`roles`), the decisions a pupil takes in place of an organisation's rule, in plain
words (`choices`; the model's side is `model/decisions.py`), what an organisation sees
(`org_view`), predictions (`predictions`), the week-by-week log and stories
(`observer`), the model's own runs on the same claimants (`replays`), the debrief
(`debrief`), its one-page summary (`summary`) and the class's decisions as a scenario
file (`scenario_file`). The pages are in `viz/game/`; `benchmarks/game_turns.py` plays a
room of 30 without a browser.
"""
