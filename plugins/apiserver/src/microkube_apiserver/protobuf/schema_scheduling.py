"""scheduling.k8s.io/v1 (k8s.io.api.scheduling.v1).

Notation: see ``schema.py``.
"""

ALIAS = "scheduling"

SCHEMA = """
PriorityClass
   1 metadata                           meta.ObjectMeta
   2 value                              int32!
   3 globalDefault                      bool
   4 description                        string
   5 preemptionPolicy                   *string
"""
