"""The async Kubernetes API client: REST, kubeconfig, informers, work queues, leader election.

Objects travel as plain dicts in Kubernetes' JSON shape. Modules, one job each:
``kubeconfig`` (where and how to connect), ``http`` (HTTP/1.1 on asyncio streams),
``api`` (:class:`ApiClient`), ``resources`` (the resource table), ``watch``, ``errors``,
``store`` and ``informer`` (list+watch caches), ``workqueue`` and ``ratelimit``,
``leaderelection``.
"""

from microkube.client.api import PATCH_TYPES, ApiClient
from microkube.client.errors import (
    AlreadyExistsError,
    ApiError,
    BadRequestError,
    ConflictError,
    ExpiredError,
    ForbiddenError,
    GoneError,
    InternalError,
    InvalidError,
    MethodNotAllowedError,
    NotFoundError,
    RequestTimeoutError,
    ServerTimeoutError,
    ServiceUnavailableError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from microkube.client.informer import (
    Backoff,
    EventHandlerRegistration,
    Informer,
    SharedInformerFactory,
)
from microkube.client.kubeconfig import (
    ClientConfig,
    KubeConfigError,
    load_config,
    load_incluster_config,
    load_kubeconfig,
    make_kubeconfig,
    write_kubeconfig,
)
from microkube.client.leaderelection import LeaderElectionRecord, LeaderElector, LeaseLock
from microkube.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)
from microkube.client.resources import BUILTIN, Resource, ResourceTable, UnknownResourceError
from microkube.client.store import DeletedFinalStateUnknown, Store, meta_namespace_key
from microkube.client.watch import Watch, WatchEvent
from microkube.client.workqueue import DelayingQueue, RateLimitingQueue, ShutDown, WorkQueue

__all__ = [
    "BUILTIN",
    "PATCH_TYPES",
    "AlreadyExistsError",
    "ApiClient",
    "ApiError",
    "Backoff",
    "BadRequestError",
    "BucketRateLimiter",
    "ClientConfig",
    "ConflictError",
    "DelayingQueue",
    "DeletedFinalStateUnknown",
    "EventHandlerRegistration",
    "ExpiredError",
    "ForbiddenError",
    "GoneError",
    "Informer",
    "InternalError",
    "InvalidError",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "KubeConfigError",
    "LeaderElectionRecord",
    "LeaderElector",
    "LeaseLock",
    "MaxOfRateLimiter",
    "MethodNotAllowedError",
    "NotFoundError",
    "RateLimiter",
    "RateLimitingQueue",
    "RequestTimeoutError",
    "Resource",
    "ResourceTable",
    "ServerTimeoutError",
    "ServiceUnavailableError",
    "SharedInformerFactory",
    "ShutDown",
    "Store",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "UnknownResourceError",
    "UnsupportedMediaTypeError",
    "Watch",
    "WatchEvent",
    "WorkQueue",
    "default_controller_rate_limiter",
    "load_config",
    "load_incluster_config",
    "load_kubeconfig",
    "make_kubeconfig",
    "meta_namespace_key",
    "write_kubeconfig",
]
