"""Pod requests as upstream computes them."""

from __future__ import annotations

from microkube_scheduler.resources import images, normalized_image, pod_requests
from objects import typed_pod

from microkube.api import from_dict
from microkube.api.core_v1 import Pod


def test_containers_add_up_and_init_containers_take_the_maximum():
    body = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "250m"}}},
            ],
            "initContainers": [
                {"name": "setup", "resources": {"requests": {"cpu": "2"}}},
                {
                    "name": "sidecar",
                    "restartPolicy": "Always",
                    "resources": {"requests": {"cpu": "100m", "memory": "10Mi"}},
                },
            ],
            "overhead": {"cpu": "10m"},
        },
    }
    pod = from_dict(body, Pod)
    assert pod_requests(pod) == {"cpu": 2010, "memory": 74 * 1024 * 1024}
    non_zero = pod_requests(pod, non_zero=True)
    assert non_zero["memory"] == 64 * 1024 * 1024 + 200 * 1024 * 1024 + 10 * 1024 * 1024


def test_images_are_normalized():
    assert normalized_image("busybox") == "busybox:latest"
    assert normalized_image("registry:5000/app") == "registry:5000/app:latest"
    assert normalized_image("app@sha256:abc") == "app@sha256:abc"
    assert images(typed_pod("p", image="nginx:1.25")) == ["nginx:1.25"]
