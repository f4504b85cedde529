"""The serving benchmark's rounds brought together, and its goals checked.

On a small shared machine one load's figure moves by up to 30% from one
run to the next, as much as the differences the benchmark is after. A
round sends each load to every server in turn, seconds apart, the next
round in another order; a server's figure is the median of its rounds, and
its rate against another server the median of the two's ratios round by
round.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from serving import Figure

HAND_WRITTEN, MLSERVER = "hand-written", "mlserver batching"


def same_load(one: Figure, other: Figure) -> bool:
    return (one.model, one.connections, one.rows) == (
        other.model,
        other.connections,
        other.rows,
    )


def versus(
    figure: Figure, server: str, figures: list[Figure], field: str = "rate"
) -> float | None:
    """`figure`'s server's `field` (its rate, or a latency) under its load
    against `server`'s: the median of their ratios in the rounds both ran
    (None if none)."""
    theirs = {
        f.round: getattr(f, field)
        for f in figures
        if f.server == server and same_load(f, figure)
    }
    ratios = [
        getattr(f, field) / theirs[f.round]
        for f in figures
        if f.server == figure.server and same_load(f, figure) and theirs.get(f.round)
    ]
    return statistics.median(ratios) if ratios else None


def medians(figures: list[Figure]) -> list[Figure]:
    """One figure per server and load, in the order they first ran: the
    median rate and latencies of its rounds, its bad and wrong answers
    added up."""
    merged: dict[tuple[str, str, int, int], list[Figure]] = {}
    for f in figures:
        merged.setdefault((f.model, f.server, f.connections, f.rows), []).append(f)
    return [
        replace(
            rounds[0],
            rate=statistics.median(f.rate for f in rounds),
            p50_ms=statistics.median(f.p50_ms for f in rounds),
            p99_ms=statistics.median(f.p99_ms for f in rounds),
            bad=sum(f.bad for f in rounds),
            wrong=sum(f.wrong for f in rounds),
            round=-1,
        )
        for rounds in merged.values()
    ]


@dataclass(frozen=True)
class Goal:
    """A goal of the service against a peer under one load (issue 27's): its
    rate at least `bound` times the peer's, or its p50 latency at most."""

    text: str
    runtime: str
    connections: int
    rows: int
    # "minimal": the service's backend's minimal app; else MLServer.
    peer: str
    bound: float
    # The figure compared: "rate" (at least `bound`) or "p50_ms" (at most).
    by: str = "rate"
    # The load's 99th percentile latency at most this.
    p99_ms: float = float("inf")

    def peer_of(self, backend: str) -> str:
        return f"{backend} minimal" if self.peer == "minimal" else MLSERVER

    def met(self, ratio: float, p99_ms: float) -> bool:
        within = ratio <= self.bound if self.by == "p50_ms" else ratio >= self.bound
        return within and p99_ms <= self.p99_ms


GOALS = (
    Goal(
        "onnx, 1 row, 32 conns: >= 70% of minimal",
        "onnx",
        32,
        1,
        "minimal",
        0.7,
        p99_ms=20,
    ),
    Goal("/health, 32 conns: >= 80% of minimal", "onnx", 32, 0, "minimal", 0.8),
    Goal(
        "onnx, 1 row, 1 conn: p50 <= 1.5x minimal",
        "onnx",
        1,
        1,
        "minimal",
        1.5,
        "p50_ms",
    ),
    Goal("native, 100 rows, 32 conns: >= 1.5x MLS", "native", 32, 100, "mlserver", 1.5),
    Goal("onnx, 100 rows, 32 conns: >= 4x MLS", "onnx", 32, 100, "mlserver", 4),
    Goal("native, 1 row, 32 conns: >= 1.5x MLS", "native", 32, 1, "mlserver", 1.5),
)


def goal_lines(figures: list[Figure], backends: list[str]) -> list[str]:
    """Each goal per backend with batching on, as measured: the median of
    the rounds' ratios, and the p99 latency where the goal bounds it."""
    lines = []
    for goal in GOALS:
        for backend in backends:
            server = f"{backend} {goal.runtime} on"
            ours = [
                f
                for f in figures
                if f.server == server
                and (f.connections, f.rows) == (goal.connections, goal.rows)
            ]
            if not ours:
                continue
            ratio = versus(ours[0], goal.peer_of(backend), figures, goal.by)
            if ratio is None:
                continue
            p99 = statistics.median(f.p99_ms for f in ours)
            tail = f", p99 {p99:.1f} ms" if goal.p99_ms < float("inf") else ""
            lines.append(
                f"{goal.text:<46} {backend:>8} {ratio:6.2f}x{tail}"
                f"  {'met' if goal.met(ratio, p99) else 'NOT met'}"
            )
    return lines
