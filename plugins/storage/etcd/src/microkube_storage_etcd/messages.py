"""The etcd v3 messages this client sends and reads, built at import from etcd's published API.

etcd's ``rpc.proto`` and ``kv.proto`` (packages ``etcdserverpb`` and ``mvccpb``) are facts of
the wire: field names, numbers and types. Only the messages of the KV, Watch, Lease and
Maintenance calls used here are declared, as a ``FileDescriptorProto`` written out below; the
``protobuf`` runtime turns it into message classes (its C/upb decoder is what makes ranges of
thousands of keys cheap). Unknown fields a newer etcd adds are kept and ignored by protobuf.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
BYTES, STRING, BOOL = _F.TYPE_BYTES, _F.TYPE_STRING, _F.TYPE_BOOL
INT64, UINT64, UINT32, ENUM, MSG = (
    _F.TYPE_INT64,
    _F.TYPE_UINT64,
    _F.TYPE_UINT32,
    _F.TYPE_ENUM,
    _F.TYPE_MESSAGE,
)
REPEATED = "repeated"

#: message -> [(field, number, type, type name or None, "repeated" or oneof name or None)]
_MESSAGES: dict[str, list[tuple]] = {
    "mvccpb.KeyValue": [
        ("key", 1, BYTES),
        ("create_revision", 2, INT64),
        ("mod_revision", 3, INT64),
        ("version", 4, INT64),
        ("value", 5, BYTES),
        ("lease", 6, INT64),
    ],
    "mvccpb.Event": [
        ("type", 1, ENUM, ".mvccpb.EventType"),
        ("kv", 2, MSG, ".mvccpb.KeyValue"),
        ("prev_kv", 3, MSG, ".mvccpb.KeyValue"),
    ],
    "etcdserverpb.ResponseHeader": [
        ("cluster_id", 1, UINT64),
        ("member_id", 2, UINT64),
        ("revision", 3, INT64),
        ("raft_term", 4, UINT64),
    ],
    "etcdserverpb.RangeRequest": [
        ("key", 1, BYTES),
        ("range_end", 2, BYTES),
        ("limit", 3, INT64),
        ("revision", 4, INT64),
        ("sort_order", 5, INT64),  # enum on the wire: a varint either way
        ("sort_target", 6, INT64),
        ("serializable", 7, BOOL),
        ("keys_only", 8, BOOL),
        ("count_only", 9, BOOL),
        ("min_mod_revision", 10, INT64),
        ("max_mod_revision", 11, INT64),
    ],
    "etcdserverpb.RangeResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("kvs", 2, MSG, ".mvccpb.KeyValue", REPEATED),
        ("more", 3, BOOL),
        ("count", 4, INT64),
    ],
    "etcdserverpb.PutRequest": [
        ("key", 1, BYTES),
        ("value", 2, BYTES),
        ("lease", 3, INT64),
        ("prev_kv", 4, BOOL),
        ("ignore_value", 5, BOOL),
        ("ignore_lease", 6, BOOL),
    ],
    "etcdserverpb.PutResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("prev_kv", 2, MSG, ".mvccpb.KeyValue"),
    ],
    "etcdserverpb.DeleteRangeRequest": [
        ("key", 1, BYTES),
        ("range_end", 2, BYTES),
        ("prev_kv", 3, BOOL),
    ],
    "etcdserverpb.DeleteRangeResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("deleted", 2, INT64),
        ("prev_kvs", 3, MSG, ".mvccpb.KeyValue", REPEATED),
    ],
    "etcdserverpb.RequestOp": [
        ("request_range", 1, MSG, ".etcdserverpb.RangeRequest", "request"),
        ("request_put", 2, MSG, ".etcdserverpb.PutRequest", "request"),
        ("request_delete_range", 3, MSG, ".etcdserverpb.DeleteRangeRequest", "request"),
    ],
    "etcdserverpb.ResponseOp": [
        ("response_range", 1, MSG, ".etcdserverpb.RangeResponse", "response"),
        ("response_put", 2, MSG, ".etcdserverpb.PutResponse", "response"),
        ("response_delete_range", 3, MSG, ".etcdserverpb.DeleteRangeResponse", "response"),
    ],
    "etcdserverpb.Compare": [
        ("result", 1, INT64),  # EQUAL=0 GREATER=1 LESS=2 NOT_EQUAL=3
        ("target", 2, INT64),  # VERSION=0 CREATE=1 MOD=2 VALUE=3 LEASE=4
        ("key", 3, BYTES),
        ("version", 4, INT64, None, "target_union"),
        ("create_revision", 5, INT64, None, "target_union"),
        ("mod_revision", 6, INT64, None, "target_union"),
        ("value", 7, BYTES, None, "target_union"),
        ("lease", 8, INT64, None, "target_union"),
        ("range_end", 64, BYTES),
    ],
    "etcdserverpb.TxnRequest": [
        ("compare", 1, MSG, ".etcdserverpb.Compare", REPEATED),
        ("success", 2, MSG, ".etcdserverpb.RequestOp", REPEATED),
        ("failure", 3, MSG, ".etcdserverpb.RequestOp", REPEATED),
    ],
    "etcdserverpb.TxnResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("succeeded", 2, BOOL),
        ("responses", 3, MSG, ".etcdserverpb.ResponseOp", REPEATED),
    ],
    "etcdserverpb.CompactionRequest": [("revision", 1, INT64), ("physical", 2, BOOL)],
    "etcdserverpb.CompactionResponse": [("header", 1, MSG, ".etcdserverpb.ResponseHeader")],
    "etcdserverpb.WatchRequest": [
        ("create_request", 1, MSG, ".etcdserverpb.WatchCreateRequest", "request_union"),
        ("cancel_request", 2, MSG, ".etcdserverpb.WatchCancelRequest", "request_union"),
        ("progress_request", 3, MSG, ".etcdserverpb.WatchProgressRequest", "request_union"),
    ],
    "etcdserverpb.WatchCreateRequest": [
        ("key", 1, BYTES),
        ("range_end", 2, BYTES),
        ("start_revision", 3, INT64),
        ("progress_notify", 4, BOOL),
        ("prev_kv", 6, BOOL),
    ],
    "etcdserverpb.WatchCancelRequest": [("watch_id", 1, INT64)],
    "etcdserverpb.WatchProgressRequest": [],
    "etcdserverpb.WatchResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("watch_id", 2, INT64),
        ("created", 3, BOOL),
        ("canceled", 4, BOOL),
        ("compact_revision", 5, INT64),
        ("cancel_reason", 6, STRING),
        ("events", 11, MSG, ".mvccpb.Event", REPEATED),
    ],
    "etcdserverpb.LeaseGrantRequest": [("TTL", 1, INT64), ("ID", 2, INT64)],
    "etcdserverpb.LeaseGrantResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("ID", 2, INT64),
        ("TTL", 3, INT64),
        ("error", 4, STRING),
    ],
    "etcdserverpb.LeaseRevokeRequest": [("ID", 1, INT64)],
    "etcdserverpb.LeaseRevokeResponse": [("header", 1, MSG, ".etcdserverpb.ResponseHeader")],
    "etcdserverpb.StatusRequest": [],
    "etcdserverpb.StatusResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("version", 2, STRING),
        ("dbSize", 3, INT64),
        ("leader", 4, UINT64),
        ("raftIndex", 5, UINT64),
        ("raftTerm", 6, UINT64),
    ],
    "etcdserverpb.SnapshotRequest": [],
    "etcdserverpb.SnapshotResponse": [
        ("header", 1, MSG, ".etcdserverpb.ResponseHeader"),
        ("remaining_bytes", 2, UINT64),
        ("blob", 3, BYTES),
    ],
}


def _file(package: str) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(
        name=f"microkube_etcd/{package}.proto", package=package, syntax="proto3"
    )
    if package == "mvccpb":
        enum = proto.enum_type.add(name="EventType")
        enum.value.add(name="PUT", number=0)
        enum.value.add(name="DELETE", number=1)
    else:
        proto.dependency.append("microkube_etcd/mvccpb.proto")
    for full_name, fields in _MESSAGES.items():
        pkg, name = full_name.split(".")
        if pkg != package:
            continue
        message = proto.message_type.add(name=name)
        oneofs: dict[str, int] = {}
        for field, number, type_, *rest in fields:
            type_name = rest[0] if rest else None
            extra = rest[1] if len(rest) > 1 else None
            label = _F.LABEL_REPEATED if extra == REPEATED else _F.LABEL_OPTIONAL
            desc = message.field.add(name=field, number=number, type=type_, label=label)
            if type_name:
                desc.type_name = type_name
            if extra not in (None, REPEATED):
                if extra not in oneofs:
                    oneofs[extra] = len(message.oneof_decl)
                    message.oneof_decl.add(name=extra)
                desc.oneof_index = oneofs[extra]
    return proto


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file("mvccpb"))
_POOL.Add(_file("etcdserverpb"))


def _cls(name: str) -> type:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(name))


KeyValue = _cls("mvccpb.KeyValue")
Event = _cls("mvccpb.Event")
RangeRequest = _cls("etcdserverpb.RangeRequest")
RangeResponse = _cls("etcdserverpb.RangeResponse")
PutRequest = _cls("etcdserverpb.PutRequest")
PutResponse = _cls("etcdserverpb.PutResponse")
DeleteRangeRequest = _cls("etcdserverpb.DeleteRangeRequest")
DeleteRangeResponse = _cls("etcdserverpb.DeleteRangeResponse")
RequestOp = _cls("etcdserverpb.RequestOp")
Compare = _cls("etcdserverpb.Compare")
TxnRequest = _cls("etcdserverpb.TxnRequest")
TxnResponse = _cls("etcdserverpb.TxnResponse")
CompactionRequest = _cls("etcdserverpb.CompactionRequest")
CompactionResponse = _cls("etcdserverpb.CompactionResponse")
WatchRequest = _cls("etcdserverpb.WatchRequest")
WatchCreateRequest = _cls("etcdserverpb.WatchCreateRequest")
WatchCancelRequest = _cls("etcdserverpb.WatchCancelRequest")
WatchProgressRequest = _cls("etcdserverpb.WatchProgressRequest")
WatchResponse = _cls("etcdserverpb.WatchResponse")
LeaseGrantRequest = _cls("etcdserverpb.LeaseGrantRequest")
LeaseGrantResponse = _cls("etcdserverpb.LeaseGrantResponse")
LeaseRevokeRequest = _cls("etcdserverpb.LeaseRevokeRequest")
LeaseRevokeResponse = _cls("etcdserverpb.LeaseRevokeResponse")
StatusRequest = _cls("etcdserverpb.StatusRequest")
StatusResponse = _cls("etcdserverpb.StatusResponse")
SnapshotRequest = _cls("etcdserverpb.SnapshotRequest")
SnapshotResponse = _cls("etcdserverpb.SnapshotResponse")

#: Compare.result / Compare.target values (etcd's enums).
EQUAL, GREATER = 0, 1
TARGET_CREATE, TARGET_MOD = 1, 2
#: mvccpb.Event.type
PUT, DELETE = 0, 1
