"""The REST semantics of each verb over the store: what kube-apiserver's generic registry does."""
