"""What the game's lesson says a class will see, checked against the game as it plays now.

The game's lesson plan (docs/teaching.md, "The Commissioning Game") and its Info page
(viz/game/info.md) make statements a teacher repeats to a class: a higher management
fee leaves subcontractors less cash, most lasting jobs would have come anyway, and so
on. They are only true while the model makes them true. So here, as
`viz/lesson_check.py` does for the app's lesson:

- `measure()` plays the games the statements rest on through the engine, exactly as
  a class plays them (a room at the classroom's 2,000 claimants, seed 1; the pupils'
  forms as the pages send them);
- `CLAIMS` are the statements, word for word as the lesson plan or the Info page
  prints them, each with its test on those measurements;
- `blocks()` writes the numbers the plan quotes, between `<!-- game:NAME -->` and
  `<!-- /game -->` lines.

The tests check that every claim holds, that each is printed where it says, and that
the plan's numbers are the ones the game gives now. After the model changes:

    python -m commissioning.experiments.game.lesson_check                          # which hold
    python -m commissioning.experiments.game.lesson_check --write docs/teaching.md  # numbers
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from commissioning.experiments.lesson_blocks import MarkedBlocks, check_lesson
from commissioning.model.accounts import SUPPORT
from commissioning.model.scenario import load_scenario, packaged_scenarios

from .room import TURN_WEEKS, Room
from .store import RoomStore
from .words import money, plural

Measurements = dict[str, float]
CLAIMANTS, SEED = 2000, 1
FEE = "50"  # the management fee (%) the lesson's prime tries


def _room(store: RoomStore, pupils: tuple[str, ...] = ()) -> Room:
    room = store.create(load_scenario(packaged_scenarios() / "two_tier.toml"), "two_tier.toml",
                        seed=SEED, claimants=CLAIMANTS)
    for name in pupils:
        room.join(name)
    room.start()
    return room


def _play(room: Room, each_turn: Callable[[Room], None] = lambda room: None) -> None:
    """Every turn to the end of the contract, looking at the room after each."""
    while not room.finished:
        room.next_turn()
        each_turn(room)


def measure() -> Measurements:
    """Every number the game's lesson rests on, from games played through the engine."""
    store = RoomStore()
    out: Measurements = {"turn_weeks": float(TURN_WEEKS)}

    # The model plays every role: the class's run against the model's own.
    own = _room(store)
    p = own.model.p
    out.update(weeks=float(own.weeks), claim_lag=float(p["claim_lag_weeks"]),
               holder_lag=float(p["holder_payment_lag_weeks"]),
               contract_fee=100 * (1 - p["outcome_pass_through"]))
    charity = next(r for r in own.roles if "charity, tier-1" in r.kind
                   and own.model.orgs[r.index].contract_holder.name == "Prime A").index
    subs = [o.index for o in own.model.orgs[1].case_holders if o.index != 1]

    def look(name: str) -> Callable[[Room], None]:
        def at(room: Room) -> None:
            net = room.model.accounts.net_position()
            out[f"{name}.prime_{room.week}"] = float(net[1])
            out[f"{name}.subs_{room.week}"] = float(net[subs].sum())
            out[f"{name}.charity_{room.week}"] = float(net[charity])
            view = room.views[charity]
            if view.claimants:
                out[f"{name}.hard_parked_{room.week}"] = float(view.claimants[2].parked)
        return at

    _play(own, look("own"))
    own.end_game()
    d = own.debrief
    yours, mine = d.records["Your class"], d.records[d.own]
    out["own.same_to_the_pound"] = float(yours.metrics == mine.metrics and bool(
        (yours.net_position == mine.net_position).all()))
    for label, key in ((d.own, "two_tier"), ("The model, locality", "locality")):
        m = d.records[label].metrics
        out[f"{key}.job_outcomes"] = float(m["job_outcomes"])
        out[f"{key}.anyway"] = float(m["job_outcomes"] - m["additional_job_outcomes"])
        out[f"{key}.busts"] = float(m["providers_insolvent"])
        out[f"{key}.charities_bust"] = float(m["third_sector_insolvent"])
        out[f"{key}.left"] = float(m["providers_withdrawn"])
    out["referrals"] = float(mine.metrics["referrals"])

    # Prime A keeps a bigger management fee, all game.
    fee = _room(store, ("Sam",))
    fee.submit("Sam", {"management_fee": FEE})
    _play(fee, look("fee"))

    # Prime A's charity gives everyone with 3+ barriers intensive support, all game.
    support = _room(store, ("Sam", "Jo"))
    assert support.player("Jo").role == charity
    support.submit("Jo", {"support_hard": "intensive"})
    _play(support, look("support"))
    i = charity
    out["support.costs"] = float(support.model.accounts.costs[i, SUPPORT])
    out["own.support_costs"] = float(own.model.accounts.costs[i, SUPPORT])
    return out


#: The lesson's statements, as printed (docs/teaching.md or viz/game/info.md), and tests.
CLAIMS: tuple[tuple[str, Callable[[Measurements], bool]], ...] = (
    ("each turn is **13 weeks**, and a whole contract is 260 weeks (20 turns)",
     lambda o: o["turn_weeks"] == 13 and o["weeks"] == 260),
    ("With no pupils at all, the class's run is the model's own play, to the pound",
     lambda o: o["own.same_to_the_pound"] == 1.0),
    ("a prime is paid 3 weeks after a payment is earned, and pays its subcontractors 6 "
     "weeks after that",
     lambda o: o["claim_lag"] == 3 and o["holder_lag"] == 6),
    ("A prime that keeps a bigger management fee ends the contract with more money and its "
     "subcontractors with less; the difference shows from the second year, when outcome "
     "payments flow.",
     lambda o: o["fee.prime_260"] > o["own.prime_260"] and o["fee.subs_260"] < o["own.subs_260"]
     and o["fee.subs_104"] < o["own.subs_104"] and o["fee.subs_26"] >= o["own.subs_26"]),
    ("A case holder that gives everyone with 3+ barriers intensive support parks none of them "
     "while its cash lasts, and ends the contract with much less money.",
     lambda o: o["support.hard_parked_39"] == 0 < o["own.hard_parked_39"]
     and o["support.charity_260"] < 0.5 * o["own.charity_260"]),
    ("most of those people would have found a lasting job anyway",
     lambda o: all(o[f"{k}.anyway"] > 0.5 * o[f"{k}.job_outcomes"]
                   for k in ("two_tier", "locality"))),
)


def failed_claims(o: Measurements) -> list[str]:
    return [text for text, holds in CLAIMS if not holds(o)]


def blocks(o: Measurements) -> dict[str, str]:
    """The numbers the game's lesson plan quotes, by marker name."""
    def w(name: str, week: int) -> str:
        return money(o[f"{name}_{week}"])

    return {
        "own": (f"In the model's own two-tier play (the room's default: {CLAIMANTS:,} claimants, "
                f"seed {SEED}), {o['two_tier.job_outcomes']:,.0f} of the {o['referrals']:,.0f} "
                f"people referred reach a lasting job, {o['two_tier.anyway']:,.0f} of whom would "
                f"have found one with no programme; {plural(int(o['two_tier.busts']), 'provider')}"
                f" run out of cash ({o['two_tier.charities_bust']:.0f} of them charities) and "
                f"{o['two_tier.left']:.0f} leave their contracts. The model's locality play gets "
                f"{o['locality.job_outcomes']:,.0f} people into a lasting job."),
        "fee": (f"In our run, with Prime A's management fee at {FEE}% all game (the contract "
                f"says {o['contract_fee']:.0f}%), Prime A's four subcontractors hold "
                f"{w('fee.subs', 26)} between them at week 26 ({w('own.subs', 26)} in the "
                f"model's own play), {w('fee.subs', 104)} at week 104 ({w('own.subs', 104)}) "
                f"and {w('fee.subs', 260)} at the end ({w('own.subs', 260)}); Prime A ends "
                f"with {w('fee.prime', 260)} ({w('own.prime', 260)}). Money here is cash plus "
                "what is owed to them, less what they owe."),
        "support": (f"In our run, Prime A's first charity subcontractor giving everyone with 3+ "
                    f"barriers intensive support parks {o['support.hard_parked_39']:.0f} of them "
                    f"at week 39 ({o['own.hard_parked_39']:.0f} in the model's own play) but "
                    f"{o['support.hard_parked_52']:.0f} at week 52, once its cash has run low "
                    f"({o['own.hard_parked_52']:.0f}); it spends {money(o['support.costs'])} on "
                    f"support ({money(o['own.support_costs'])}) and ends with "
                    f"{w('support.charity', 260)} ({w('own.charity', 260)})."),
    }


BLOCKS = MarkedBlocks("game")
fill = BLOCKS.fill
marked_names = BLOCKS.names


def main(argv: list[str] | None = None) -> int:
    return check_lesson(argv, __doc__.splitlines()[0], BLOCKS, CLAIMS, measure,
                        failed_claims, blocks)


if __name__ == "__main__":
    sys.exit(main())
