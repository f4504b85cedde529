"""Adaptive micro-batching (`src/PACKAGE/batching.py`), in process.

The model here is a stand-in that records each call and can be held inside
one, so that the tests decide what is queued while the model runs; the real
models are batched over real sockets in `test_batching_over_sockets.py`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import Core


class Model:
    """Answers `method:value` per row, records each call, refuses 13."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Any]]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.threads: set[str] = set()
        # Each call's thread, in order; and how long each call takes.
        self.call_threads: list[str] = []
        self.delay = 0.0

    def hold_next_call(self) -> None:
        self.entered.clear()
        self.release.clear()

    def run(self, method: str, batch: Any) -> list[Any]:
        self.threads.add(threading.current_thread().name)
        self.call_threads.append(threading.current_thread().name)
        time.sleep(self.delay)
        values = list(batch.columns["x"])
        self.calls.append((method, values))
        self.entered.set()
        self.release.wait(30)
        if 13 in values:
            raise ValueError("13 is refused")
        answers = [f"{method}:{value}" for value in values]
        # 99 makes a call of several rows lose its last answer, as a faulty
        # adapter might.
        return answers[:-1] if 99 in values and len(values) > 1 else answers


@pytest.fixture
def model() -> Model:
    return Model()


@pytest.fixture
def batcher_for(core: Core, model: Model) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def make(max_rows: int = 100, max_wait: float = 0.0) -> Any:
        batcher = core.module("batching").Batcher(model.run, max_rows, max_wait)
        made.append(batcher)
        return batcher

    yield make
    model.release.set()
    for batcher in made:
        batcher.close()


def rows(core: Core, *values: Any) -> Any:
    return core.module("validation").Batch({"x": list(values)}, len(values))


class Requests:
    """Requests sent from threads of their own, as a threaded server does."""

    def __init__(self, batcher: Any) -> None:
        self.batcher = batcher
        self.threads: list[threading.Thread] = []
        self.outcomes: dict[str, Any] = {}

    def send(self, name: str, method: str, batch: Any, queued: int) -> None:
        def call() -> None:
            try:
                self.outcomes[name] = self.batcher.call(method, batch)
            except ValueError as error:
                self.outcomes[name] = error

        thread = threading.Thread(target=call)
        thread.start()
        self.threads.append(thread)
        wait_until(lambda: self.batcher.waiting == queued)

    def answered(self) -> dict[str, Any]:
        for thread in self.threads:
            thread.join(30)
        return self.outcomes


def wait_until(condition: Callable[[], bool]) -> None:
    event = threading.Event()
    for _ in range(3000):
        if condition():
            return
        event.wait(0.01)
    pytest.fail("the condition never held")


def busy(core: Core, model: Model, batcher: Any) -> Requests:
    """A batcher whose model is inside a call for request `first` (value 0)."""
    requests = Requests(batcher)
    model.hold_next_call()
    requests.send("first", "predict", rows(core, 0), queued=0)
    assert model.entered.wait(30)
    return requests


def test_requests_arriving_during_a_call_share_the_next_in_order(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    requests = busy(core, model, batcher_for())
    requests.send("a", "predict", rows(core, 1, 2), queued=1)
    requests.send("b", "predict", rows(core, 3), queued=2)
    requests.send("c", "predict", rows(core, 4, 5, 6), queued=3)
    model.release.set()
    assert requests.answered() == {
        "first": ["predict:0"],
        "a": ["predict:1", "predict:2"],
        "b": ["predict:3"],
        "c": ["predict:4", "predict:5", "predict:6"],
    }
    assert model.calls == [("predict", [0]), ("predict", [1, 2, 3, 4, 5, 6])]
    assert model.threads == {"model-batcher"}


def test_rows_the_model_refuses_fail_their_own_request_only(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    requests = busy(core, model, batcher_for())
    requests.send("good", "predict", rows(core, 1), queued=1)
    requests.send("bad", "predict", rows(core, 2, 13), queued=2)
    requests.send("also good", "predict", rows(core, 3), queued=3)
    model.release.set()
    outcomes = requests.answered()
    assert outcomes["good"] == ["predict:1"] and outcomes["also good"] == ["predict:3"]
    assert str(outcomes["bad"]) == "13 is refused"
    # The merged call was refused, then each request was asked alone.
    assert model.calls[1:] == [
        ("predict", [1, 2, 13, 3]),
        ("predict", [1]),
        ("predict", [2, 13]),
        ("predict", [3]),
    ]


def test_a_merged_call_that_misses_an_answer_is_asked_request_by_request(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    requests = busy(core, model, batcher_for())
    requests.send("a", "predict", rows(core, 1), queued=1)
    requests.send("b", "predict", rows(core, 99), queued=2)
    model.release.set()
    assert requests.answered() == {
        "first": ["predict:0"], "a": ["predict:1"], "b": ["predict:99"]
    }  # fmt: skip
    assert model.calls[1:] == [
        ("predict", [1, 99]), ("predict", [1]), ("predict", [99])
    ]  # fmt: skip


def test_a_request_over_max_rows_goes_alone_and_next(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    requests = busy(core, model, batcher_for(max_rows=3))
    requests.send("small", "predict", rows(core, 1, 2), queued=1)
    requests.send("large", "predict", rows(core, 3, 4, 5, 6), queued=2)
    requests.send("fits", "predict", rows(core, 7), queued=3)
    requests.send("later", "predict", rows(core, 8), queued=4)
    model.release.set()
    requests.answered()
    assert model.calls[1:] == [
        ("predict", [1, 2, 7]),
        ("predict", [3, 4, 5, 6]),
        ("predict", [8]),
    ]


def test_each_call_is_for_one_method(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    requests = busy(core, model, batcher_for())
    requests.send("a", "predict", rows(core, 1), queued=1)
    requests.send("b", "predict_proba", rows(core, 2), queued=2)
    requests.send("c", "predict", rows(core, 3), queued=3)
    model.release.set()
    assert requests.answered()["b"] == ["predict_proba:2"]
    assert model.calls[1:] == [("predict", [1, 3]), ("predict_proba", [2])]


def test_a_set_wait_holds_an_idle_batch_open_until_it_is_full(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    requests = Requests(batcher_for(max_rows=3, max_wait=30.0))
    requests.send("a", "predict", rows(core, 1), queued=1)
    requests.send("b", "predict", rows(core, 2), queued=2)
    requests.send("c", "predict", rows(core, 3), queued=0)
    requests.answered()
    assert model.calls == [("predict", [1, 2, 3])]


def test_a_request_whose_client_left_is_not_computed(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    batcher = batcher_for()
    model.hold_next_call()

    async def scene() -> list[Any]:
        first = asyncio.ensure_future(batcher.call_async("predict", rows(core, 0)))
        await asyncio.to_thread(model.entered.wait, 30)
        gone = asyncio.ensure_future(batcher.call_async("predict", rows(core, 1)))
        kept = asyncio.ensure_future(batcher.call_async("predict", rows(core, 2)))
        await asyncio.sleep(0)
        gone.cancel()  # what a framework does when the client disconnects
        model.release.set()
        return [await first, await kept]

    assert asyncio.run(scene()) == [["predict:0"], ["predict:2"]]
    assert model.calls == [("predict", [0]), ("predict", [2])]


def test_closing_answers_every_queued_request_then_calls_run_directly(
    core: Core, model: Model, batcher_for: Callable[..., Any]
) -> None:
    batcher = batcher_for()
    requests = busy(core, model, batcher)
    requests.send("a", "predict", rows(core, 1), queued=1)
    requests.send("b", "predict", rows(core, 2), queued=2)
    closing = threading.Thread(target=batcher.close)
    closing.start()
    model.release.set()
    closing.join(30)
    assert requests.answered() == {
        "first": ["predict:0"], "a": ["predict:1"], "b": ["predict:2"]
    }  # fmt: skip
    assert batcher.call("predict", rows(core, 3)) == ["predict:3"]
    assert threading.current_thread().name in model.threads


def test_without_batching_each_request_is_its_own_call(
    core: Core, model: Model
) -> None:
    direct = core.module("batching").DirectCalls(model.run)
    assert direct.call("predict", rows(core, 1, 2)) == ["predict:1", "predict:2"]
    answer = asyncio.run(direct.call_async("predict_proba", rows(core, 3)))
    assert answer == ["predict_proba:3"]
    assert model.calls == [("predict", [1, 2]), ("predict_proba", [3])]


@pytest.mark.parametrize("calls", ["batched", "direct"])
def test_a_call_the_model_has_shown_short_runs_on_the_event_loop(
    core: Core,
    model: Model,
    batcher_for: Callable[..., Any],
    calls: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batching = core.module("batching")
    # A bound no quick call of this model passes on a loaded machine (half
    # a millisecond can be, under the suite's other workers; 50 ms was once,
    # and 250 ms beside the browser tests).
    monkeypatch.setattr(batching, "INLINE_SECONDS", 0.5)
    strategy = batcher_for() if calls == "batched" else batching.DirectCalls(model.run)
    slow = batching.INLINE_SECONDS * 4

    async def scene() -> None:
        await strategy.call_async("predict", rows(core, 1))  # its cost unknown
        await strategy.call_async("predict", rows(core, 2))  # shown short
        model.delay = slow
        await strategy.call_async("predict", rows(core, 3))  # short no more
        model.delay = 0.0
        await strategy.call_async("predict", rows(core, 4))  # so, off the loop
        await strategy.call_async("predict", rows(core, 5, 6))  # never this many

    asyncio.run(scene())
    here = threading.current_thread().name
    on_loop = [name == here for name in model.call_threads]
    assert on_loop == [False, True, True, False, False]


def test_short_calls_one_turn_of_the_loop_brings_are_made_as_one(
    core: Core,
    model: Model,
    batcher_for: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once a turn of the loop has brought several short calls, the next
    turns' are gathered into one model call per method; each request still
    gets its own answer (and a refused row fails its own request alone), and
    a lone call is made at once again after a turn that brought one."""
    batching = core.module("batching")
    monkeypatch.setattr(batching, "INLINE_SECONDS", 0.5)
    batcher = batcher_for(max_rows=100)

    async def each(*calls: tuple[str, tuple[Any, ...]]) -> list[Any]:
        async def one(method: str, values: tuple[Any, ...]) -> Any:
            try:
                return await batcher.call_async(method, rows(core, *values))
            except ValueError as error:
                return str(error)

        return await asyncio.gather(*(one(m, v) for m, v in calls))

    async def scene() -> list[list[Any]]:
        for method in ("predict", "predict_proba"):  # shown short
            await batcher.call_async(method, rows(core, 0, 0, 0, 0))
        return [
            await each(("predict", (1,)), ("predict", (2,))),  # each at once
            await each(
                ("predict", (3,)),
                ("predict_proba", (4,)),
                ("predict", (5, 6)),
                ("predict", (13,)),
            ),
            # Gathered, as many rows a call as were shown short (4).
            await each(("predict", (7,)), ("predict", (9, 10, 11, 12))),
            await each(("predict", (8,))),  # gathered, alone
            await each(("predict", (14,))),  # at once again
        ]

    answers = asyncio.run(scene())
    assert answers == [
        [["predict:1"], ["predict:2"]],
        [["predict:3"], ["predict_proba:4"], ["predict:5", "predict:6"],
         "13 is refused"],
        [["predict:7"], ["predict:9", "predict:10", "predict:11", "predict:12"]],
        [["predict:8"]],
        [["predict:14"]],
    ]  # fmt: skip
    here = threading.current_thread().name
    assert model.calls[4:] == [
        ("predict", [3, 5, 6, 13]),  # gathered; 13 refused: each alone
        ("predict", [3]),
        ("predict", [5, 6]),
        ("predict", [13]),
        ("predict_proba", [4]),
        ("predict", [7]),
        ("predict", [9, 10, 11, 12]),
        ("predict", [8]),
        ("predict", [14]),
    ]
    assert set(model.call_threads[2:]) == {here}
