"""Whether the model answers each row inside a batch exactly as it does alone.

The generated service merges concurrent requests into one model call
(adaptive micro-batching), and promises each request exactly the answer
the model gives that request alone. That holds for a model that computes
each row by itself, as tree ensembles do; it does not for one whose
arithmetic depends on the batch: a linear model's dot products go through
BLAS, which sums a lone row and the same row inside a matrix in another
order, so the last bits differ. Which kind a model is cannot be read from
its class (a pipeline hides a linear step), so the model is asked: probe
rows alone and inside batches of several sizes and positions, compared bit
for bit. The service batches by default only when every answer matched.

The probe rows are the examples and copies of each with every float made
inexact, each by another amount: round or equal numbers would hide a
different order of summation.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

# Batch sizes the probe rows are asked in, each filled by cycling the rows
# from another starting position, so each row sits in several places.
# The largest is the service's default MAX_BATCH_ROWS.
PROBE_BATCH_SIZES = (2, 7, 64, 1024)
# Inexact copies per example; seeded, so that generation is repeatable.
COPIES, SEED = 2, 20261201

Ask = Callable[[str, list[Any]], list[Any]]


@dataclass(frozen=True)
class BatchSafety:
    """The verdict, and the evidence the service's README and metadata show.

    `deviation`, where answers differed only in their numbers (the same
    labels, keys and shapes), is the largest absolute difference measured
    between a row's answer alone and inside a batch: what `BATCHING=on`
    would cost. None where they were exact, or differed otherwise.
    """

    exact: bool
    evidence: str
    deviation: float | None = None

    def to_answer(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"exact": self.exact, "evidence": self.evidence}
        if self.deviation is not None:
            answer["deviation"] = self.deviation
        return answer


def probe_rows(
    examples: Sequence[dict[str, Any]], features: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The examples, then copies of them with inexact float values."""
    floats = [f["name"] for f in features if f["kind"] == "float"]
    draw = random.Random(SEED).uniform
    copies = []
    for _ in range(COPIES):
        for example in examples:
            copy = dict(example)
            for name in floats:
                value = example.get(name)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    # Within about a percent of the example, so still a
                    # value the model sees.
                    copy[name] = value * (1 + draw(-0.01, 0.01)) + draw(-0.01, 0.01) * (
                        1 + abs(value)
                    )
            if copy not in examples and copy not in copies:
                copies.append(copy)
    return [*examples, *copies]


def check_batching(
    ask: Ask, methods: Sequence[str], rows: Sequence[Any], alone: dict[str, list[Any]]
) -> BatchSafety:
    """Compare `rows` inside batches with `alone`, their answers one by one.

    `ask(method, instances)` answers a request as the service would.
    """
    if not rows:
        return BatchSafety(False, "no rows to compare: never batched by default")
    expected = {m: [_bits(answer) for answer in alone[m]] for m in methods}
    sizes = ", ".join(map(str, PROBE_BATCH_SIZES[:-1]))
    asked = f"inside batches of {sizes} and {PROBE_BATCH_SIZES[-1]} rows"
    first: str | None = None
    deviation: float | None = 0.0
    for size in PROBE_BATCH_SIZES:
        positions = [(size + i) % len(rows) for i in range(size)]
        for method in methods:
            answers = ask(method, [rows[p] for p in positions])
            for place, row in enumerate(positions):
                if _bits(answers[place]) == expected[method][row]:
                    continue
                first = first or (
                    f"`{method}` answered a row alone with "
                    f"{expected[method][row].decode()} and the same row in a "
                    f"batch of {size} with {_bits(answers[place]).decode()}; "
                    "its arithmetic depends on the batch, as when BLAS sums "
                    "a row alone and inside a matrix in another order"
                )
                apart = _numbers_apart(alone[method][row], answers[place])
                if apart is None:
                    deviation = None
                elif deviation is not None:
                    deviation = max(deviation, apart)
    if first is None:
        return BatchSafety(
            True,
            f"{len(rows)} rows asked alone and {asked} got identical answers, "
            "bit for bit, from every method",
        )
    if deviation is None:
        return BatchSafety(False, first)
    return BatchSafety(
        False,
        f"{first}. Over {len(rows)} rows asked alone and {asked}, answers "
        f"differed only in their numbers, by at most {deviation:.3g}",
        deviation,
    )


def _numbers_apart(alone: Any, batched: Any) -> float | None:
    """The largest difference between two answers that differ only in their
    numbers (floats; the same labels, keys and shapes), else None."""
    if isinstance(alone, bool) or isinstance(batched, bool):
        return 0.0 if alone == batched else None
    if isinstance(alone, float | int) and isinstance(batched, float | int):
        if alone == batched:
            return 0.0
        gap = abs(alone - batched)
        return gap if gap == gap else None  # NaN on one side only
    if isinstance(alone, dict) and isinstance(batched, dict):
        if alone.keys() != batched.keys():
            return None
        alone, batched = list(alone.values()), [batched[k] for k in alone]
    if isinstance(alone, list) and isinstance(batched, list):
        if len(alone) != len(batched):
            return None
        gaps = [_numbers_apart(a, b) for a, b in zip(alone, batched, strict=True)]
        known = [gap for gap in gaps if gap is not None]
        return max(known, default=0.0) if len(known) == len(gaps) else None
    return 0.0 if alone == batched else None


def _bits(answer: Any) -> bytes:
    # JSON bytes compare floats bit for bit (shortest round-trip form) and
    # NaN equal to itself.
    return orjson.dumps(answer, option=orjson.OPT_SORT_KEYS)
