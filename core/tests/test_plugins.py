"""Plugin loading: discovery by entry point, duplicates, import failures, misspelled hooks."""

from __future__ import annotations

import pytest

from microkube import hookimpl
from microkube.plugins import (
    PluginConflictError,
    PluginLoadError,
    SelectionError,
    load_plugins,
    registry_for,
)


def test_loads_entry_points_with_distribution_and_version(sample_plugins):
    registry = load_plugins()
    by_name = {p.name: p for p in registry.plugins}
    assert by_name["sample"].distribution == "microkube-sample-storage"
    assert by_name["sample"].version == "0.3"
    assert by_name["sample"].groups == ("microkube.storage",)
    assert by_name["sample"].hooks == ("microkube_storage_backends",)
    assert by_name["hello"].distribution == "microkube-sample-hello"
    assert registry.errors == []


def test_loads_only_requested_groups(sample_plugins):
    registry = load_plugins(["microkube.commands"])
    names = {p.name for p in registry.plugins}
    assert "hello" in names
    assert "sample" not in names


def test_unknown_group_is_refused():
    with pytest.raises(ValueError, match=r"unknown entry-point group 'microkube\.nope'"):
        load_plugins(["microkube.nope"])


def test_select_returns_factory_and_names_choices(sample_plugins):
    registry = load_plugins(["microkube.storage"])
    factory = registry.select("microkube_storage_backends", "sample")
    assert factory.__name__ == "SampleStorage"
    with pytest.raises(SelectionError) as info:
        registry.select("microkube_storage_backends", "etcd", what="storage")
    assert str(info.value) == "storage 'etcd' is not installed (installed: sample)"


def test_duplicate_entry_point_name_names_both_distributions(sample_plugins):
    sample_plugins.add(
        "microkube-other-storage",
        {"microkube.storage": {"sample": "other_storage"}},
        {"other_storage": "from microkube import hookimpl\n"},
        version="9.9",
    )
    with pytest.raises(PluginConflictError) as info:
        load_plugins(["microkube.storage"])
    message = str(info.value)
    assert "\n" not in message
    assert "'sample'" in message
    assert "microkube-other-storage 9.9" in message
    assert "microkube-sample-storage 0.3" in message


def test_plugin_raising_at_import_is_reported_and_others_load(sample_plugins):
    sample_plugins.add_broken("microkube-broken", "0.1")
    registry = load_plugins()
    assert [p.name for p in registry.plugins if p.name == "sample"] == ["sample"]
    (error,) = registry.errors
    assert error.distribution == "microkube-broken"
    text = str(error)
    assert "\n" not in text
    assert "microkube-broken 0.1" in text
    assert "RuntimeError: boom at import" in text


def test_misspelled_hookimpl_is_reported_by_distribution(sample_plugins):
    sample_plugins.add_misspelled("microkube-typo")
    registry = load_plugins()
    (error,) = registry.errors
    assert error.distribution == "microkube-typo"
    assert "'microkube_storage_backend' matches no microkube hook specification" in str(error)
    assert "typo" not in registry.registrations("microkube_storage_backends")
    # the misspelled plugin was unregistered, so pluggy has nothing pending
    registry.pm.check_pending()


def test_allow_and_block_lists(sample_plugins):
    assert {p.name for p in load_plugins(allow=["hello"]).plugins} == {
        "default-commands",
        "hello",
    }
    blocked = load_plugins(block=["microkube-sample-hello"])
    assert "hello" not in {p.name for p in blocked.plugins}
    assert "sample" in {p.name for p in blocked.plugins}


def test_environment_switch_limits_loading(sample_plugins, monkeypatch):
    monkeypatch.setenv("MICROKUBE_LOAD_PLUGINS", "sample")
    assert {p.name for p in load_plugins(builtins=False).plugins} == {"sample"}
    monkeypatch.setenv("MICROKUBE_LOAD_PLUGINS", "")
    assert load_plugins(builtins=False).plugins == []


def test_one_module_in_two_groups_registers_once(site):
    site.add(
        "microkube-dual",
        {
            "microkube.storage": {"dual": "dual_plugin"},
            "microkube.commands": {"dual": "dual_plugin"},
        },
        {
            "dual_plugin": """
            from microkube import hookimpl
            from microkube.contracts.command import Command

            @hookimpl
            def microkube_storage_backends():
                return {"dual": dict}

            @hookimpl
            def microkube_commands():
                return {"dual": Command(help="x", run=lambda args: 0)}
            """
        },
    )
    registry = load_plugins(builtins=False)
    (info,) = registry.plugins
    assert set(info.groups) == {"microkube.storage", "microkube.commands"}
    assert "dual" in registry.registrations("microkube_commands")


class _Default:
    @hookimpl(trylast=True)
    def microkube_storage_backends(self):
        return {"memory": "default-memory", "only-default": "d"}


class _Installed:
    @hookimpl
    def microkube_storage_backends(self):
        return {"memory": "installed-memory"}


class _Rival:
    @hookimpl
    def microkube_storage_backends(self):
        return {"memory": "rival-memory"}


def test_installed_plugin_overrides_trylast_default():
    registry = registry_for(("default", _Default()), ("installed", _Installed()))
    table = registry.registrations("microkube_storage_backends")
    assert table["memory"].factory == "installed-memory"
    assert table["memory"].plugin == "installed"
    assert table["memory"].overrides == ("default",)
    assert table["only-default"].factory == "d"


def test_two_ordinary_plugins_offering_one_name_conflict():
    registry = registry_for(("installed", _Installed()), ("rival", _Rival()))
    with pytest.raises(PluginConflictError, match="'memory' is offered by both"):
        registry.registrations("microkube_storage_backends")


def test_registry_for_refuses_misspelled_hooks():
    class Typo:
        @hookimpl
        def microkube_storage_backend(self):
            return {}

    with pytest.raises(PluginLoadError, match="matches no microkube hook specification"):
        registry_for(("typo", Typo()))


def test_registrations_only_for_register_hooks():
    registry = registry_for()
    with pytest.raises(ValueError, match="not a register hook"):
        registry.registrations("microkube_configure")


#: Spelled out so a new register hook needs a line here (test_hookspecs checks every hook
#: name appears in a test).
EVERY_REGISTER_HOOK = [
    "microkube_storage_backends",
    "microkube_container_runtimes",
    "microkube_scheduler_plugins",
    "microkube_controllers",
    "microkube_cni_plugins",
    "microkube_service_proxies",
    "microkube_cloud_providers",
    "microkube_admission_plugins",
    "microkube_authenticators",
    "microkube_authorizers",
    "microkube_audit_backends",
    "microkube_components",
    "microkube_commands",
]


def test_list_of_register_hooks_is_complete():
    from microkube.plugins import REGISTER_HOOKS

    assert sorted(EVERY_REGISTER_HOOK) == sorted(REGISTER_HOOKS)


@pytest.mark.parametrize("hook", EVERY_REGISTER_HOOK)
def test_every_register_hook_offers_selectable_factories(hook):
    factory = object()
    plugin = type("Plugin", (), {hook: hookimpl(lambda self: {"mine": factory})})()
    registry = registry_for(("mine", plugin))
    assert registry.select(hook, "mine") is factory
    assert registry.registrations(hook)["mine"].plugin == "mine"
