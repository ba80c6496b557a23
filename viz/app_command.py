"""`commissioning app`: serve the browser app (issue 4)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the app command to the `commissioning` parser."""
