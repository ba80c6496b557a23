"""`commissioning sweep` and `commissioning analyse` (issue 5)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sweep commands to the `commissioning` parser."""
