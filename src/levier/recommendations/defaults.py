"""The engine's default policy values, read from `levier.screening` so that the two never disagree."""

from __future__ import annotations

from levier.screening.model import Policy

_DEFAULTS = Policy()


def default_policy_value(name: str):
    return getattr(_DEFAULTS, name)
