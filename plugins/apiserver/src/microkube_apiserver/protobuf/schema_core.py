"""core/v1 (k8s.io.api.core.v1): Namespace, ConfigMap, Secret, Service, ServiceAccount,
ResourceQuota and object references.

Notation: see ``schema.py``.
"""

ALIAS = "core"

SCHEMA = """
SessionAffinityConfig
   1 clientIP                           ClientIPConfig
ClientIPConfig
   1 timeoutSeconds                     *int32
ServiceStatus
   1 loadBalancer                       LoadBalancerStatus
   2 conditions                         []meta.Condition
LoadBalancerStatus
   1 ingress                            []LoadBalancerIngress
LoadBalancerIngress
   1 ip                                 string
   2 hostname                           string
   3 ipMode                             *string
   4 ports                              []PortStatus
ServiceSpec
   1 ports                              []ServicePort
   2 selector                           map[string]string
   3 clusterIP                          string
  18 clusterIPs                         []string
   4 type                               string
   5 externalIPs                        []string
   7 sessionAffinity                    string
   8 loadBalancerIP                     string
   9 loadBalancerSourceRanges           []string
  10 externalName                       string
  11 externalTrafficPolicy              string
  12 healthCheckNodePort                int32
  13 publishNotReadyAddresses           bool
  14 sessionAffinityConfig              SessionAffinityConfig
  19 ipFamilies                         []string
  17 ipFamilyPolicy                     *string
  20 allocateLoadBalancerNodePorts      *bool
  21 loadBalancerClass                  *string
  22 internalTrafficPolicy              *string
  23 trafficDistribution                *string
ServicePort
   1 name                               string
   2 protocol                           string
   6 appProtocol                        *string
   3 port                               int32!
   4 targetPort                         intorstring
   5 nodePort                           int32
Service
   1 metadata                           meta.ObjectMeta
   2 spec                               ServiceSpec
   3 status                             ServiceStatus
ServiceAccount
   1 metadata                           meta.ObjectMeta
   2 secrets                            []ObjectReference
   3 imagePullSecrets                   []LocalObjectReference
   4 automountServiceAccountToken       *bool
NamespaceSpec
   1 finalizers                         []string
NamespaceStatus
   1 phase                              string
   2 conditions                         []NamespaceCondition
NamespaceCondition
   1 type                               string!
   2 status                             string!
   4 lastTransitionTime                 time
   5 reason                             string
   6 message                            string
Namespace
   1 metadata                           meta.ObjectMeta
   2 spec                               NamespaceSpec
   3 status                             NamespaceStatus
ObjectReference
   1 kind                               string
   2 namespace                          string
   3 name                               string
   4 uid                                string
   5 apiVersion                         string
   6 resourceVersion                    string
   7 fieldPath                          string
LocalObjectReference
   1 name                               string
TypedLocalObjectReference
   1 apiGroup                           *string
   2 kind                               string!
   3 name                               string!
Secret
   1 metadata                           meta.ObjectMeta
   5 immutable                          *bool
   2 data                               map[string]bytes
   4 stringData                         map[string]string
   3 type                               string
ConfigMap
   1 metadata                           meta.ObjectMeta
   4 immutable                          *bool
   2 data                               map[string]string
   3 binaryData                         map[string]bytes
PortStatus
   1 port                               int32!
   2 protocol                           string!
   3 error                              *string
ResourceQuota
   1 metadata                           meta.ObjectMeta
   2 spec                               ResourceQuotaSpec
   3 status                             ResourceQuotaStatus
ResourceQuotaSpec
   1 hard                               map[string]quantity
   2 scopes                             []string
   3 scopeSelector                      ScopeSelector
ScopeSelector
   1 matchExpressions                   []ScopedResourceSelectorRequirement
ScopedResourceSelectorRequirement
   1 scopeName                          string!
   2 operator                           string!
   3 values                             []string
ResourceQuotaStatus
   1 hard                               map[string]quantity
   2 used                               map[string]quantity
"""
