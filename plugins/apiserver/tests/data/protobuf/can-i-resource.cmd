kubectl auth can-i list deployments.apps --namespace=kube-system
