"""Volumes, env and ``$(VAR)`` through the kubelet: what reaches the runtime and the disk
(real API server, fake runtime)."""

from __future__ import annotations

import base64
from pathlib import Path


def _is_dir(path: str | Path) -> bool:
    return Path(path).is_dir()


def _names(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()}


def _text(path: str | Path) -> str:
    return Path(path).read_text()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def _created(runtime, name, poll):  # type: ignore[no-untyped-def]
    async def check():  # type: ignore[no-untyped-def]
        calls = [c for c in runtime.calls_to("create_container") if c.args[1].name == name]
        return calls[0].args[1] if calls else None

    return await poll(check, what=f"container {name} created")


async def test_env_from_configmaps_secrets_downward_api_and_expansion(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create(
        "configmaps",
        {"metadata": {"name": "cfg"}, "data": {"MODE": "fast", "LEVEL": "3"}},
        "default",
    )
    await api.create(
        "secrets", {"metadata": {"name": "creds"}, "data": {"password": _b64("s3cret")}}, "default"
    )
    container = {
        "name": "app",
        "image": "busybox",
        "command": ["serve", "$(GREETING)", "$$(GREETING)", "$(MISSING)"],
        "args": ["--mode=$(MODE)"],
        "envFrom": [
            {"configMapRef": {"name": "cfg"}, "prefix": "CFG_"},
            {"configMapRef": {"name": "absent", "optional": True}},
        ],
        "env": [
            {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "MODE"}}},
            {
                "name": "PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}},
            },
            {"name": "NAME", "value": "world"},
            {"name": "GREETING", "value": "hello $(NAME)"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "TIER", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['tier']"}}},
            {
                "name": "MEM_MI",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
            },
            {
                "name": "OPT",
                "valueFrom": {"secretKeyRef": {"name": "nope", "key": "x", "optional": True}},
            },
        ],
        "resources": {"limits": {"memory": "64Mi", "cpu": "500m"}},
    }
    pod = pod_manifest("envy", container)
    pod["metadata"]["labels"] = {"tier": "backend"}
    await api.create("pods", pod)
    config = await _created(fake_runtime_instance, "app", poll)
    env = dict(config.env)
    assert env["CFG_MODE"] == "fast" and env["CFG_LEVEL"] == "3"
    assert env["MODE"] == "fast"
    assert env["PASSWORD"] == "s3cret"
    assert env["GREETING"] == "hello world"
    assert env["POD"] == "envy" and env["NODE"] == "node-1"
    assert env["POD_IP"].startswith("10.88.")
    assert env["TIER"] == "backend"
    assert env["MEM_MI"] == "64"
    assert "OPT" not in env
    assert config.command == ("serve", "hello world", "$(GREETING)", "$(MISSING)")
    assert config.args == ("--mode=fast",)
    assert config.resources.memory_limit_bytes == 64 * 1024 * 1024
    assert config.resources.cpu_limit_millis == 500
    assert config.log_path == "app/0.log"


async def test_missing_configmap_key_is_create_container_config_error(
    kubelet_cluster, pod_manifest, poll
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    container = {
        "name": "app",
        "image": "busybox",
        "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "later", "key": "x"}}}],
    }
    await api.create("pods", pod_manifest("wants-cm", container))

    async def waiting():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "wants-cm", "default")
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            reason = (status["state"].get("waiting") or {}).get("reason")
            if reason == "CreateContainerConfigError":
                return status
        return None

    status = await poll(waiting, what="CreateContainerConfigError")
    assert status["state"]["waiting"]["message"] == 'configmap "later" not found'
    await api.create("configmaps", {"metadata": {"name": "later"}, "data": {"x": "1"}}, "default")

    async def running():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "wants-cm", "default")
        return (pod.get("status") or {}).get("phase") == "Running"

    await poll(running, what="Running once the ConfigMap exists")


async def test_volumes_are_written_and_configmap_updates_propagate(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance, tmp_path
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create(
        "configmaps",
        {"metadata": {"name": "site"}, "data": {"index.html": "v1", "other": "o"}},
        "default",
    )
    await api.create(
        "secrets", {"metadata": {"name": "tls"}, "data": {"key": _b64("KEY")}}, "default"
    )
    host_dir = tmp_path / "host"
    container = {
        "name": "web",
        "image": "busybox",
        "volumeMounts": [
            {"name": "site", "mountPath": "/usr/share/html"},
            {"name": "tls", "mountPath": "/tls", "readOnly": True},
            {"name": "scratch", "mountPath": "/scratch"},
            {"name": "cache", "mountPath": "/cache", "subPath": "web"},
            {"name": "host", "mountPath": "/host"},
            {"name": "info", "mountPath": "/info"},
            {"name": "all", "mountPath": "/all"},
        ],
    }
    volumes = [
        {
            "name": "site",
            "configMap": {"name": "site", "items": [{"key": "index.html", "path": "index.html"}]},
        },
        {"name": "tls", "secret": {"secretName": "tls", "defaultMode": 0o400}},
        {"name": "scratch", "emptyDir": {}},
        {"name": "cache", "emptyDir": {"medium": "Memory"}},
        {"name": "host", "hostPath": {"path": str(host_dir), "type": "DirectoryOrCreate"}},
        {
            "name": "info",
            "downwardAPI": {
                "items": [
                    {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                    {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                ]
            },
        },
        {
            "name": "all",
            "projected": {
                "sources": [
                    {"configMap": {"name": "site", "items": [{"key": "other", "path": "other"}]}},
                    {"secret": {"name": "tls"}},
                    {
                        "downwardAPI": {
                            "items": [
                                {"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}
                            ]
                        }
                    },
                ]
            },
        },
    ]
    pod = pod_manifest("vols", container, volumes=volumes)
    pod["metadata"]["labels"] = {"app": "web", "tier": "front"}
    created = await api.create("pods", pod)
    config = await _created(fake_runtime_instance, "web", poll)
    mounts = {m.container_path: m for m in config.mounts}
    site = Path(mounts["/usr/share/html"].host_path)
    assert (site / "index.html").read_text() == "v1"
    assert not (site / "other").exists()
    assert (site / "..data").is_symlink()
    tls = Path(mounts["/tls"].host_path)
    assert (tls / "key").read_text() == "KEY"
    assert ((tls / "key").stat().st_mode & 0o777) == 0o400
    assert mounts["/tls"].readonly is True
    uid = created["metadata"]["uid"]
    assert f"/pods/{uid}/volumes/kubernetes.io~empty-dir/scratch" in mounts["/scratch"].host_path
    assert mounts["/cache"].host_path.endswith("kubernetes.io~empty-dir/cache/web")
    assert _is_dir(mounts["/cache"].host_path)
    assert _is_dir(host_dir) and mounts["/host"].host_path == str(host_dir)
    info = Path(mounts["/info"].host_path)
    assert (info / "labels").read_text() == 'app="web"\ntier="front"'
    assert (info / "name").read_text() == "vols"
    projected = Path(mounts["/all"].host_path)
    assert {name for name in _names(projected) if not name.startswith("..")} == {
        "other",
        "key",
        "ns",
    }

    await api.patch("configmaps", "site", {"data": {"index.html": "v2"}}, "default")

    async def updated():  # type: ignore[no-untyped-def]
        return (site / "index.html").read_text() == "v2"

    await poll(updated, what="the ConfigMap update on disk")
    await api.patch("pods", "vols", {"metadata": {"labels": {"tier": "back"}}}, "default")

    async def relabelled():  # type: ignore[no-untyped-def]
        return (info / "labels").read_text() == 'app="web"\ntier="back"'

    await poll(relabelled, what="downward labels updated")

    # Deleting the pod tears its volumes down (a Memory emptyDir is unmounted).
    await api.delete("pods", "vols", "default")
    volumes_dir = site.parents[1]

    async def torn_down():  # type: ignore[no-untyped-def]
        return not volumes_dir.exists()

    await poll(torn_down, what="volumes removed")
    assert str(volumes_dir) not in _text("/proc/mounts")


async def test_host_path_type_check_failure_is_an_event(
    kubelet_cluster, pod_manifest, poll, tmp_path
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    missing = tmp_path / "nope"
    container = {
        "name": "c",
        "image": "busybox",
        "volumeMounts": [{"name": "h", "mountPath": "/h"}],
    }
    volumes = [{"name": "h", "hostPath": {"path": str(missing), "type": "Directory"}}]
    await api.create("pods", pod_manifest("badhost", container, volumes=volumes))

    async def event():  # type: ignore[no-untyped-def]
        items = (await api.list("events", "default", field_selector="involvedObject.name=badhost"))[
            "items"
        ]
        return [e for e in items if e["reason"] == "FailedMount"]

    (found,) = await poll(event, what="FailedMount event")
    assert found["message"] == (
        'MountVolume.SetUp failed for volume "h" : '
        f"hostPath type check failed: {missing} is not a directory"
    )
    pod = await api.get("pods", "badhost", "default")
    assert pod["status"]["phase"] == "Pending"
    assert (
        pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    )


async def test_service_account_token_volume_fails_clearly_until_token_requests_are_served(
    kubelet_cluster, pod_manifest, poll
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    container = {
        "name": "c",
        "image": "busybox",
        "volumeMounts": [{"name": "tok", "mountPath": "/var/run/secrets"}],
    }
    volumes = [
        {"name": "tok", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
    ]
    await api.create("pods", pod_manifest("tokened", container, volumes=volumes))

    async def event():  # type: ignore[no-untyped-def]
        items = (await api.list("events", "default", field_selector="involvedObject.name=tokened"))[
            "items"
        ]
        return [e for e in items if e["reason"] == "FailedMount"]

    (found,) = await poll(event, what="FailedMount event")
    assert found["message"].startswith(
        'MountVolume.SetUp failed for volume "tok" : failed to fetch token: '
    )
