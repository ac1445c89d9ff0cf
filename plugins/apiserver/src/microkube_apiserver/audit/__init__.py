"""The audit log: one ``audit.k8s.io/v1`` Event per request, as JSON lines, at the level an
audit Policy chooses (see :mod:`.policy` and :mod:`.log`)."""
