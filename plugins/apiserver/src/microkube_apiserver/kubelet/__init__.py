"""Talking to kubelets: where a pod's node listens, and the requests proxied to it
(``pods/log``, ``exec``, ``attach``, ``portforward``) or made to it (``/stats/summary``)."""
