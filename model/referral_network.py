"""The referral network: organisations as nodes, contracts and referral routes as edges.

Its shape comes from the regime: a tree of commissioner → primes → tier-1
subcontractors with tier-2 specialists hanging off each prime's chain, or
commissioner → partnerships with each partnership's case holders linked
horizontally to every local specialist. Each edge carries `referrals`
(claimants or specialist referrals passed along it) and `money` (£ paid along
it); nodes carry kind, tier, sector, locality, caseload, cash and the week of
any insolvency. `sync_network` refreshes these from the model's arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from commissioning.agents.provider import CASE_HOLDER, HOLDER, SPECIALIST

from .parameters import BARRIERS

if TYPE_CHECKING:
    from .model import CommissioningModel


def node_kind(org) -> str:
    """The label the app colours by: prime, tier 1, tier 2, third sector, partnership."""
    if org.kind == "commissioner":
        return "commissioner"
    if org.kind == "partnership":
        return "partnership"
    if org.kind == "prime":
        return "prime"
    if org.kind == "large_provider":
        return "large provider"
    if org.third_sector:
        return "third sector"
    return "tier 1" if org.role == CASE_HOLDER else "tier 2"


def build_network(model: CommissioningModel) -> nx.DiGraph:
    graph = nx.DiGraph(regime=model.p["regime"])
    for org in model.orgs:
        graph.add_node(org.index, name=org.name, kind=node_kind(org),
                       role={HOLDER: "contract holder", CASE_HOLDER: "case holder",
                             SPECIALIST: "specialist"}.get(getattr(org, "role", -1),
                                                           "commissioner"),
                       sector=getattr(org, "sector", "public"),
                       locality=getattr(org, "locality", -1),
                       barrier=BARRIERS[org.barrier] if getattr(org, "barrier", -1) >= 0 else "")
    for holder in model.holders:
        graph.add_edge(0, holder.index, relation="contract")
        for case_holder in holder.case_holders:
            if case_holder is not holder:
                graph.add_edge(holder.index, case_holder.index, relation="subcontract")
        referrers = [o for o in holder.case_holders if o.active]
        for spec in holder.specialists:
            for ref in referrers:
                if ref.locality in (-1, spec.locality):
                    graph.add_edge(ref.index, spec.index, relation="referral route")
            if holder.decides_specialist_referrals():
                graph.add_edge(holder.index, spec.index, relation="pays for episodes")
    nx.set_edge_attributes(graph, 0, "referrals")
    nx.set_edge_attributes(graph, 0.0, "money")
    return graph


def sync_network(model: CommissioningModel) -> nx.DiGraph:
    """Copy referrals, money, caseloads, cash and exits onto the graph."""
    graph = model.network
    n = len(model.orgs)
    refs, money = ({(a, b): v for a, b, v in zip(*(x.tolist() for x in m.pairs()), strict=True)}
                   for m in (model.referrals_matrix, model.accounts.money))
    carried = {ab for ab in refs.keys() | money.keys() if refs.get(ab, 0) > 0 or
               money.get(ab, 0.0) > 0}
    for a, b in sorted(carried, key=lambda ab: ab[0] * n + ab[1]):  # row-major, as before
        if not graph.has_edge(a, b):
            graph.add_edge(a, b, relation="inherited", referrals=0, money=0.0)
        graph.edges[a, b]["referrals"] = int(refs.get((a, b), 0))
        graph.edges[a, b]["money"] = float(money.get((a, b), 0.0))
    caseload = model.caseloads()
    for org in model.orgs:
        node = graph.nodes[org.index]
        node["caseload"] = int(caseload[org.index])
        node["cash"] = float(model.accounts.cash[org.index]) if org.index else 0.0
        node["insolvent_week"] = org.insolvent_week
        node["in_episode"] = int(model.in_episode[org.index])
    return graph
