"""Counting a large body's instances before parsing it
(`src/PACKAGE/prescan.py`): exact where it answers, silent where parsing
must decide."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Core

MOST = 1000
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    # Strings full of what the count must not be fooled by.
    st.text(alphabet='{}[]"\\,: ab\n\u00e9', max_size=8),
)
INSTANCES = st.one_of(
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.text(alphabet='ab{["\\', max_size=4), SCALARS, max_size=4),
)


@pytest.fixture(scope="module")
def prescan(core: Core) -> Iterator[ModuleType]:
    module = core.module("prescan")
    # Small bodies are counted too, so that the examples stay small.
    threshold, module.PRESCAN_BYTES = module.PRESCAN_BYTES, 0
    yield module
    module.PRESCAN_BYTES = threshold


@settings(max_examples=150, deadline=None)
@given(
    instances=st.lists(INSTANCES, min_size=1, max_size=30), repeat=st.integers(1, 80)
)
def test_the_count_is_the_parsers_or_nothing(
    prescan: ModuleType, instances: list[object], repeat: int
) -> None:
    listed = instances * repeat
    body = json.dumps({"instances": listed}, indent=repeat % 3 or None).encode()
    counted = prescan.instances_over(body, MOST)
    assert counted == (len(listed) if len(listed) > MOST else None)


@pytest.mark.parametrize(
    "body",
    [
        # Another key beside the instances: parsing names it.
        b'{"instances": [' + b"[1]," * 2000 + b'[1]], "more": []}',
        b'{"rows": [' + b"[1]," * 2000 + b"[1]]}",
        b"[" + b"[1]," * 2000 + b"[1]]",
        # Unbalanced: not JSON, parsing says so.
        b'{"instances": [' + b"[1," * 2000 + b"[1]]}",
    ],
    ids=["second key", "other key", "not an object", "unbalanced"],
)
def test_a_body_of_another_shape_is_left_to_the_parser(
    prescan: ModuleType, body: bytes
) -> None:
    assert prescan.instances_over(body, MOST) is None


def test_a_large_body_is_refused_before_it_is_parsed(core: Core) -> None:
    validation = core.module("validation")
    spec = core.module("spec").ServiceSpec.load()
    body = b'{"instances": [' + b"[]," * 200_000 + b"[]]}"
    with pytest.raises(validation.ClientError) as refused:
        validation.parse_batch(body, spec, max_instances=10)
    assert (refused.value.status, refused.value.code) == (422, "too_many_instances")
    assert refused.value.message.startswith("200001 instances sent")
