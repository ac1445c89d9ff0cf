"""policy/v1 (k8s.io.api.policy.v1).

Notation: see ``schema.py``.
"""

ALIAS = "policy"

SCHEMA = """
PodDisruptionBudgetSpec
   1 minAvailable                       intorstring
   2 selector                           meta.LabelSelector
   3 maxUnavailable                     intorstring
   4 unhealthyPodEvictionPolicy         *string
PodDisruptionBudgetStatus
   1 observedGeneration                 int64
   2 disruptedPods                      map[string]time
   3 disruptionsAllowed                 int32!
   4 currentHealthy                     int32!
   5 desiredHealthy                     int32!
   6 expectedPods                       int32!
   7 conditions                         []meta.Condition
PodDisruptionBudget
   1 metadata                           meta.ObjectMeta
   2 spec                               PodDisruptionBudgetSpec
   3 status                             PodDisruptionBudgetStatus
Eviction
   1 metadata                           meta.ObjectMeta
   2 deleteOptions                      meta.DeleteOptions
"""
