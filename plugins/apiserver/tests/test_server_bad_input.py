"""Bad input, as issue 3 lists it: malformed bodies, wrong types, missing required fields,
huge names, invalid label values, unknown fields, stale resourceVersions, and random objects.
Every answer is a 4xx ``Status`` with the code's reason, and the whole store is unchanged
afterwards (every key, value and revision under ``/registry/``), as is a following list."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: The reason each failing code carries (k8s.io/apimachinery/pkg/api/errors).
REASONS: dict[int, set[str]] = {
    400: {"BadRequest"},
    403: {"Forbidden"},
    404: {"NotFound"},
    409: {"AlreadyExists", "Conflict"},
    413: {"RequestEntityTooLarge"},
    415: {"UnsupportedMediaType"},
    422: {"Invalid"},
}

NS = "/api/v1/namespaces/default"
PATHS: dict[str, str] = {
    "ConfigMap": f"{NS}/configmaps",
    "Secret": f"{NS}/secrets",
    "Pod": f"{NS}/pods",
    "Service": f"{NS}/services",
    "Deployment": "/apis/apps/v1/namespaces/default/deployments",
    "Job": "/apis/batch/v1/namespaces/default/jobs",
    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
    "Lease": "/apis/coordination.k8s.io/v1/namespaces/default/leases",
    "EndpointSlice": "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
    "Node": "/api/v1/nodes",
    "Namespace": "/api/v1/namespaces",
}

_TEMPLATE = {
    "metadata": {"labels": {"app": "x"}},
    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
}


def valid(kind: str, name: str) -> dict[str, Any]:
    """A minimal valid object of ``kind`` named ``name``."""
    meta = {"name": name}
    bodies: dict[str, dict[str, Any]] = {
        "ConfigMap": {"data": {"k": "v"}},
        "Secret": {"stringData": {"k": "v"}},
        "Pod": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}},
        "Service": {"spec": {"ports": [{"port": 80}], "selector": {"app": "x"}}},
        "Deployment": {"spec": {"selector": {"matchLabels": {"app": "x"}}, "template": _TEMPLATE}},
        "Job": {
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "busybox"}],
                    }
                }
            }
        },
        "Role": {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        "RoleBinding": {
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "alice"}],
        },
        "Lease": {"spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}},
        "EndpointSlice": {
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.1"]}],
            "ports": [{"port": 80, "protocol": "TCP"}],
        },
        "Node": {},
        "Namespace": {},
    }
    return copy.deepcopy({"metadata": meta, **bodies[kind]})


async def store_snapshot(apiserver: Any) -> dict[str, tuple[bytes, int]]:
    """Every key under ``/registry/`` with its value and mod revision."""
    result = await apiserver.storage.range("/registry/")
    return {kv.key: (kv.value, kv.mod_revision) for kv in result.items}


def assert_status(reply: Any, code: int, reason: str | None = None) -> dict[str, Any]:
    """``reply`` is a failure ``Status`` with ``code`` and the reason that code carries."""
    assert reply.status == code, reply
    status = reply.body
    assert status is not None, reply
    assert (status["kind"], status["apiVersion"], status["status"]) == ("Status", "v1", "Failure")
    assert status["code"] == code
    assert status["reason"] in REASONS[code], status
    if reason is not None:
        assert status["reason"] == reason, status
    assert status["message"], status
    if code == 422 and " is invalid: " in status["message"]:  # a validation failure
        causes = status["details"]["causes"]
        assert causes and all(c["message"] and c["reason"] for c in causes), status
    return status


CM = PATHS["ConfigMap"]
DEPLOY = PATHS["Deployment"]
LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
YAML = "application/yaml"


@attrs.frozen
class Case:
    """One bad request and the answer Kubernetes gives it."""

    id: str
    method: str
    path: str
    body: Any
    code: int
    message: str = ""  # the message, or its start when it ends with "…"
    content_type: str = "application/json"
    params: dict[str, str] = attrs.field(factory=dict)

    def data(self) -> bytes | None:
        if self.body is None:
            return None
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


def _named(kind: str, name: str, **changes: Any) -> dict[str, Any]:
    body = valid(kind, name)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = body
        for key in parents:
            node = node.setdefault(key, {})
        if value is _DROP:
            node.pop(last, None)
        else:
            node[last] = value
    return body


_DROP = object()
POD = PATHS["Pod"]
SVC = PATHS["Service"]

CASES = [
    # malformed bodies, for several kinds, verbs and media types
    Case(
        "json-truncated",
        "POST",
        POD,
        b'{"metadata": {',
        400,
        "couldn't get version/kind; json parse error: …",
    ),
    Case("json-garbage", "POST", DEPLOY, b"\x00\xff not json", 400),
    Case("json-array", "POST", SVC, b"[1, 2]", 400),
    Case("json-string", "POST", CM, b'"text"', 400),
    Case("json-nan", "POST", CM, b'{"metadata": {"name": "x"}, "data": NaN}', 400),
    Case("yaml-broken", "POST", DEPLOY, b"metadata: [\n", 400, content_type=YAML),
    Case("yaml-tab", "POST", CM, b"metadata:\n\tname: x\n", 400, content_type=YAML),
    Case("yaml-two-documents", "POST", CM, b"a: 1\n---\nb: 2\n", 400, content_type=YAML),
    Case("put-truncated", "PUT", f"{CM}/existing", b'{"metadata":', 400),
    Case("merge-patch-truncated", "PATCH", f"{CM}/existing", b"{", 400, content_type=MERGE),
    Case("strategic-patch-list", "PATCH", f"{DEPLOY}/web", b"[1]", 400, content_type=STRATEGIC),
    Case(
        "json-patch-object",
        "PATCH",
        f"{CM}/existing",
        {"op": "add"},
        400,
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        content_type=JSON_PATCH,
    ),
    Case(
        "json-patch-missing-path",
        "PATCH",
        f"{CM}/existing",
        [{"op": "remove", "path": "/data/absent"}],
        422,
        content_type=JSON_PATCH,
    ),
    Case(
        "apply-yaml-broken",
        "PATCH",
        f"{CM}/existing",
        b"data: [",
        400,
        content_type=APPLY,
        params={"fieldManager": "t"},
    ),
    Case("delete-body-broken", "DELETE", f"{CM}/existing", b"{", 400),
    Case(
        "wrong-kind",
        "POST",
        CM,
        {**valid("Secret", "s"), "kind": "Secret"},
        400,
        "the kind in the data (Secret) does not match the expected kind (ConfigMap)",
    ),
    Case(
        "wrong-api-version",
        "POST",
        DEPLOY,
        {**valid("Deployment", "d"), "apiVersion": "v1"},
        400,
        "the API version in the data (v1) does not match the expected API version (apps/v1)",
    ),
    Case("unknown-media-type", "POST", CM, b"<configmap/>", 415, content_type="text/xml"),
    # wrong types
    Case(
        "containers-object",
        "POST",
        POD,
        _named("Pod", "p", spec__containers={"name": "c"}),
        400,
        'Pod in version "v1" cannot be handled as a Pod: …',
    ),
    Case(
        "port-string",
        "POST",
        SVC,
        _named("Service", "s", spec__ports=[{"port": "eighty"}]),
        400,
        'Service in version "v1" cannot be handled as a Service: …',
    ),
    Case(
        "replicas-float",
        "POST",
        DEPLOY,
        _named("Deployment", "d", spec__replicas=1.5),
        400,
        'Deployment in version "v1" cannot be handled as a Deployment: …',
    ),
    Case("data-number", "POST", CM, _named("ConfigMap", "c", data={"k": 1}), 400),
    Case("labels-list", "POST", CM, _named("ConfigMap", "c", metadata__labels=["a"]), 400),
    Case("name-number", "POST", CM, {"metadata": {"name": 5}}, 400),
    Case("metadata-string", "POST", CM, {"metadata": "x"}, 400),
    Case(
        "put-wrong-type",
        "PUT",
        f"{DEPLOY}/web",
        _named("Deployment", "web", spec__replicas="3"),
        400,
    ),
    Case(
        "patch-to-wrong-type",
        "PATCH",
        f"{DEPLOY}/web",
        {"spec": {"replicas": "many"}},
        400,
        content_type=MERGE,
    ),
    # missing required fields
    Case(
        "no-name",
        "POST",
        CM,
        {"data": {}},
        422,
        'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    ),
    Case(
        "no-containers",
        "POST",
        POD,
        _named("Pod", "p", spec__containers=_DROP),
        422,
        'Pod "p" is invalid: spec.containers: Required value',
    ),
    Case(
        "no-image",
        "POST",
        POD,
        _named("Pod", "p", spec__containers=[{"name": "c"}]),
        422,
        'Pod "p" is invalid: spec.containers[0].image: Required value',
    ),
    Case(
        "no-ports",
        "POST",
        SVC,
        _named("Service", "s", spec__ports=_DROP),
        422,
        'Service "s" is invalid: spec.ports: Required value',
    ),
    Case(
        "no-selector",
        "POST",
        DEPLOY,
        _named("Deployment", "d", spec__selector=_DROP),
        422,
        'Deployment.apps "d" is invalid: …',
    ),
    Case(
        "no-role-ref",
        "POST",
        PATHS["RoleBinding"],
        _named("RoleBinding", "rb", roleRef=_DROP),
        422,
        'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: …',
    ),
    Case(
        "no-address-type",
        "POST",
        PATHS["EndpointSlice"],
        _named("EndpointSlice", "es", addressType=_DROP),
        422,
        'EndpointSlice.discovery.k8s.io "es" is invalid: addressType: Required value',
    ),
    # huge names
    Case(
        "name-254",
        "POST",
        CM,
        valid("ConfigMap", "a" * 254),
        422,
        f'ConfigMap "{"a" * 254}" is invalid: metadata.name: Invalid value: "{"a" * 254}": '
        "must be no more than 253 characters",
    ),
    Case(
        "deployment-name-254",
        "POST",
        DEPLOY,
        valid("Deployment", "d" * 254),
        422,
        f'Deployment.apps "{"d" * 254}" is invalid: …',
    ),
    Case(
        "namespace-64",
        "POST",
        PATHS["Namespace"],
        valid("Namespace", "n" * 64),
        422,
        f'Namespace "{"n" * 64}" is invalid: [metadata.name: Invalid value: "{"n" * 64}": '
        "must be no more than 63 characters, …",
    ),
    Case(
        "service-64",
        "POST",
        SVC,
        valid("Service", "s" * 64),
        422,
        f'Service "{"s" * 64}" is invalid: metadata.name: Invalid value: "{"s" * 64}": '
        "must be no more than 63 characters",
    ),
    Case(
        "name-uppercase",
        "POST",
        CM,
        valid("ConfigMap", "Bad"),
        422,
        'ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad": a lowercase RFC '
        "1123 subdomain must consist of …",
    ),
    Case(
        "service-name-dot",
        "POST",
        SVC,
        valid("Service", "a.b"),
        422,
        'Service "a.b" is invalid: metadata.name: Invalid value: "a.b": a DNS-1035 label '
        "must consist of …",
    ),
    # invalid label values and keys
    Case(
        "label-space",
        "POST",
        CM,
        _named("ConfigMap", "c", metadata__labels={"k": "a b"}),
        422,
        f'ConfigMap "c" is invalid: metadata.labels: Invalid value: "a b": {LABEL_VALUE_RULE}',
    ),
    Case(
        "label-64",
        "POST",
        CM,
        _named("ConfigMap", "c", metadata__labels={"k": "v" * 64}),
        422,
        f'ConfigMap "c" is invalid: metadata.labels: Invalid value: "{"v" * 64}": must be no '
        "more than 63 characters",
    ),
    Case("label-key", "POST", CM, _named("ConfigMap", "c", metadata__labels={"a/b/c": "v"}), 422),
    Case(
        "label-on-update",
        "PATCH",
        f"{CM}/existing",
        {"metadata": {"labels": {"k": "-bad-"}}},
        422,
        content_type=MERGE,
    ),
    Case(
        "selector-label",
        "POST",
        DEPLOY,
        _named("Deployment", "d", spec__selector={"matchLabels": {"app": "x y"}}),
        422,
    ),
    # unknown fields under Strict
    Case(
        "strict-create",
        "POST",
        CM,
        {**valid("ConfigMap", "c"), "spec": {}},
        400,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "spec"',
        params={"fieldValidation": "Strict"},
    ),
    Case(
        "strict-nested",
        "POST",
        POD,
        _named("Pod", "p", spec__containers=[{"name": "c", "image": "i", "imagee": "x"}]),
        400,
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field '
        '"spec.containers[0].imagee"',
        params={"fieldValidation": "Strict"},
    ),
    Case(
        "strict-put",
        "PUT",
        f"{DEPLOY}/web",
        _named("Deployment", "web", spec__bogus=1),
        400,
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.bogus"',
        params={"fieldValidation": "Strict"},
    ),
    Case(
        "strict-patch",
        "PATCH",
        f"{CM}/existing",
        {"bogus": 1},
        400,
        params={"fieldValidation": "Strict"},
        content_type=MERGE,
    ),
    Case(
        "field-validation-value",
        "POST",
        CM,
        valid("ConfigMap", "c"),
        400,
        params={"fieldValidation": "Loose"},
    ),
    # stale resourceVersions, existing objects, namespaces
    Case(
        "stale-put",
        "PUT",
        f"{CM}/existing",
        _named("ConfigMap", "existing", metadata__resourceVersion="STALE"),
        409,
        'Operation cannot be fulfilled on configmaps "existing": the object has been '
        "modified; please apply your changes to the latest version and try again",
    ),
    Case(
        "stale-patch",
        "PATCH",
        f"{DEPLOY}/web",
        {"metadata": {"resourceVersion": "STALE"}, "spec": {"replicas": 9}},
        409,
        'Operation cannot be fulfilled on deployments.apps "web": the object has been '
        "modified; please apply your changes to the latest version and try again",
        content_type=MERGE,
    ),
    Case(
        "stale-delete",
        "DELETE",
        f"{CM}/existing",
        {"preconditions": {"resourceVersion": "STALE"}},
        409,
    ),
    Case(
        "already-exists",
        "POST",
        CM,
        valid("ConfigMap", "existing"),
        409,
        'configmaps "existing" already exists',
    ),
    Case(
        "put-absent",
        "PUT",
        f"{CM}/absent",
        valid("ConfigMap", "absent"),
        404,
        'configmaps "absent" not found',
    ),
    Case(
        "patch-absent",
        "PATCH",
        f"{CM}/absent",
        {"data": {}},
        404,
        'configmaps "absent" not found',
        content_type=MERGE,
    ),
    Case(
        "missing-namespace",
        "POST",
        "/api/v1/namespaces/nope/configmaps",
        valid("ConfigMap", "c"),
        404,
        'namespaces "nope" not found',
    ),
    Case(
        "name-mismatch",
        "PUT",
        f"{CM}/existing",
        valid("ConfigMap", "other"),
        400,
        "the name of the object (other) does not match the name on the URL (existing)",
    ),
    Case(
        "immutable-selector",
        "PATCH",
        f"{DEPLOY}/web",
        {
            "spec": {
                "selector": {"matchLabels": {"app": "y"}},
                "template": {"metadata": {"labels": {"app": "y"}}},
            }
        },
        422,
        content_type=MERGE,
    ),
    Case(
        "oversized",
        "POST",
        CM,
        _named("ConfigMap", "big", data={"k": "x" * (3 << 20)}),
        413,
        "Request entity too large: limit is 3145728",
    ),
]


@pytest.fixture
async def seeded(client) -> dict[str, dict[str, Any]]:
    """The objects the update cases touch (a Service, so allocations exist too)."""
    created = {}
    for kind, name in (("ConfigMap", "existing"), ("Deployment", "web"), ("Service", "svc")):
        reply = await client.post(PATHS[kind], valid(kind, name))
        assert reply.status == 201, reply
        created[kind] = reply.body
    return created


async def _list(client, case: Case) -> list[dict[str, Any]]:
    """The collection the case writes to, as a list (empty when it does not exist)."""
    collection = case.path if case.method == "POST" else case.path.rsplit("/", 1)[0]
    reply = await client.get(collection)
    return reply.body["items"] if reply.status == 200 else []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_bad_request_is_a_4xx_status_and_changes_nothing(client, apiserver, seeded, case):
    data = case.data()
    if data is not None and b"STALE" in data:
        stale = seeded["ConfigMap" if "/configmaps/" in case.path else "Deployment"]
        data = data.replace(b"STALE", stale["metadata"]["resourceVersion"].encode())
        await client.patch(case.path, {"metadata": {"annotations": {"touched": "yes"}}})
    before = await store_snapshot(apiserver)
    listed = await _list(client, case)
    reply = await client.request(
        case.method, case.path, data=data, content_type=case.content_type, params=case.params
    )
    status = assert_status(reply, case.code)
    if case.message.endswith("…"):
        assert status["message"].startswith(case.message[:-1]), status["message"]
    elif case.message:
        assert status["message"] == case.message
    assert await store_snapshot(apiserver) == before
    assert await _list(client, case) == listed


# Random objects: a valid object of a kind with a few of its fields (or new ones) replaced by
# arbitrary JSON values — wrong types, bad strings, huge strings, nulls, nested junk.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        ["", "-", "a b", "Bad_Name", "x" * 64, "y" * 300, "10.96.0.1", "None", "1Gi", "Always"]
    )
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
RANDOM_KINDS = [k for k in PATHS if k != "Namespace"]


def _slots(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place in ``node`` a value can be put: each key and list item, and a new key."""
    slots: list[tuple] = []
    if isinstance(node, dict):
        slots.append((*path, "extra"))
        for key, value in node.items():
            slots.append((*path, key))
            slots += _slots(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            slots.append((*path, index))
            slots += _slots(value, (*path, index))
    return slots


def _put(obj: Any, slot: tuple, value: Any) -> None:
    node = obj
    for step in slot[:-1]:
        node = node[step]
    node[slot[-1]] = value


@st.composite
def random_objects(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    kind = draw(st.sampled_from(RANDOM_KINDS))
    obj = valid(kind, draw(st.sampled_from(["r", "existing", "web", "r-1"])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        slots = _slots(obj)
        if not slots:
            break
        _put(obj, draw(st.sampled_from(slots)), draw(JSON_VALUES))
    return kind, obj, draw(st.sampled_from(["Strict", "Warn", "Ignore"]))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=random_objects())
async def test_random_objects_are_created_whole_or_refused_cleanly(
    client, apiserver, seeded, drawn
):
    kind, obj, validation = drawn
    path = PATHS[kind]
    before = await store_snapshot(apiserver)
    reply = await client.post(path, obj, params={"fieldValidation": validation})
    if reply.status == 201:
        name = quote(reply.body["metadata"]["name"], safe="")
        got = await client.get(f"{path}/{name}")
        assert got.status == 200 and got.body == reply.body
        deleted = await client.delete(f"{path}/{name}", params={"gracePeriodSeconds": "0"})
        assert deleted.status == 200, deleted
        return
    assert 400 <= reply.status < 500, reply
    assert_status(reply, reply.status)
    assert await store_snapshot(apiserver) == before


PATCH_TYPES = [MERGE, STRATEGIC, JSON_PATCH, APPLY]
SEEDED = [("ConfigMap", "existing"), ("Deployment", "web"), ("Service", "svc")]


@st.composite
def random_patches(draw: st.DrawFn) -> tuple[str, str, str, Any]:
    kind, name = draw(st.sampled_from(SEEDED))
    content_type = draw(st.sampled_from(PATCH_TYPES))
    if content_type == JSON_PATCH:
        op = st.fixed_dictionaries(
            {
                "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "x"]),
                "path": st.sampled_from(["/spec/replicas", "/data/k", "/metadata/labels", "/", ""]),
                "value": JSON_VALUES,
            }
        )
        body: Any = draw(st.lists(op, max_size=3) | JSON_VALUES)
    else:
        body = {"apiVersion": valid_api_version(kind), "kind": kind, **valid(kind, name)}
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            _put(body, draw(st.sampled_from(_slots(body))), draw(JSON_VALUES))
    return kind, name, content_type, body


def valid_api_version(kind: str) -> str:
    return "apps/v1" if kind == "Deployment" else "v1"


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=random_patches())
async def test_random_patches_apply_whole_or_are_refused_cleanly(client, apiserver, seeded, drawn):
    kind, name, content_type, body = drawn
    path = f"{PATHS[kind]}/{name}"
    before = await store_snapshot(apiserver)
    params = {"fieldManager": "fuzz"} if content_type == APPLY else {}
    reply = await client.request(
        "PATCH", path, data=json.dumps(body), content_type=content_type, params=params
    )
    if reply.status == 200:
        got = await client.get(path)
        assert got.status == 200 and got.body == reply.body
        return
    assert 400 <= reply.status < 500, reply
    assert_status(reply, reply.status)
    assert await store_snapshot(apiserver) == before
