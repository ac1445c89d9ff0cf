"""owners_selecting: the owners that may adopt an orphan pod."""

from __future__ import annotations

from microkube_controllers.common.selecting import owners_selecting


class Store:
    def __init__(self, owners):
        self.owners = owners

    def by_index(self, index, value):
        assert index == "namespace"
        return [o for o in self.owners if o["metadata"]["namespace"] == value]


def _owner(name, selector, namespace="default"):
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"selector": selector}}


def test_only_non_empty_matching_selectors_in_the_pods_namespace():
    store = Store(
        [
            _owner("web", {"matchLabels": {"app": "web"}}),
            _owner("all", {}),
            _owner("everything", {"matchLabels": {}}),
            _owner("other-ns", {"matchLabels": {"app": "web"}}, namespace="prod"),
            _owner("expr", {"matchExpressions": [{"key": "app", "operator": "Exists"}]}),
            _owner("broken", {"matchExpressions": [{"key": "app", "operator": "Nope"}]}),
            _owner("db", {"matchLabels": {"app": "db"}}),
        ]
    )
    pod = {"metadata": {"namespace": "default", "labels": {"app": "web"}}}
    assert [o["metadata"]["name"] for o in owners_selecting(store, pod)] == ["web", "expr"]
