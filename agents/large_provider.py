"""Large providers delivering as lead partners of a locality partnership.

The same large organisations that hold prime contracts under two-tier
commissioning (deep reserves, in-house delivery teams) take cases from the
partnerships under locality commissioning: case holders, not contract holders.
"""

from __future__ import annotations

from .provider import Provider


class LargeProvider(Provider):
    kind = "large_provider"
