"""SPDY/3.1, the transport of Kubernetes' streaming (exec, attach, port-forward): framing and
one connection's streams, for both sides — the kubelet serves it to kubectl, a CRI runtime
client speaks it to containerd's streaming server. Stdlib and attrs only."""
