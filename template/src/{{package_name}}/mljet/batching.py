# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""How the service calls its model: batched across requests, or one by one.

`Batcher` merges concurrent requests into one model call. The model runs
on one thread per worker process; a request waits in a queue, and the
thread takes the oldest one together with every queued request for the
same method that still fits in `max_rows`, runs the model once on all
their rows and hands each request its own rows' answers. An idle model so
answers a lone request at once, while a busy one gathers the requests that
arrive during a call into the next: the batch grows with the load. Under
load (the previous call served several requests) the batch is also held
open while requests keep arriving, at most `ARRIVAL_GAP` apart and never
longer than the previous call took: a threaded server (gunicorn's) brings
its requests in one thread at a time, and would otherwise run the model on
the first few while the rest are still being read.

A request is answered exactly as the model answers it alone only if the
model answers each row the same inside any batch; the generator checks
that (`spec.batching`), and batching is on by default only where it holds.
A merged call the model refuses is repeated request by request, so one
request's bad rows fail that request alone.

On an event loop, a call the model has shown to be short (`CallCosts`) runs
on the loop itself while nothing waits for the model: handing it to a
thread and back would cost more than the call. Under load, when one turn
of the loop brings several such calls, the next turns' are gathered and
made at the turn's end as one call: most of a short call is the model's
cost per call, not per row (a 100-tree ONNX forest: 8 us for one row,
0.1 ms for a hundred).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .validation import Batch

Run = Callable[[str, Batch], list[Any]]
# Seconds between arrivals that keep a batch held open under load.
ARRIVAL_GAP = 0.001
# The longest call run on the event loop itself. Handing a call to another
# thread and back costs the loop about 0.1 ms and the request a thread
# switch; a call this short blocks the loop no longer than parsing a large
# body does.
INLINE_SECONDS = 0.0005
logger = logging.getLogger(__name__)


class ModelCalls(Protocol):
    """The model as the service core calls it, whatever the strategy."""

    def call(self, method: str, batch: Batch) -> list[Any]:
        """From a server's thread: one answer per row, or the model's error."""

    async def call_async(self, method: str, batch: Batch) -> list[Any]:
        """The same from an event loop, which keeps serving meanwhile."""

    def close(self) -> None:
        """Answer every request already waiting, then stop."""


class CallCosts:
    """Which calls are short enough for the event loop, learnt from the
    model's own: per method, the most rows a call took within
    `INLINE_SECONDS`. A longer call of as many rows or fewer lowers it, so
    a model that slows down goes back to its thread; until a method has
    been timed, none of its calls is short."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._short_rows: dict[str, int] = {}

    def short(self, method: str, batch: Batch) -> bool:
        return batch.size <= self._short_rows.get(method, 0)

    def short_rows(self, method: str) -> int:
        """The most rows a call of `method` has taken within `INLINE_SECONDS`."""
        return self._short_rows.get(method, 0)

    def run(self, method: str, batch: Batch) -> list[Any]:
        """`run` the model, timed."""
        started = time.perf_counter()
        try:
            return self._run(method, batch)
        finally:
            self._note(method, batch.size, time.perf_counter() - started)

    def _note(self, method: str, rows: int, seconds: float) -> None:
        short_rows = self._short_rows.get(method, 0)
        if seconds <= INLINE_SECONDS:
            if rows > short_rows:
                self._short_rows[method] = rows
        elif rows <= short_rows:
            self._short_rows[method] = rows - 1


class DirectCalls:
    """One model call per request: in the request's thread, or from an event
    loop in a worker thread (on the loop when the call is short); each
    logged at debug, as the batcher logs its calls, unless `quiet`."""

    def __init__(self, run: Run, quiet: bool = False) -> None:
        self._costs = CallCosts(run)
        self._logged = not quiet

    def call(self, method: str, batch: Batch) -> list[Any]:
        if self._logged:
            _log_call(method, 1, batch.size)
        return self._costs.run(method, batch)

    async def call_async(self, method: str, batch: Batch) -> list[Any]:
        if self._costs.short(method, batch):
            return self.call(method, batch)
        return await asyncio.to_thread(self.call, method, batch)

    def close(self) -> None:
        pass


class _Waiting:
    """A queued request, and where its answer goes: the event its thread
    waits on, or the future its coroutine awaits."""

    __slots__ = ("method", "batch", "future", "loop", "done", "answer", "error")

    def __init__(
        self,
        method: str,
        batch: Batch,
        future: asyncio.Future[list[Any]] | None = None,
        done: threading.Event | None = None,
    ) -> None:
        self.method = method
        self.batch = batch
        self.future = future
        self.loop = future.get_loop() if future is not None else None
        self.done = done
        self.answer: list[Any] = []
        self.error: BaseException | None = None

    @property
    def abandoned(self) -> bool:
        # Its client went away and the framework cancelled the handler.
        return self.future is not None and self.future.done()


Outcome = tuple[list[Any], BaseException | None]


class _Turn:
    """The short calls one turn of an event loop brought: how many were made
    at once, and those gathered to be made together at its end."""

    __slots__ = ("calls", "gathered")

    def __init__(self) -> None:
        self.calls = 0
        self.gathered: list[_Waiting] = []


class Batcher:
    """Adaptive micro-batching on one model thread; see the module's docstring."""

    def __init__(self, run: Run, max_rows: int, max_wait_seconds: float = 0.0) -> None:
        self._costs = CallCosts(run)
        self._run = self._costs.run
        self._max_rows = max_rows
        self._max_wait = max_wait_seconds
        self._queue: deque[_Waiting] = deque()
        self._changed = threading.Condition()
        self._closing = False
        # For holding a batch open: requests queued so far, and the size and
        # duration of the previous call.
        self._arrivals = 0
        # The model thread is inside a call (read without the lock: a stale
        # value only sends a short call to the thread, or runs it beside one).
        self._calling = False
        self._last_requests = 0
        self._last_call = 0.0
        # The short calls made on each event loop in its current turn, and
        # whether the last turn brought several (then they are gathered).
        self._turns: dict[asyncio.AbstractEventLoop, _Turn] = {}
        self._gathering = False
        self._thread = threading.Thread(
            target=self._serve, name="model-batcher", daemon=True
        )
        self._thread.start()

    @property
    def waiting(self) -> int:
        """How many requests are queued for the next model calls."""
        with self._changed:
            return len(self._queue)

    def call(self, method: str, batch: Batch) -> list[Any]:
        done = threading.Event()
        waiting = _Waiting(method, batch, done=done)
        if not self._enqueue(waiting):
            return self._run(method, batch)
        done.wait()
        if waiting.error is not None:
            raise waiting.error
        return waiting.answer

    async def call_async(self, method: str, batch: Batch) -> list[Any]:
        if not (self._queue or self._calling) and self._costs.short(method, batch):
            return await self._on_loop(method, batch)
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        if not self._enqueue(_Waiting(method, batch, future)):
            return await asyncio.to_thread(self._run, method, batch)
        return await future

    async def _on_loop(self, method: str, batch: Batch) -> list[Any]:
        """A short call while the model is idle, on the loop: at once while
        the loop brings one call a turn, else gathered until the turn ends
        and made once for all (a call per request would cost more than the
        model's own work)."""
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = _Turn()
            loop.call_soon(self._end_turn, loop)
        if not self._gathering:
            turn.calls += 1
            _log_call(method, 1, batch.size)
            return self._run(method, batch)
        future: asyncio.Future[list[Any]] = loop.create_future()
        turn.gathered.append(_Waiting(method, batch, future))
        return await future

    def _end_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        """Make the calls gathered on `loop` this turn: one model call per
        method for as many rows as are known to be short; and gather in the
        next turns if this one brought several calls."""
        turn = self._turns.pop(loop)
        self._gathering = turn.calls + len(turn.gathered) > 1
        gathered = [w for w in turn.gathered if not w.abandoned]
        while gathered:
            method = gathered[0].method
            limit = max(self._costs.short_rows(method), gathered[0].batch.size)
            taken, kept, rows = [], [], 0
            for waiting in gathered:
                if waiting.method == method and rows + waiting.batch.size <= limit:
                    taken.append(waiting)
                    rows += waiting.batch.size
                else:
                    kept.append(waiting)
            _settle(list(zip(taken, self._outcomes_of(taken), strict=True)))
            gathered = kept

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()

    def _enqueue(self, waiting: _Waiting) -> bool:
        """Queue a request; False once closed (the caller runs it itself)."""
        with self._changed:
            if self._closing:
                return False
            self._queue.append(waiting)
            self._arrivals += 1
            self._changed.notify()
        return True

    def _serve(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closing:
                    self._changed.wait()
                if not self._queue:
                    return  # closing, and every queued request answered
                self._hold_open()
                taken = self._take()
                self._calling = bool(taken)
            if taken:
                self._answer(taken)
                self._calling = False

    def _hold_open(self) -> None:
        """Wait for more requests: `max_wait` if set, else while they arrive."""
        if self._max_wait:
            fixed, deadline = True, time.monotonic() + self._max_wait
        elif self._last_requests > 1:
            fixed, deadline = False, time.monotonic() + self._last_call
        else:
            return  # idle: a lone request goes at once
        method = self._queue[0].method
        while not self._closing:
            rows = sum(w.batch.size for w in self._queue if w.method == method)
            remaining = deadline - time.monotonic()
            if rows >= self._max_rows or remaining <= 0:
                return
            arrived = self._arrivals
            self._changed.wait(remaining if fixed else min(ARRIVAL_GAP, remaining))
            if not fixed and self._arrivals == arrived:
                return

    def _take(self) -> list[_Waiting]:
        """The oldest request and the queued ones for its method that fit.

        The oldest is always taken, even beyond `max_rows` (then alone), so
        no request waits behind later ones. Abandoned requests are dropped.
        """
        queue = self._queue
        while queue and queue[0].abandoned:
            queue.popleft()
        if not queue:
            return []
        first = queue.popleft()
        taken, rows = [first], first.batch.size
        kept: deque[_Waiting] = deque()
        while queue and rows < self._max_rows:
            waiting = queue.popleft()
            if waiting.abandoned:
                continue
            if waiting.method == first.method and rows + waiting.batch.size <= (
                self._max_rows
            ):
                taken.append(waiting)
                rows += waiting.batch.size
            else:
                kept.append(waiting)
        kept.extend(queue)
        self._queue = kept
        return taken

    def _answer(self, taken: list[_Waiting]) -> None:
        started = time.monotonic()
        outcomes = self._outcomes_of(taken)
        self._last_requests, self._last_call = len(taken), time.monotonic() - started
        _deliver(taken, outcomes)

    def _outcomes_of(self, taken: list[_Waiting]) -> list[Outcome]:
        """Each request's answer or error, from one call if they agree."""
        try:
            outcomes = self._outcomes(taken)
        except Exception as error:
            # A fault here must not leave requests waiting forever.
            logger.exception("the batch of %d requests failed", len(taken))
            outcomes = [([], error)] * len(taken)
        _log_call(taken[0].method, len(taken), sum(w.batch.size for w in taken))
        return outcomes

    def _outcomes(self, taken: list[_Waiting]) -> list[Outcome]:
        method, sizes = taken[0].method, [w.batch.size for w in taken]
        if len(taken) == 1:
            return [self._alone(method, taken[0].batch)]
        try:
            answers = self._run(method, Batch.joined([w.batch for w in taken]))
        except Exception:
            answers = None
        if answers is None or len(answers) != sum(sizes):
            # Someone's rows were refused (or the model did not answer each
            # row): each request alone finds whose.
            return [self._alone(method, w.batch) for w in taken]
        return _split(answers, sizes)

    def _alone(self, method: str, batch: Batch) -> Outcome:
        try:
            return self._run(method, batch), None
        except Exception as error:
            return [], error


def _log_call(method: str, requests: int, rows: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: one call for %d requests, %d rows", method, requests, rows)


def _split(answers: list[Any], sizes: Sequence[int]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    start = 0
    for size in sizes:
        outcomes.append((answers[start : start + size], None))
        start += size
    return outcomes


def _deliver(taken: list[_Waiting], outcomes: list[Outcome]) -> None:
    """Wake each request's thread; settle futures with one call per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Waiting, Outcome]]] = {}
    for waiting, outcome in zip(taken, outcomes, strict=True):
        if waiting.done is not None:
            waiting.answer, waiting.error = outcome
            waiting.done.set()
        elif waiting.loop is not None:
            by_loop.setdefault(waiting.loop, []).append((waiting, outcome))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:
            pass  # the loop has closed: nobody is waiting any more


def _settle(settled: list[tuple[_Waiting, Outcome]]) -> None:
    for waiting, (answer, error) in settled:
        future = waiting.future
        if future is None or future.done():
            continue
        if error is None:
            future.set_result(answer)
        else:
            future.set_exception(error)
