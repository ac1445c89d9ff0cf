"""Container environments (unit): sources, precedence, optional refs, upstream's errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from microkube_kubelet.env import ContainerConfigError, container_env, expand_command


class Objects:
    def __init__(self, **objects: dict[str, Any]) -> None:
        self.objects = objects

    async def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get(f"{kind}/{name}")

    async def services(self, namespace: str) -> list[dict[str, Any]]:
        return list(SERVICES)


SERVICES = [
    {
        "metadata": {"name": "kubernetes", "namespace": "default"},
        "spec": {
            "clusterIP": "10.96.0.1",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
        },
    },
    {
        "metadata": {"name": "redis-primary", "namespace": "ns"},
        "spec": {"clusterIP": "10.96.0.7", "ports": [{"port": 6379, "protocol": "TCP"}]},
    },
    {
        "metadata": {"name": "headless", "namespace": "ns"},
        "spec": {"clusterIP": "None", "ports": [{"port": 1}]},
    },
]


POD = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "labels": {"app": "a"}},
    "spec": {"nodeName": "n1", "serviceAccountName": "sa"},
}
OBJECTS = Objects(
    **{
        "configmaps/cm": {"data": {"A": "1", "B": "2", "bad-name!": "x"}},
        "secrets/s": {"data": {"TOKEN": base64.b64encode(b"t0k").decode()}},
    }
)


async def test_env_from_then_env_later_names_win():
    container = {
        "envFrom": [{"configMapRef": {"name": "cm"}}, {"secretRef": {"name": "s"}, "prefix": "S_"}],
        "env": [{"name": "A", "value": "override"}, {"name": "C", "value": "$(A)-$(B)"}],
    }
    env = dict(await container_env(POD, container, OBJECTS))
    own = {k: v for k, v in env.items() if "_SERVICE_" not in k and "_PORT" not in k}
    assert own == {"A": "override", "B": "2", "S_TOKEN": "t0k", "C": "override-2"}


async def test_service_links_as_upstream():
    env = dict(
        await container_env(
            POD, {"env": [{"name": "URL", "value": "$(REDIS_PRIMARY_PORT)"}]}, OBJECTS
        )
    )
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
    assert env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443"
    assert env["KUBERNETES_PORT_443_TCP"] == "tcp://10.96.0.1:443"
    assert env["REDIS_PRIMARY_SERVICE_HOST"] == "10.96.0.7"
    assert env["REDIS_PRIMARY_PORT_6379_TCP_ADDR"] == "10.96.0.7"
    assert env["REDIS_PRIMARY_PORT_6379_TCP_PROTO"] == "tcp"
    assert env["URL"] == "tcp://10.96.0.7:6379"
    assert not any(k.startswith("HEADLESS_") for k in env)
    unlinked = {**POD, "spec": {**POD["spec"], "enableServiceLinks": False}}
    env = dict(await container_env(unlinked, {}, OBJECTS))
    assert "KUBERNETES_SERVICE_HOST" in env and "REDIS_PRIMARY_SERVICE_HOST" not in env


async def test_downward_fields():
    container = {
        "env": [
            {"name": n, "valueFrom": {"fieldRef": {"fieldPath": p}}}
            for n, p in [
                ("N", "metadata.name"),
                ("NS", "metadata.namespace"),
                ("UID", "metadata.uid"),
                ("APP", "metadata.labels['app']"),
                ("NODE", "spec.nodeName"),
                ("SA", "spec.serviceAccountName"),
                ("IP", "status.podIP"),
                ("HOST", "status.hostIP"),
            ]
        ]
    }
    env = dict(
        await container_env(POD, container, OBJECTS, pod_ip="10.1.1.1", host_ip="192.168.0.1")
    )
    assert {k: v for k, v in env.items() if "SERVICE" not in k and "_PORT" not in k} == {
        "N": "p",
        "NS": "ns",
        "UID": "u1",
        "APP": "a",
        "NODE": "n1",
        "SA": "sa",
        "IP": "10.1.1.1",
        "HOST": "192.168.0.1",
    }


async def test_resource_field_refs_round_up_and_default_to_allocatable():
    container = {
        "resources": {"requests": {"cpu": "250m"}, "limits": {"memory": "100Mi"}},
        "env": [
            {"name": "CPU_REQ", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu"}}},
            {
                "name": "CPU_REQ_M",
                "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu", "divisor": "1m"}},
            },
            {"name": "CPU_LIM", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {
                "name": "MEM",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
            },
        ],
    }
    env = dict(
        await container_env(POD, container, OBJECTS, allocatable={"cpu": "4", "memory": "8Gi"})
    )
    assert {k: env[k] for k in ("CPU_REQ", "CPU_REQ_M", "CPU_LIM", "MEM")} == {
        "CPU_REQ": "1",
        "CPU_REQ_M": "250",
        "CPU_LIM": "4",
        "MEM": "100",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}],
            'configmap "nope" not found',
        ),
        (
            [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}],
            'secret "nope" not found',
        ),
        (
            [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "Z"}}}],
            "couldn't find key Z in ConfigMap ns/cm",
        ),
        (
            [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "spec.nope"}}}],
            'unsupported fieldPath "spec.nope"',
        ),
    ],
)
async def test_errors(env, message):
    with pytest.raises(ContainerConfigError) as info:
        await container_env(POD, {"env": env}, OBJECTS)
    assert str(info.value) == message


async def test_optional_refs_are_skipped():
    container = {
        "envFrom": [{"configMapRef": {"name": "nope", "optional": True}}],
        "env": [
            {
                "name": "X",
                "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "Z", "optional": True}},
            }
        ],
    }
    env = dict(await container_env(POD, container, OBJECTS))
    assert "X" not in env and "A" not in env


def test_command_and_args_expand_against_the_env():
    command, args = expand_command(
        {"command": ["echo", "$(A)", "$$(A)"], "args": ["$(MISSING)"]}, [("A", "x")]
    )
    assert command == ("echo", "x", "$(A)") and args == ("$(MISSING)",)
