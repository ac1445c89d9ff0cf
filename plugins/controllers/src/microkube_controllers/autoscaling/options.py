"""The HPA controller's options, named as kube-controller-manager's flags and given in the
controller manager's ``controller-options``: numbers are seconds, strings Go durations
(``15s``, ``5m0s``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["DOWNSCALE_STABILIZATION", "SYNC_PERIOD", "TOLERANCE", "seconds_option"]

SYNC_PERIOD = "horizontal-pod-autoscaler-sync-period"
TOLERANCE = "horizontal-pod-autoscaler-tolerance"
DOWNSCALE_STABILIZATION = "horizontal-pod-autoscaler-downscale-stabilization"

_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def seconds_option(options: Mapping[str, Any], name: str, default: float) -> float:
    """Option ``name`` in seconds; a bad value is an error naming the option."""
    value = options.get(name)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match[1]) * _UNITS[match[2]]
        position = match.end()
    if not text or position != len(text):
        raise ValueError(f"{name}: invalid duration {value!r} (e.g. 15s, 5m0s)")
    return total
