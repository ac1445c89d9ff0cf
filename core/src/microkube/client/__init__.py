"""The async Kubernetes API client: REST, kubeconfig, informers, work queues, leader election."""
