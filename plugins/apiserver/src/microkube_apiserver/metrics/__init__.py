"""``metrics.k8s.io/v1beta1`` served by the API server itself, as metrics-server serves it:
node and pod usage gathered from every Ready node's kubelet Summary API."""
