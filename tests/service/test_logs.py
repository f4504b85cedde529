"""The service's log lines and request IDs (`src/PACKAGE/logs.py`)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from conftest import Core


@pytest.mark.parametrize(
    "given", ["abc-123", "0f" * 64, "trace:span/1@edge+x=y", "A.b_c"]
)
def test_a_safe_client_id_is_kept(core: Core, given: str) -> None:
    assert core.module("logs").request_id(given) == given


@pytest.mark.parametrize(
    "given", [None, "", "x" * 129, "two words", "new\nline", "<script>", "-lead", "é"]
)
def test_any_other_id_is_replaced_by_a_new_one(core: Core, given: str | None) -> None:
    made = core.module("logs").request_id(given)
    assert made != given and len(made) == 32 and int(made, 16) >= 0


def test_new_ids_never_repeat_in_a_process_nor_in_a_forked_worker(
    core: Core,
) -> None:
    logs = core.module("logs")
    made = {logs.request_id(None) for _ in range(10_000)}
    assert len(made) == 10_000
    # A worker forked by a server's master, after the master made an ID.
    code = f"""
import os
from {core.package}.mljet.logs import request_id
parent = request_id(None)
read, write = os.pipe()
if os.fork() == 0:
    os.write(write, request_id(None).encode())
    os._exit(0)
os.wait()
print(parent, os.read(read, 64).decode(), request_id(None))
"""
    env = {**os.environ, "PYTHONPATH": str(core.project / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    parent, child, parent_again = done.stdout.split()
    assert len({parent, child, parent_again, *made}) == 10_003
    assert child[:16] != parent[:16] == parent_again[:16]


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("svc.x", logging.INFO, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_text_line_cannot_be_forged_with_a_newline(core: Core) -> None:
    logs = core.module("logs")
    line = logs.TextLines().format(
        record("asked %s", "x\nINFO svc: forged", request_id="r1")
    )
    assert "\n" not in line and "x\\x0aINFO svc: forged" in line
    assert "[r1]" in line


def test_a_json_line_holds_the_access_fields(core: Core) -> None:
    logs = core.module("logs")
    access = {"method": "POST", "path": "/predict", "status": 200, "rows": 3}
    line = logs.JsonLines().format(
        record("POST /predict 200", request_id="r2", access=access)
    )
    parsed = json.loads(line)
    assert parsed["request_id"] == "r2" and parsed["level"] == "info"
    assert {k: parsed[k] for k in access} == access


def answered_once(
    core: Core, caplog: pytest.LogCaptureFixture, path: str, reply: Any
) -> tuple[Any, dict[str, Any], str]:
    """`reply` given to a request for `path`: as sent, and its access line's
    fields and message."""
    logs = core.module("logs")
    caplog.set_level(logging.INFO, logger=logs.ACCESS.name)
    with logs.answering(path.split("\r")[0], "POST", path, "abc") as access:
        sent = access.answered(reply)
    [line] = [r for r in caplog.records if r.name == logs.ACCESS.name]
    return sent, line.__dict__["access"], line.getMessage()


def test_an_answer_carries_its_id_and_leaves_one_access_line(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    reply = core.module("routes").Reply(200, b"{}", rows=4)
    sent, fields, _ = answered_once(core, caplog, "/predict\r\nX: y", reply)
    assert sent.headers["X-Request-ID"] == "abc"
    assert fields["rows"] == 4 and fields["status"] == 200
    assert fields["path"] == "/predict\\x0d\\x0aX: y"


def test_an_access_line_says_rows_only_for_an_answer_of_the_model(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    reply = core.module("routes").Reply(200, b"{}")
    _, fields, message = answered_once(core, caplog, "/health", reply)
    assert "rows" not in fields and "rows" not in message


def test_a_request_that_fails_is_no_longer_in_flight(core: Core) -> None:
    logs, metrics = core.module("logs"), core.module("metrics")

    def in_flight() -> float:
        body = metrics.exposition()[0].decode()
        [line] = [x for x in body.splitlines() if x.startswith("http_requests_in_")]
        return float(line.split()[-1])

    before = in_flight()
    with (
        pytest.raises(RuntimeError),
        logs.answering("/predict", "POST", "/predict", None),
    ):
        assert in_flight() == before + 1
        raise RuntimeError("the answer failed")
    assert in_flight() == before


@pytest.mark.parametrize("form", ["text", "json"])
def test_an_access_line_reads_the_same_with_or_without_a_log_record(
    core: Core, form: str
) -> None:
    """The service's own handler alone gets access lines written directly;
    any other logging set up (here, a filter) gets records: same line."""
    logs, routes = core.module("logs"), core.module("routes")
    package = logging.getLogger(core.module("owner").SERVICE_PACKAGE)
    kept = (list(package.handlers), package.propagate, package.level)
    written = io.StringIO()
    try:
        logs.configure("info", form)
        # As in a service, its own handler alone: pytest also captures a
        # logger that does not propagate, once a test has configured it.
        package.handlers[:] = package.handlers[-1:]
        package.handlers[-1].setStream(written)

        def answer() -> None:
            with logs.answering("/predict", "POST", "/p\nx", "abc") as access:
                access.answered(routes.Reply(201, b"{}", rows=4))

        assert logs._sole_handler() is package.handlers[-1]
        answer()
        any_filter = logging.Filter()
        logs.ACCESS.addFilter(any_filter)
        try:
            assert logs._sole_handler() is None
            answer()
        finally:
            logs.ACCESS.removeFilter(any_filter)
    finally:
        package.handlers[:] = kept[0]
        package.propagate, package.level = kept[1], kept[2]
    direct, recorded = written.getvalue().splitlines()
    if form == "json":
        lines = [json.loads(line) for line in (direct, recorded)]
        for line in lines:
            del line["time"], line["latency_ms"]
            line["message"] = re.sub(r" [0-9.]+ ms ", " - ms ", line["message"])
        assert lines[0] == lines[1]
        assert lines[0]["rows"] == 4 and lines[0]["path"] == "/p\\x0ax"
    else:
        stamp = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
        assert re.match(stamp, direct) and re.match(stamp, recorded)
        same = [
            re.sub(r" [0-9.]+ ms ", " - ms ", line[24:]) for line in (direct, recorded)
        ]
        assert same[0] == same[1]
        assert same[0].endswith("access [abc] POST /p\\x0ax 201 - ms rows=4")


class Writes(io.StringIO):
    """A stream that counts its writes (each a system call on stderr)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_access_lines_made_in_one_turn_of_the_loop_are_written_at_once(
    core: Core,
) -> None:
    """Held until the turn ends, then one write; another line, logged
    meanwhile, writes them first, so the order holds."""
    logs, routes = core.module("logs"), core.module("routes")
    package = logging.getLogger(core.module("owner").SERVICE_PACKAGE)
    kept = (list(package.handlers), package.propagate, package.level)
    stream = Writes()

    def answer(path: str) -> None:
        with logs.answering("/predict", "POST", path, None) as access:
            access.answered(routes.Reply(200, b"{}", rows=1))

    async def turns() -> list[int]:
        answer("/a")
        answer("/b")
        held = stream.writes
        await asyncio.sleep(0)  # the turn ends
        answer("/c")
        logging.getLogger(f"{package.name}.mljet").warning("other")
        answer("/d")
        await asyncio.sleep(0)
        return [held, stream.writes]

    try:
        logs.configure("info", "text")
        package.handlers[:] = package.handlers[-1:]
        package.handlers[-1].setStream(stream)
        writes = asyncio.run(turns())
        answer("/e")  # no loop: at once
    finally:
        package.handlers[:] = kept[0]
        package.propagate, package.level = kept[1], kept[2]
    assert writes == [0, 4]  # /a and /b; /c; other; /d
    assert stream.writes == 5
    said = [line.rsplit(" ", 1)[-1] if "other" in line else line.split()[6]
            for line in stream.getvalue().splitlines()]  # fmt: skip
    assert said == ["/a", "/b", "/c", "other", "/d", "/e"]
