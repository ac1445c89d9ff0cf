"""networking.k8s.io/v1 (k8s.io.api.networking.v1): Ingress and IngressClass.

Notation: see ``schema.py``.
"""

ALIAS = "networking"

SCHEMA = """
Ingress
   1 metadata                           meta.ObjectMeta
   2 spec                               IngressSpec
   3 status                             IngressStatus
IngressSpec
   4 ingressClassName                   *string
   1 defaultBackend                     IngressBackend
   2 tls                                []IngressTLS
   3 rules                              []IngressRule
IngressTLS
   1 hosts                              []string
   2 secretName                         string
IngressStatus
   1 loadBalancer                       IngressLoadBalancerStatus
IngressLoadBalancerStatus
   1 ingress                            []IngressLoadBalancerIngress
IngressLoadBalancerIngress
   1 ip                                 string
   2 hostname                           string
   4 ports                              []IngressPortStatus
IngressPortStatus
   1 port                               int32!
   2 protocol                           string!
   3 error                              *string
IngressRule
   1 host                               string
   2 inline                             IngressRuleValue
IngressRuleValue
   1 http                               HTTPIngressRuleValue
HTTPIngressRuleValue
   1 paths                              []HTTPIngressPath
HTTPIngressPath
   1 path                               string
   3 pathType                           *string
   2 backend                            IngressBackend
IngressBackend
   4 service                            IngressServiceBackend
   3 resource                           core.TypedLocalObjectReference
IngressServiceBackend
   1 name                               string!
   2 port                               ServiceBackendPort
ServiceBackendPort
   1 name                               string
   2 number                             int32
IngressClass
   1 metadata                           meta.ObjectMeta
   2 spec                               IngressClassSpec
IngressClassSpec
   1 controller                         string
   2 parameters                         IngressClassParametersReference
IngressClassParametersReference
   1 apiGroup                           *string
   2 kind                               string!
   3 name                               string!
   4 scope                              *string
   5 namespace                          *string
"""
