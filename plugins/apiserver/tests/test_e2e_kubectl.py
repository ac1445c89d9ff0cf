"""The real kubectl (1.32) against ``microkube apiserver`` (sqlite, in a subprocess).

Expected output is written from Kubernetes' printing rules (kubectl's "<resource>/<name>
created|configured|unchanged|labeled|patched" lines, the server-side Table columns of each
kind), not copied from this server's answers. AGE is matched as a duration.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")

AGE = r"\d+(s|m\d*s?|h\d*m?)"

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: IMAGE
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data: {key: value}
"""


@pytest.fixture(scope="module")
def kubectl(sqlite_server, tmp_path_factory):
    cache = tmp_path_factory.mktemp("kubectl-cache")
    base = [KUBECTL, "--kubeconfig", str(sqlite_server.kubeconfig), "--cache-dir", str(cache)]

    def run(
        *args: str,
        check: bool = True,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
    ) -> str:
        done = subprocess.run(
            [*base, *args],
            capture_output=True,
            text=True,
            timeout=60,
            input=stdin,
            env={**os.environ, **env} if env else None,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr}")
        return done.stdout if check else done.stdout + done.stderr

    run.base = base  # type: ignore[attr-defined]
    return run


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()]


def test_version_reports_1_32(kubectl):
    version = json.loads(kubectl("version", "-o", "json"))
    assert version["serverVersion"]["major"] == "1"
    assert version["serverVersion"]["minor"] == "32"
    assert version["serverVersion"]["gitVersion"].startswith("v1.32.")


def test_api_resources_and_explain(kubectl):
    resources = kubectl("api-resources", "--api-group=apps", "-o", "name")
    assert lines(resources) == [
        "controllerrevisions.apps",
        "daemonsets.apps",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
    ]
    explained = kubectl("explain", "pod.spec.containers")
    assert "KIND:       Pod" in explained and "FIELD: containers <[]Container>" in explained


def test_default_namespaces(kubectl):
    out = lines(kubectl("get", "namespaces"))
    assert out[0] == "NAME              STATUS   AGE"
    names = [re.split(r"\s+", line)[:2] for line in out[1:]]
    assert names == [
        ["default", "Active"],
        ["kube-node-lease", "Active"],
        ["kube-public", "Active"],
        ["kube-system", "Active"],
    ]


def test_create_generators_send_protobuf(kubectl):
    assert kubectl("create", "namespace", "team") == "namespace/team created\n"
    assert kubectl("create", "configmap", "cm1", "--from-literal=a=b") == "configmap/cm1 created\n"
    assert kubectl("get", "configmap", "cm1", "-o", "jsonpath={.data.a}") == "b"
    assert kubectl("create", "secret", "generic", "s1", "--from-literal=k=v") == (
        "secret/s1 created\n"
    )
    assert kubectl("create", "service", "clusterip", "svc2", "--tcp=80:8080") == (
        "service/svc2 created\n"
    )
    assert kubectl("create", "job", "j1", "--image=busybox", "--", "echo", "hi") == (
        "job.batch/j1 created\n"
    )
    assert kubectl("create", "deployment", "hello", "--image=nginx:1.25", "--replicas=2") == (
        "deployment.apps/hello created\n"
    )
    out = lines(kubectl("get", "deployment", "hello", "-o", "wide"))
    assert re.split(r"\s{2,}", out[0]) == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    cells = re.split(r"\s+", out[1])
    assert cells[:4] == ["hello", "0/2", "0", "0"]
    assert re.fullmatch(AGE, cells[4])
    assert cells[5:] == ["nginx", "nginx:1.25", "app=hello"]
    duplicate = kubectl("create", "namespace", "team", check=False)
    assert 'Error from server (AlreadyExists): namespaces "team" already exists' in duplicate


def test_apply_twice_then_server_side(kubectl, tmp_path):
    manifest = tmp_path / "app.yaml"
    manifest.write_text(MANIFEST.replace("IMAGE", "nginx:1.25"))
    assert lines(kubectl("apply", "-f", str(manifest))) == [
        "deployment.apps/web created",
        "service/web created",
        "configmap/web-config created",
    ]
    changed = MANIFEST.replace("IMAGE", "nginx:1.26").replace(
        '        - {name: B, value: "2"}\n', ""
    )
    manifest.write_text(changed)
    assert lines(kubectl("apply", "-f", str(manifest))) == [
        "deployment.apps/web configured",
        "service/web unchanged",
        "configmap/web-config unchanged",
    ]
    deployment = json.loads(kubectl("get", "deployment", "web", "-o", "json"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.26"
    assert container["env"] == [{"name": "A", "value": "1"}]
    assert deployment["metadata"]["generation"] == 2
    applied = tmp_path / "cm.yaml"
    applied.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata: {k: v}\n")
    assert kubectl("apply", "--server-side", "-f", str(applied)) == (
        "configmap/ssa serverside-applied\n"
    )


def test_get_formats(kubectl):
    out = lines(kubectl("get", "deployment", "web"))
    assert out[0] == "NAME   READY   UP-TO-DATE   AVAILABLE   AGE"
    assert re.fullmatch(rf"web    0/2     0            0           {AGE}", out[1])
    svc = lines(kubectl("get", "service", "web", "-o", "wide"))
    assert re.split(r"\s{2,}", svc[0]) == [
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "EXTERNAL-IP",
        "PORT(S)",
        "AGE",
        "SELECTOR",
    ]
    cells = re.split(r"\s+", svc[1])
    assert cells[0:2] == ["web", "ClusterIP"]
    assert re.fullmatch(r"10\.\d+\.\d+\.\d+", cells[2])
    assert cells[3:5] == ["<none>", "80/TCP"]
    assert cells[6] == "app=web"
    as_yaml = yaml.safe_load(kubectl("get", "deployment", "web", "-o", "yaml"))
    assert as_yaml["kind"] == "Deployment" and as_yaml["apiVersion"] == "apps/v1"
    assert as_yaml["spec"]["strategy"]["rollingUpdate"] == {
        "maxSurge": "25%",
        "maxUnavailable": "25%",
    }
    assert kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") == "2"
    custom = lines(
        kubectl(
            "get",
            "deployment",
            "web",
            "-o",
            "custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[0].image",
        )
    )
    assert custom == ["NAME   IMAGE", "web    nginx:1.26"]
    names = kubectl("get", "configmaps", "-o", "name")
    assert "configmap/web-config" in lines(names)
    everything = kubectl("get", "all")
    assert "service/kubernetes" in everything and "deployment.apps/web" in everything


def test_label_annotate_patch(kubectl):
    assert kubectl("label", "deployment", "web", "tier=front") == "deployment.apps/web labeled\n"
    assert kubectl("annotate", "deployment", "web", "note=x") == ("deployment.apps/web annotated\n")
    out = lines(kubectl("get", "deployment", "web", "--show-labels"))
    assert out[0].split()[-1] == "LABELS"
    assert out[1].split()[-1] == "tier=front"
    assert kubectl("patch", "deployment", "web", "-p", '{"spec":{"replicas":3}}') == (
        "deployment.apps/web patched\n"
    )
    assert (
        kubectl("patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":4}}')
        == "deployment.apps/web patched\n"
    )
    assert kubectl(
        "patch",
        "deployment",
        "web",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/replicas","value":5}]',
    ) == ("deployment.apps/web patched\n")
    assert (
        kubectl("patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":5}}')
        == "deployment.apps/web patched (no change)\n"
    )
    assert kubectl("scale", "deployment", "web", "--replicas=2") == "deployment.apps/web scaled\n"
    assert kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") == "2"


def test_errors_print_as_kubernetes_does(kubectl):
    missing = kubectl("get", "deployment", "nope", check=False)
    assert 'Error from server (NotFound): deployments.apps "nope" not found' in missing
    invalid = kubectl("create", "deployment", "Bad_Name", "--image=x", check=False)
    assert invalid.startswith(
        'error: failed to create deployment: Deployment.apps "Bad_Name" is invalid: '
        'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist '
        "of lower case alphanumeric characters, '-' or '.', and must start and end with an "
        "alphanumeric character"
    )


def test_delete_and_foreground_cascade(kubectl):
    assert kubectl("delete", "deployment", "hello") == 'deployment.apps "hello" deleted\n'
    assert "NotFound" in kubectl("get", "deployment", "hello", check=False)
    out = kubectl("delete", "configmap", "web-config", "--cascade=foreground", "--wait=false")
    assert out == 'configmap "web-config" deleted\n'
    held = json.loads(kubectl("get", "configmap", "web-config", "-o", "json"))
    assert held["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert held["metadata"]["deletionTimestamp"]


HELD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [example.com/hold]
data: {a: b}
"""


def test_foreground_delete_waits_for_the_finalizers(kubectl):
    """`kubectl delete --cascade=foreground` waits (it watches) until the object is gone; the
    object stays, with a deletionTimestamp, until a patch removes its finalizers."""
    assert kubectl("apply", "-f", "-", stdin=HELD) == "configmap/held created\n"
    deleting = subprocess.Popen(
        [*kubectl.base, "delete", "configmap", "held", "--cascade=foreground", "--timeout=30s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        meta: dict = {}
        while not meta.get("deletionTimestamp") and time.monotonic() < deadline:
            meta = json.loads(kubectl("get", "configmap", "held", "-o", "json"))["metadata"]
        assert meta["finalizers"] == ["example.com/hold", "foregroundDeletion"]
        time.sleep(0.5)
        assert deleting.poll() is None  # still waiting for the object to go
        assert json.loads(kubectl("get", "configmap", "held", "-o", "json"))["data"] == {"a": "b"}
        removed = kubectl(
            "patch",
            "configmap",
            "held",
            "--type=json",
            "-p",
            '[{"op":"remove","path":"/metadata/finalizers"}]',
        )
        assert removed == "configmap/held patched\n"
        out, err = deleting.communicate(timeout=20)
    finally:
        if deleting.poll() is None:
            deleting.kill()
            deleting.wait()
    assert deleting.returncode == 0, err
    assert out == 'configmap "held" deleted\n'
    gone = kubectl("get", "configmap", "held", check=False)
    assert 'Error from server (NotFound): configmaps "held" not found' in gone


def _editor(tmp_path: Path, name: str, script: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def test_edit_through_kube_editor(kubectl, tmp_path):
    assert kubectl("create", "deployment", "edited", "--image=nginx:1.25") == (
        "deployment.apps/edited created\n"
    )
    editor = _editor(
        tmp_path,
        "edit.sh",
        'sed -i "s/image: nginx:1.25/image: nginx:1.27/; s/replicas: 1/replicas: 3/" "$1"\n',
    )
    env = {"KUBE_EDITOR": str(editor), "TMPDIR": str(tmp_path)}
    assert kubectl("edit", "deployment", "edited", env=env) == "deployment.apps/edited edited\n"
    edited = json.loads(kubectl("get", "deployment", "edited", "-o", "json"))
    assert edited["spec"]["replicas"] == 3
    assert edited["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert edited["metadata"]["generation"] == 2
    unchanged = kubectl("edit", "deployment", "edited", env={"KUBE_EDITOR": "true"}, check=False)
    assert unchanged.strip() == "Edit cancelled, no changes made."
    assert (
        json.loads(kubectl("get", "deployment", "edited", "-o", "json"))["metadata"][
            "resourceVersion"
        ]
        == edited["metadata"]["resourceVersion"]
    )


def test_edit_refused_by_validation_reopens_with_the_causes(kubectl, tmp_path):
    """On 422 kubectl reopens the file headed by the server's causes (`# * field: message`);
    an unchanged second save cancels the edit."""
    kubectl("create", "configmap", "edited-cm", "--from-literal=a=b")
    seen = tmp_path / "seen.yaml"
    editor = _editor(
        tmp_path,
        "bad.sh",
        f'cat "$1" >> {seen}\n'
        'grep -q "was not valid" "$1" && exit 0\n'
        "sed -i 's/^  name: edited-cm$/  name: edited-cm\\n  labels:\\n"
        '    bad: "no spaces allowed"/\' "$1"\n',
    )
    env = {"KUBE_EDITOR": str(editor), "TMPDIR": str(tmp_path)}
    out = kubectl("edit", "configmap", "edited-cm", env=env, check=False)
    assert 'error: configmaps "edited-cm" is invalid' in out
    assert "error: Edit cancelled, no valid changes were saved." in out
    header = [line for line in seen.read_text().splitlines() if line.startswith("# ")]
    assert '# configmaps "edited-cm" was not valid:' in header
    assert (
        '# * metadata.labels: Invalid value: "no spaces allowed": a valid label must be an '
        "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
        "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ) in header
    assert (
        "labels"
        not in json.loads(kubectl("get", "configmap", "edited-cm", "-o", "json"))["metadata"]
    )


def test_get_watch_prints_new_rows(kubectl):
    watcher = subprocess.Popen(
        [*kubectl.base, "get", "configmaps", "-w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        header = watcher.stdout.readline()
        assert header.split() == ["NAME", "DATA", "AGE"]
        time.sleep(0.3)
        kubectl("create", "configmap", "watched", "--from-literal=x=y")
        row = watcher.stdout.readline()
        while row.split()[0] != "watched":
            row = watcher.stdout.readline()
        assert re.fullmatch(rf"watched\s+1\s+{AGE}", row.strip())
    finally:
        watcher.kill()
        watcher.wait()


def test_get_watch_with_event_types(kubectl):
    """`get -w --output-watch-events` prints one row per event: ADDED, MODIFIED, DELETED (the
    deleted object's last state), each under the EVENT column."""
    kubectl("create", "namespace", "watching")
    kubectl("create", "configmap", "before", "-n", "watching")
    watcher = subprocess.Popen(
        [*kubectl.base, "get", "configmaps", "-n", "watching", "-w", "--output-watch-events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().split() == ["EVENT", "NAME", "DATA", "AGE"]
        assert watcher.stdout.readline().split()[:3] == ["ADDED", "before", "0"]
        kubectl("create", "configmap", "w1", "-n", "watching", "--from-literal=a=b")
        kubectl("label", "configmap", "w1", "-n", "watching", "x=y")
        kubectl(
            "create",
            "configmap",
            "w2",
            "-n",
            "watching",
            "--from-literal=a=b",
            "--from-literal=c=d",
        )
        kubectl("delete", "configmap", "w1", "-n", "watching")
        rows = [watcher.stdout.readline().split() for _ in range(4)]
    finally:
        watcher.kill()
        watcher.wait()
    assert [row[:3] for row in rows] == [
        ["ADDED", "w1", "1"],
        ["MODIFIED", "w1", "1"],
        ["ADDED", "w2", "2"],
        ["DELETED", "w1", "1"],
    ]
    assert all(len(row) == 4 and re.fullmatch(AGE, row[3]) for row in rows)


def test_delete_namespace_leaves_it_terminating(kubectl):
    out = kubectl("delete", "namespace", "team", "--wait=false")
    assert out == 'namespace "team" deleted\n'
    status = lines(kubectl("get", "namespace", "team"))[1].split()
    assert status[:2] == ["team", "Terminating"]
