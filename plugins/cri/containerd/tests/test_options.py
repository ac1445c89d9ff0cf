"""The ``containerd`` options: defaults, dashed keys, and one-line errors naming the key."""

from __future__ import annotations

import pytest
from microkube_cri_containerd.options import ContainerdOptions, parse_options

from microkube.config import ConfigError


def test_defaults() -> None:
    options = parse_options({})
    assert options == ContainerdOptions()
    assert options.address is None and options.sandbox_image == "localhost/pause:local"
    assert (options.image_gc_high_threshold_percent, options.image_gc_low_threshold_percent) == (
        85,
        80,
    )


def test_dashed_keys() -> None:
    options = parse_options({"address": "/s.sock", "pod-cidr": "10.1.0.0/24", "image-gc-period": 0})
    assert (options.address, options.pod_cidr, options.image_gc_period) == (
        "/s.sock",
        "10.1.0.0/24",
        0,
    )


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"adress": "/x"}, "adress"),
        ({"image-gc-high-threshold-percent": 150}, "image-gc-high-threshold-percent"),
        (
            {"image-gc-high-threshold-percent": 50, "image-gc-low-threshold-percent": 60},
            "image-gc-low-threshold-percent",
        ),
        ({"request-timeout": "soon"}, "request-timeout"),
    ],
)
def test_bad_options_name_the_key(options: dict, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_options(options)
    message = str(caught.value)
    assert message.startswith("options.containerd")
    assert named in message or named.replace("-", "_") in message
    assert "\n" not in message
