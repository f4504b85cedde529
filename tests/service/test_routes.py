"""What the core and the backends' glue exchange (`src/PACKAGE/routes.py`):
routes as data, and reading a body no further than the limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from conftest import Core


def test_a_route_writes_its_parameters_in_each_frameworks_syntax(core: Core) -> None:
    routes = core.module("routes")
    route = routes.Route(routes.GET, "/docs/{name}", lambda _: None)
    assert route.path_as("<", ">") == "/docs/<name>"
    assert route.path_as("<", ":str>") == "/docs/<name:str>"
    assert not route.reads_body
    assert routes.Route(routes.POST, "/predict", lambda _: None).reads_body


@pytest.mark.parametrize(
    ("declared", "refused"),
    [(None, False), (10, False), (11, True), ("11", True), ("10", False), ("x", False)],
)
def test_a_declared_length_over_the_limit_is_refused_up_front(
    core: Core, declared: int | str | None, refused: bool
) -> None:
    assert core.module("routes").BodyLimit(10).refuses(declared) is refused


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0", 0),
        ("12", 12),
        ("9" * 18, 10**18 - 1),
        ("9" * 19, None),  # more than any limit: not read as a number
        ("\u00b2", None),  # a superscript two: str.isdigit says yes
        ("\u0663", None),  # an Arabic-Indic three
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("", None),
    ],
)
def test_a_size_in_a_header_is_ascii_digits_only(
    core: Core, text: str, number: int | None
) -> None:
    assert core.module("routes").whole_number(text) == number


def test_a_stream_is_read_no_further_than_the_limit(core: Core) -> None:
    limit = core.module("routes").BodyLimit(10)
    pulled: list[int] = []

    async def chunks(sizes: list[int]) -> AsyncIterator[bytes]:
        for size in sizes:
            pulled.append(size)
            yield b"x" * size

    assert asyncio.run(limit.read(chunks([4, 6]), None)) == b"x" * 10
    pulled.clear()
    assert asyncio.run(limit.read(chunks([4, 7, 100]), None)) is None
    assert pulled == [4, 7]  # the third chunk was never asked for
    assert asyncio.run(limit.read(b"x" * 11, None)) is None
    assert asyncio.run(limit.read(b"{}", "2")) == b"{}"


def test_a_blocking_stream_is_asked_for_one_byte_past_the_limit(core: Core) -> None:
    limit = core.module("routes").BodyLimit(10)
    asked: list[int] = []

    def read(size: int) -> bytes:
        asked.append(size)
        return b"x" * min(size, 12)

    assert limit.read_blocking(read, None) is None
    assert asked == [11]
    assert limit.read_blocking(lambda size: b"{}", 2) == b"{}"
    assert limit.read_blocking(read, 11) is None and asked == [11]
