"""Client mistakes get a 4xx naming what is wrong, and the service keeps serving."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from conftest import GOLDEN, LIMITS, PACKAGE, Client, post_json

NAMES: list[str] = GOLDEN["feature_names"]
GOOD: dict[str, Any] = GOLDEN["instances"][0]


def with_value(name: str, value: Any) -> dict[str, Any]:
    return {**GOOD, name: value}


def problems(answer_json: dict[str, Any]) -> list[tuple[int | None, str | None]]:
    details = answer_json["error"].get("details", [])
    return [(d.get("instance"), d.get("field")) for d in details]


BAD_BODIES: dict[str, tuple[bytes, int, str]] = {
    "malformed JSON": (b'{"instances": [', 400, "invalid_json"),
    "empty body": (b"", 400, "invalid_json"),
    "not an object": (b"[1, 2]", 422, "invalid_body"),
    "no instances": (b'{"rows": []}', 422, "invalid_body"),
    "instances not a list": (b'{"instances": 3}', 422, "invalid_body"),
    "empty batch": (b'{"instances": []}', 422, "empty_batch"),
    "instance is a string": (b'{"instances": ["x"]}', 422, "invalid_instances"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_bodies_are_refused_and_the_service_keeps_serving(
    client: Client, case: str
) -> None:
    body, status, code = BAD_BODIES[case]
    answer = client.request(
        "POST", "/predict", body, {"Content-Type": "application/json"}
    )
    assert (answer.status, answer.json()["error"]["code"]) == (status, code)
    assert post_json(client, "/predict", {"instances": [GOOD]}).status == 200


def test_missing_and_unknown_features_are_named(client: Client) -> None:
    missing = {k: v for k, v in GOOD.items() if k != NAMES[0]}
    unknown = {**GOOD, "not_a_feature": 1}
    answer = post_json(client, "/predict", {"instances": [GOOD, missing, unknown]})
    assert answer.status == 422
    assert problems(answer.json()) == [(1, NAMES[0]), (2, "not_a_feature")]


def test_wrong_types_and_nulls_are_named_per_instance_and_field(
    client: Client,
) -> None:
    name = NAMES[-1]
    instances = [GOOD, with_value(name, [1, 2]), with_value(name, {"a": 1})]
    answer = post_json(client, "/predict", {"instances": instances})
    assert answer.status == 422
    assert problems(answer.json()) == [(1, name), (2, name)]


def test_an_array_of_the_wrong_length_is_refused(client: Client) -> None:
    answer = post_json(client, "/predict", {"instances": [[0] * (len(NAMES) + 1)]})
    assert answer.status == 422
    assert "expected an array of" in answer.json()["error"]["details"][0]["message"]


def test_too_many_instances(client: Client) -> None:
    count = int(LIMITS["MAX_INSTANCES"]) + 1
    answer = post_json(client, "/predict", {"instances": [GOOD] * count})
    assert (answer.status, answer.json()["error"]["code"]) == (
        422,
        "too_many_instances",
    )


def test_a_body_over_the_limit_is_refused_with_413(client: Client) -> None:
    body = json.dumps({"instances": [GOOD], "pad": "x" * 70000}).encode()
    answer = client.request(
        "POST", "/predict", body, {"Content-Type": "application/json"}
    )
    assert (answer.status, answer.json()["error"]["code"]) == (413, "body_too_large")
    assert post_json(client, "/predict", {"instances": [GOOD]}).status == 200


def test_a_non_json_content_type_is_refused_with_415(client: Client) -> None:
    body = json.dumps({"instances": [GOOD]}).encode()
    answer = client.request("POST", "/predict", body, {"Content-Type": "text/csv"})
    assert answer.status == 415


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, (404, "not_found")),
        (405, (405, "method_not_allowed")),
        (413, (413, "body_too_large")),
        (400, (400, "bad_request")),
        (431, (431, "bad_request")),
        (502, (500, "internal_error")),
    ],
)
def test_errors_raised_by_the_web_server_get_the_shared_bodies(
    status: int, expected: tuple[int, str]
) -> None:
    service = importlib.import_module(f"{PACKAGE}.mljet.service")
    reply = service.PredictionService.from_env().framework_error(
        status, "DELETE", "/health"
    )
    assert (reply.status, json.loads(reply.body)["error"]["code"]) == expected


def test_a_method_not_allowed_names_the_allowed_ones_and_no_route_is_not_found() -> (
    None
):
    module = importlib.import_module(f"{PACKAGE}.mljet.service")
    service = module.PredictionService.from_env()
    refused = service.framework_error(405, "GET", "/health/")
    assert refused.status == 404
    allowed = service.framework_error(405, "DELETE", "/health")
    assert (allowed.status, allowed.headers["Allow"]) == (405, "GET, HEAD")
