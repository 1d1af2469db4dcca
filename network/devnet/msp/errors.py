"""MSP errors."""

from __future__ import annotations


class IdentityError(Exception):
    """An identity could not be deserialized, is not valid under its MSP, or does not satisfy a principal."""


class MSPConfigError(Exception):
    """A channel or local MSP configuration is unusable (names the offending field)."""
