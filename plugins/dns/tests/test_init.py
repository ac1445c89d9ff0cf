"""The entry point is wired: ``microkube up`` finds the dns component by name."""

from microkube.plugins import load_plugins


def test_the_dns_component_is_registered_by_its_distribution() -> None:
    registry = load_plugins(["microkube.components"])
    assert "dns" in registry.registrations("microkube_components")
    [plugin] = [p for p in registry.plugins if p.name == "dns"]
    assert plugin.distribution == "microkube-dns"
