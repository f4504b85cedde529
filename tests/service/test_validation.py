"""The service's request validation (`src/PACKAGE/validation.py`), in process:
every shape of body, every kind of feature, every problem named."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pytest

from conftest import Core

GOOD = {"income": 50_000.5, "age": 40, "member": True, "plan": "gold"}


def parse(core: Core, body: Any, max_instances: int = 50) -> Any:
    validation = core.module("validation")
    spec = core.module("spec").ServiceSpec.load()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return validation.parse_batch(raw, spec, max_instances)


def refusal(core: Core, body: Any, max_instances: int = 50) -> Any:
    with pytest.raises(core.module("errors").ClientError) as refused:
        parse(core, body, max_instances)
    return refused.value


def named(error: Any) -> list[tuple[int | None, str | None]]:
    return [(p.instance, p.field) for p in error.problems]


def test_objects_and_arrays_become_the_same_columns(core: Core) -> None:
    as_objects = parse(core, {"instances": [GOOD, {**GOOD, "age": 41}]})
    as_arrays = parse(
        core,
        {
            "instances": [
                list(GOOD.values()),
                [*list(GOOD.values())[:1], 41, True, "gold"],
            ]
        },
    )
    assert as_objects == as_arrays
    assert as_objects.size == 2
    assert as_objects.columns["age"] == [40, 41]


def test_a_mix_of_objects_and_arrays_is_accepted(core: Core) -> None:
    batch = parse(core, {"instances": [GOOD, list(GOOD.values())]})
    assert batch.columns["plan"] == ["gold", "gold"]


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("income", 3, True),  # an integer is a number
        ("income", None, True),  # the sample had missing incomes
        ("income", "3", False),
        ("income", True, False),
        ("age", 40.0, True),  # an integral float is an integer
        ("age", 40.5, False),
        ("age", 2**63, False),
        ("age", -(2**63), True),
        ("age", None, True),  # the model imputes a missing age
        ("member", 1, False),
        ("member", False, True),
        ("plan", "platinum", False),
        ("plan", 1, False),
        ("plan", [], False),
    ],
)
def test_each_kind_takes_exactly_its_values(
    core: Core, field: str, value: Any, accepted: bool
) -> None:
    body = {"instances": [GOOD, {**GOOD, field: value}]}
    if accepted:
        assert parse(core, body).columns[field][1] == value
    else:
        assert named(refusal(core, body)) == [(1, field)]


def test_problems_are_named_by_instance_and_field_in_order(core: Core) -> None:
    missing = {k: v for k, v in GOOD.items() if k != "age"}
    error = refusal(
        core,
        {
            "instances": [
                {**GOOD, "plan": "x", "age": "y"},
                missing,
                {**GOOD, "z": 1},
                "s",
                [1],
            ]
        },
    )
    assert (error.status, error.code) == (422, "invalid_instances")
    assert named(error) == [
        (0, "age"),
        (0, "plan"),
        (1, "age"),
        (2, "z"),
        (3, None),
        (4, None),
    ]
    messages = [p.message for p in error.problems]
    assert messages[2] == "missing feature" and messages[3] == "unknown feature"
    assert 'unknown category "x"; expected one of' in messages[1]
    assert messages[5] == "expected an array of 4 values in feature order, got 1"


def test_an_instance_missing_a_feature_has_its_other_values_checked(
    core: Core,
) -> None:
    # Missing "age", a wrong type in "plan", and a feature no model takes.
    wrong = {k: v for k, v in GOOD.items() if k != "age"} | {"plan": 3, "z": 1}
    error = refusal(core, {"instances": [GOOD, wrong]})
    assert named(error) == [(1, "age"), (1, "plan"), (1, "z")]
    messages = [p.message for p in error.problems]
    assert messages[0] == "missing feature" and messages[2] == "unknown feature"
    assert "expected one of" in messages[1] or "must be" in messages[1]


def test_at_most_a_hundred_problems_are_reported(core: Core) -> None:
    error = refusal(
        core, {"instances": [{**GOOD, "age": "x"}] * 150}, max_instances=200
    )
    assert len(error.problems) == 100
    assert error.message == "150 problem(s) in 150 of 150 instance(s) (first 100 shown)"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"", 400, "invalid_json"),
        (b"  ", 400, "invalid_json"),
        (b'{"instances": [', 400, "invalid_json"),
        (b'{"instances": [{"income": 1e999}]}', 400, "invalid_json"),
        (b"[]", 422, "invalid_body"),
        (b'{"rows": []}', 422, "invalid_body"),
        (b'{"instances": [], "extra": 1}', 422, "invalid_body"),
        (b'{"instances": {}}', 422, "invalid_body"),
        (b'{"instances": []}', 422, "empty_batch"),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_with_its_code(
    core: Core, body: bytes, status: int, code: str
) -> None:
    error = refusal(core, body)
    assert (error.status, error.code) == (status, code)


def test_too_many_instances_is_422_as_the_documents_max_items(core: Core) -> None:
    error = refusal(core, {"instances": [GOOD] * 3}, max_instances=2)
    assert (error.status, error.code) == (422, "too_many_instances")
    assert "3 instances sent; at most 2" in error.message


def test_a_feature_that_is_not_nullable_refuses_null_even_in_a_column_of_one(
    core: Core,
) -> None:
    spec = core.module("spec").ServiceSpec.load()
    strict = dataclasses.replace(
        spec,
        features=tuple(dataclasses.replace(f, nullable=False) for f in spec.features),
    )
    validation = core.module("validation")
    body = json.dumps({"instances": [{**GOOD, "income": None}]}).encode()
    with pytest.raises(core.module("errors").ClientError) as refused:
        validation.parse_batch(body, strict, 10)
    assert refused.value.problems[0].message == "null is not allowed for this feature"


INF = float("inf")
# Requests to a model of two numbers, `a` and `b` (only `b` takes null):
# well-formed ones, and every way a request can be wrong.
NUMBER_REQUESTS = [
    [{"a": 1.5, "b": 2}],
    [[1, None], [2.5, -3.25]],
    [{"b": 0.1, "a": 2**60}],
    [{"a": 1, "b": 2}, [3, 4]],  # objects and arrays mixed
    [{"a": True, "b": 1.0}],
    [{"a": "1", "b": 1.0}],
    [{"a": None, "b": 1.0}],
    [{"a": INF, "b": 1.0}],
    [{"a": 10**400, "b": 1.0}],
    [{"a": 1.0}],
    [{"a": 1.0, "b": 2.0, "c": 3.0}],
    [[1.0]],
    [[1.0, 2.0, 3.0]],
    [5],
    [{"a": [1.0], "b": 2.0}],
]


def outcome(core: Core, instances: list[Any], spec: Any) -> tuple[Any, ...]:
    """What validation makes of `instances`: the columns, or the refusal."""
    validation, errors = core.module("validation"), core.module("errors")
    try:
        batch = validation.validated_rows(instances, spec)
    except errors.ClientError as refused:
        return ("refused", refused.status, refused.code, named(refused))
    return ("accepted", batch.size, batch.columns)


@pytest.mark.parametrize("instances", NUMBER_REQUESTS)
def test_a_model_of_numbers_reads_a_request_in_one_pass_with_the_same_outcome(
    core: Core, instances: list[Any]
) -> None:
    spec_module = core.module("spec")
    spec = spec_module.ServiceSpec.load()
    numbers = dataclasses.replace(
        spec,
        features=(
            spec_module.FeatureSpec("a", "float", False, "float64"),
            spec_module.FeatureSpec("b", "float", True, "float64"),
        ),
    )
    general = dataclasses.replace(numbers)
    general.__dict__["numbers_only"] = False  # the path every model takes
    assert numbers.numbers_only
    fast = outcome(core, instances, numbers)
    assert fast == outcome(core, instances, general)  # 1 == 1.0: ints as floats
    if fast[0] == "accepted":
        batch = core.module("validation").validated_rows(instances, numbers)
        if batch.matrix is not None:
            columns = [
                [math.nan if v is None else v for v in c] for c in fast[2].values()
            ]
            assert np.array_equal(batch.matrix, np.array(columns).T, equal_nan=True)


def numbers_spec(core: Core, nullable: bool) -> Any:
    spec_module = core.module("spec")
    return dataclasses.replace(
        spec_module.ServiceSpec.load(),
        features=tuple(
            spec_module.FeatureSpec(name, "float", nullable, "float64")
            for name in ("a", "b")
        ),
    )


@pytest.mark.parametrize(
    ("instances", "nullable"),
    [
        ([{"a": 1.5, "b": 2}, {"b": 4.0, "a": 3}], False),
        ([[1.5, 2], [3, 4.0]], False),
        ([[1.5, None], [None, 4.0]], True),
    ],
)
def test_plain_requests_to_a_model_of_numbers_become_one_array(
    core: Core, instances: list[Any], nullable: bool
) -> None:
    batch = core.module("validation").validated_rows(
        instances, numbers_spec(core, nullable)
    )
    assert batch.matrix is not None and batch.matrix.flags.c_contiguous
    rows = [[r["a"], r["b"]] if isinstance(r, dict) else r for r in instances]
    expected = np.array([[math.nan if v is None else v for v in r] for r in rows])
    assert np.array_equal(batch.matrix, expected, equal_nan=True)
    # prepare() sees nulls as nulls, and every number as a float.
    b = [None if r[1] is None else float(r[1]) for r in rows]
    assert batch.columns["b"] == b
    assert all(v is None or type(v) is float for v in batch.columns["b"])
