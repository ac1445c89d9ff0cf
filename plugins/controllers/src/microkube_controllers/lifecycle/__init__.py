"""Lifecycle controllers: namespace, serviceaccount, root-ca-cert-publisher, garbagecollector,
endpointslice, endpoints, nodelifecycle and podgc, named as kube-controller-manager names them.

Only the hook implementation lives here; each controller is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.controller import Controller, ControllerContext, ControllerFactory


def _namespace(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.namespace.controller import NamespaceController

    return NamespaceController(context)


def _serviceaccount(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.serviceaccount import ServiceAccountController

    return ServiceAccountController(context)


def _root_ca_publisher(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.rootca import RootCAPublisher

    return RootCAPublisher(context)


def _garbagecollector(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.garbagecollector.controller import GarbageCollector

    return GarbageCollector(context)


def _endpointslice(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.endpoints.slice_controller import (
        EndpointSliceController,
    )

    return EndpointSliceController(context)


def _endpoints(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.endpoints.endpoints_controller import (
        EndpointsController,
    )

    return EndpointsController(context)


def _nodelifecycle(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.nodelifecycle.controller import (
        NodeLifecycleController,
    )

    return NodeLifecycleController(context)


def _podgc(context: ControllerContext) -> Controller:
    from microkube_controllers.lifecycle.podgc.controller import PodGCController

    return PodGCController(context)


@hookimpl
def microkube_controllers() -> dict[str, ControllerFactory]:
    return {
        "namespace": _namespace,
        "serviceaccount": _serviceaccount,
        "root-ca-cert-publisher": _root_ca_publisher,
        "garbagecollector": _garbagecollector,
        "endpointslice": _endpointslice,
        "endpoints": _endpoints,
        "nodelifecycle": _nodelifecycle,
        "podgc": _podgc,
    }
