from __future__ import annotations

from typing import Any

from microkube_kubelet.pod_cidr import PodCIDRSource

from microkube.client.errors import NotFoundError


class Nodes:
    """Answers GET nodes/<name> from a list of answers (an exception is raised)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.gets = 0

    async def get(self, resource: str, name: str) -> dict[str, Any]:
        self.gets += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_the_option_wins_and_no_call_is_made() -> None:
    api = Nodes({"spec": {"podCIDR": "10.1.0.0/24"}})
    assert await PodCIDRSource(api, "n1", "10.9.0.0/24").get() == "10.9.0.0/24"
    assert api.gets == 0


async def test_waits_for_the_node_and_keeps_the_first_answer() -> None:
    api = Nodes(
        NotFoundError({"code": 404, "reason": "NotFound"}),
        {"spec": {}},
        {"spec": {"podCIDR": "10.244.5.0/24", "podCIDRs": ["10.244.5.0/24", "fd00::/64"]}},
    )
    source = PodCIDRSource(api, "n1")
    assert await source.get() == ""
    assert await source.wait(within=5, every=0.01) == "10.244.5.0/24"
    gets = api.gets
    assert await source.get() == "10.244.5.0/24" and api.gets == gets


async def test_wait_gives_up_with_nothing() -> None:
    assert await PodCIDRSource(Nodes({"spec": {}}), "n1").wait(within=0.05, every=0.01) == ""
