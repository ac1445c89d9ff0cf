"""The ``lifecycle`` entry point registers the controllers under kube-controller-manager's
names, and each factory builds a controller of the contract."""

from __future__ import annotations

from microkube.client.api import ApiClient
from microkube.client.informer import SharedInformerFactory
from microkube.client.kubeconfig import ClientConfig
from microkube.contracts.controller import Controller, ControllerContext
from microkube.plugins import load_plugins

NAMES = {
    "namespace",
    "serviceaccount",
    "root-ca-cert-publisher",
    "garbagecollector",
    "endpointslice",
    "endpoints",
    "nodelifecycle",
    "podgc",
}


def test_the_entry_point_offers_every_lifecycle_controller():
    registry = load_plugins(["microkube.controllers"])
    offered = registry.registrations("microkube_controllers")
    assert {
        name for name, reg in offered.items() if reg.plugin == "microkube_controllers.lifecycle"
    } == NAMES


async def test_each_factory_builds_a_controller_without_touching_the_network():
    registry = load_plugins(["microkube.controllers"])
    offered = registry.registrations("microkube_controllers")
    client = ApiClient(ClientConfig(server="http://127.0.0.1:9"))
    context = ControllerContext(client=client, informers=SharedInformerFactory(client), options={})
    try:
        for name in NAMES:
            controller = offered[name].factory(context)
            assert isinstance(controller, Controller)
            assert controller.name == name
    finally:
        await client.close()
