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
    """The verdict, and the evidence the service's README and metadata show."""

    exact: bool
    evidence: str

    def to_answer(self) -> dict[str, Any]:
        return {"exact": self.exact, "evidence": self.evidence}


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
    for size in PROBE_BATCH_SIZES:
        positions = [(size + i) % len(rows) for i in range(size)]
        for method in methods:
            answers = ask(method, [rows[p] for p in positions])
            for place, row in enumerate(positions):
                if _bits(answers[place]) != expected[method][row]:
                    return BatchSafety(
                        False,
                        f"`{method}` answered a row alone with "
                        f"{expected[method][row].decode()} and the same row in a "
                        f"batch of {size} with {_bits(answers[place]).decode()}; "
                        "its arithmetic depends on the batch, as when BLAS sums "
                        "a row alone and inside a matrix in another order",
                    )
    sizes = ", ".join(map(str, PROBE_BATCH_SIZES[:-1]))
    return BatchSafety(
        True,
        f"{len(rows)} rows asked alone and inside batches of {sizes} and "
        f"{PROBE_BATCH_SIZES[-1]} rows got identical answers, bit for bit, "
        "from every method",
    )


def _bits(answer: Any) -> bytes:
    # JSON bytes compare floats bit for bit (shortest round-trip form) and
    # NaN equal to itself.
    return orjson.dumps(answer, option=orjson.OPT_SORT_KEYS)
