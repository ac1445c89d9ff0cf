"""HPA controller options."""

from __future__ import annotations

import pytest
from microkube_controllers.autoscaling.options import SYNC_PERIOD, seconds_option


def test_seconds_or_go_durations():
    assert seconds_option({}, SYNC_PERIOD, 15) == 15
    assert seconds_option({SYNC_PERIOD: 2}, SYNC_PERIOD, 15) == 2
    assert seconds_option({SYNC_PERIOD: "5m0s"}, SYNC_PERIOD, 15) == 300
    assert seconds_option({SYNC_PERIOD: "1h2m3.5s"}, SYNC_PERIOD, 15) == 3723.5
    assert seconds_option({SYNC_PERIOD: "250ms"}, SYNC_PERIOD, 15) == 0.25
    with pytest.raises(ValueError, match="horizontal-pod-autoscaler-sync-period: invalid"):
        seconds_option({SYNC_PERIOD: "soon"}, SYNC_PERIOD, 15)
