"""rbac.authorization.k8s.io/v1 (k8s.io.api.rbac.v1).

Notation: see ``schema.py``.
"""

ALIAS = "rbac"

SCHEMA = """
PolicyRule
   1 verbs                              []string
   2 apiGroups                          []string
   3 resources                          []string
   4 resourceNames                      []string
   5 nonResourceURLs                    []string
Subject
   1 kind                               string!
   2 apiGroup                           string
   3 name                               string!
   4 namespace                          string
RoleRef
   1 apiGroup                           string!
   2 kind                               string!
   3 name                               string!
Role
   1 metadata                           meta.ObjectMeta
   2 rules                              []PolicyRule
RoleBinding
   1 metadata                           meta.ObjectMeta
   2 subjects                           []Subject
   3 roleRef                            RoleRef
ClusterRole
   1 metadata                           meta.ObjectMeta
   2 rules                              []PolicyRule
   3 aggregationRule                    AggregationRule
AggregationRule
   1 clusterRoleSelectors               []meta.LabelSelector
ClusterRoleBinding
   1 metadata                           meta.ObjectMeta
   2 subjects                           []Subject
   3 roleRef                            RoleRef
"""
