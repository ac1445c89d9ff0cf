"""What the scheduler measures about itself (per pod durations, outcomes), for benchmarks
and logs. Cheap: a few ``perf_counter`` reads per pod, appended to lists."""

from __future__ import annotations

import statistics

import attrs


@attrs.define
class Metrics:
    enabled: bool = False
    #: CPU seconds of the scheduling thread per pod (the work, not the waits for a CPU on a
    #: shared machine): the whole algorithm (PreFilter..Score and the choice), and its
    #: filtering (PreFilter + Filter) and scoring (PreScore..NormalizeScore) parts
    algorithm: list[float] = attrs.Factory(list)
    filter: list[float] = attrs.Factory(list)
    score: list[float] = attrs.Factory(list)
    #: wall-clock seconds per pod from the start of its binding cycle to the API server's answer
    bind: list[float] = attrs.Factory(list)
    scheduled: int = 0
    unschedulable: int = 0
    errors: int = 0
    preemptions: int = 0

    def reset(self) -> None:
        self.algorithm.clear()
        self.filter.clear()
        self.score.clear()
        self.bind.clear()
        self.scheduled = self.unschedulable = self.errors = self.preemptions = 0

    @staticmethod
    def median_ms(values: list[float]) -> float:
        return statistics.median(values) * 1000 if values else 0.0
