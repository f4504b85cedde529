# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The model page, `GET /`: what the model is, what it takes and how it
answers, on one HTML page with its style and script inside (no CDN, no
framework: it works offline and behind a proxy).

It shows what `/metadata` says and the model's answers to the golden
examples: a form whose answer reads as a person reads it (the label and a
bar per class probability, or the value beside the sample's answers, and
where the service explains, a bar per input's contribution), how
to call the service (curl, Python, each protocol), a live panel from
`/metrics`, the inputs with the sample's ranges, what the model leans on,
the examples, and the model card. `templates/model_page.html` is the
page; Jinja escapes every value put in it.
"""

from __future__ import annotations

import json
import pprint
from collections.abc import Mapping, Sequence
from typing import Any

from .pages import TEMPLATES
from .protocols.base import ExampleCall

# At most this many bars in the importances chart.
CHART_BARS = 20
SHOWN_VALUES = 12
SPARK_BAR = 10


def model_page(
    metadata: Mapping[str, Any],
    examples: Sequence[Mapping[str, Any]],
    answers: Sequence[Any] | None,
    root_path: str,
    needs_key: bool,
    calls: Sequence[ExampleCall],
) -> bytes:
    """The page for `metadata` (as `/metadata` serves it); `answers` are the
    model's `predict` for `examples`, None until the model is loaded;
    `calls`, the requests that predict the first example, one per protocol,
    the service's own first."""
    model = metadata["model"]
    features = metadata["features"]
    first = examples[0] if examples else {}
    base = f"{root_path}/" if root_path else ""
    page = TEMPLATES.get_template("model_page.html").render(
        service=metadata["service"],
        model=model,
        base=base,
        links=[
            ("docs", "API docs"), ("metadata", "/metadata"),
            ("openapi.json", "/openapi.json"), ("metrics", "/metrics"),
            *([("report", "report card")] if metadata.get("report_card") else []),
            *_own_report_link(metadata.get("own_report")),
        ],
        fields=[_field(f, first.get(f["name"])) for f in features],
        needs_key=needs_key,
        calls=_calls(calls, needs_key),
        inputs=[_input_row(f, first.get(f["name"])) for f in features],
        chart=_chart(metadata.get("importances")),
        no_chart=_no_chart(metadata),
        feature_names=[f["name"] for f in features],
        examples=_examples(features, examples, answers),
        card=_card(metadata),
        data={
            "base": base,
            "features": [{"name": f["name"], "type": f["type"]} for f in features],
            "probabilities": "predict_proba" in model["methods"],
            "explains": metadata.get("explanation") is not None,
            "whyBars": CHART_BARS,
            "context": _context(metadata.get("sample_predictions")),
            "model_routes": [f"/{method}" for method in model["methods"]],
        },
    )  # fmt: skip
    return page.encode()


def human_bytes(count: int) -> str:
    """1536 as "1.5 KiB", 16777216 as "16 MiB"."""
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            shown = f"{size:.1f}".removesuffix(".0")
            return f"{shown} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def number(value: Any) -> str:
    """A value as a person reads it: 4 significant digits below 1000,
    whole numbers with a thousands separator above, an exponent only for
    magnitudes below 0.001 or from a million; anything else as JSON."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return f"{value:,}"
    if value != 0 and not 1e-3 <= abs(value) < 1e6:
        return f"{value:.3e}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _calls(calls: Sequence[ExampleCall], needs_key: bool) -> list[dict[str, str]]:
    """Each call as curl (and the first also as Python), BASE standing for
    the service's address, which the page fills in."""
    found: list[dict[str, str]] = []
    for index, call in enumerate(calls):
        body = json.dumps(call.body, ensure_ascii=False)
        key = ['  -H "Authorization: Bearer $API_KEY" \\'] if needs_key else []
        curl = "\n".join(
            [
                f"curl -X POST BASE{call.path} \\",
                "  -H 'Content-Type: application/json' \\",
                *key,
                "  -d '" + body.replace("'", "'\\''") + "'",
            ]
        )
        title = "curl" if index == 0 else call.protocol
        found.append({"title": title, "text": curl})
        if index == 0:
            found.append({"title": "Python", "text": _python(call, needs_key)})
    return found


def _python(call: ExampleCall, needs_key: bool) -> str:
    body = pprint.pformat(call.body, width=72, sort_dicts=False)
    lines = ["import httpx", ""]
    if needs_key:
        lines += ["API_KEY = '...'", ""]
    lines += ["answer = httpx.post(", f"    'BASE{call.path}',"]
    lines += [f"    json={body.replace(chr(10), chr(10) + '    ')},"]
    if needs_key:
        lines += ["    headers={'Authorization': f'Bearer {API_KEY}'},"]
    lines += [")", "answer.raise_for_status()", "print(answer.json())"]
    return "\n".join(lines)


def _card(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    model = metadata["model"]
    libraries = ", ".join(f"{n} {v}" for n, v in metadata["libraries"].items())
    limits = metadata["limits"]
    return [
        ("class", model["class"]),
        ("library", libraries or model["family"]),
        ("task", model["task"]),
        ("classes", ", ".join(number(c) for c in model["classes"]) or "-"),
        ("methods", ", ".join(model["methods"])),
        ("model file", model["file"]),
        ("SHA-256", model["sha256"]),
        ("runtime", metadata["runtime"].get("name", "native")),
        ("service", f"{metadata['service']} {metadata['version']}, template "
                    f"{metadata['template_version']}, Python {metadata['python']}"),
        ("limits", f"{limits['max_instances']:,} instances, "
                   f"{human_bytes(limits['max_body_bytes'])} per request"),
        ("batching", "on" if metadata["batching"]["enabled"] else "off"),
    ]  # fmt: skip


def _context(predictions: Mapping[str, Any] | None) -> str:
    """What the model answered for the sample, beside a value it answers."""
    if not predictions or "min" not in predictions:
        return ""
    low, high = number(predictions["min"]), number(predictions["max"])
    return f"For the sample's rows, the model answered from {low} to {high}."


def _values(feature: Mapping[str, Any]) -> str:
    sample = feature.get("sample") or {}
    missing = sample.get("missing", 0)
    gaps = f"; {missing:,} missing" if missing else ""
    if "min" in sample:
        return f"{number(sample['min'])} to {number(sample['max'])}{gaps}"
    listed = feature.get("categories") or feature.get("known_values") or []
    if feature["type"] == "bool":
        return "true or false" + gaps
    if not listed and sample.get("top"):
        listed = [value for value, _ in sample["top"]]
        more = sample["distinct"] > len(listed)
        shown = ", ".join(number(v) for v in listed)
        return f"e.g. {shown}{', ...' if more else ''}{gaps}"
    if not listed:
        return "any"
    shown = ", ".join(number(v) for v in listed[:SHOWN_VALUES])
    more = f", ... ({len(listed)} in all)" if len(listed) > SHOWN_VALUES else ""
    lead = "one of " if "categories" in feature else "any; the model knows "
    return f"{lead}{shown}{more}{gaps}"


def _spark(feature: Mapping[str, Any]) -> dict[str, Any] | None:
    """The sample's histogram of a number, as bars of an SVG."""
    sample = feature.get("sample") or {}
    counts: list[int] = sample.get("counts") or []
    if len(counts) < 2:
        return None
    tallest = max(counts) or 1
    bars = []
    for index, count in enumerate(counts):
        height = round(count / tallest * 20, 2)
        bars.append(
            {"x": index * SPARK_BAR, "y": 20 - height, "width": SPARK_BAR - 1,
             "height": height}
        )  # fmt: skip
    title = (
        f"{feature['name']}: the sample's {sum(counts):,} values in {len(counts)} bins"
    )
    return {"width": len(counts) * SPARK_BAR, "bars": bars, "title": title}


def _input_row(feature: Mapping[str, Any], example: Any) -> dict[str, Any]:
    return {
        "name": feature["name"],
        "type": feature["type"],
        "nullable": "yes" if feature["nullable"] else "no",
        "sample": _values(feature),
        "spark": _spark(feature),
        "example": number(example),
    }


def _chart(importances: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The importances as bars, largest first, the largest full width."""
    if not importances:
        return None
    values: dict[str, float] = importances["values"]
    ranked = sorted(values.items(), key=lambda pair: -pair[1])[:CHART_BARS]
    largest = max((v for _, v in ranked), default=0.0) or 1.0
    bars = [
        {
            "name": name,
            "percent": round(max(value / largest, 0.0) * 100, 1),
            "exact": f"{value:.6g}",
            "shown": f"{value:.3g}",
        }
        for name, value in ranked
    ]
    return {
        "kind": importances["kind"],
        "how": importances.get("how", f"The model's {importances['kind']}."),
        "bars": bars,
        "shown": len(ranked),
        "count": len(values),
        "more": len(values) > len(ranked),
    }


def _no_chart(metadata: Mapping[str, Any]) -> str:
    if metadata.get("features") and not any(
        "sample" in f for f in metadata["features"]
    ):
        return (
            "The model has no measure of its own of the features it leans on, "
            "and the service was generated without a sample to measure it on."
        )
    return (
        "The model has no measure of its own of the features it leans on, and "
        "it could not be measured on the sample at generation."
    )


def _examples(
    features: Sequence[Mapping[str, Any]],
    examples: Sequence[Mapping[str, Any]],
    answers: Sequence[Any] | None,
) -> list[dict[str, Any]]:
    names = [f["name"] for f in features]
    return [
        {
            # The answer first: it stays in view however many features follow.
            "answer": (
                json.dumps(answers[index]) if answers is not None else "(loading)"
            ),
            "cells": [json.dumps(example.get(n)) for n in names],
        }
        for index, example in enumerate(examples)
    ]


def _field(feature: Mapping[str, Any], example: Any) -> dict[str, Any]:
    """A form field for one feature, holding the first example's value."""
    choices: list[Any] = list(feature.get("categories") or [])
    if feature["type"] == "bool":
        choices = [True, False]
    field: dict[str, Any] = {"name": feature["name"], "nullable": feature["nullable"]}
    if choices:
        options = [*choices, *([None] if feature["nullable"] else [])]
        field["choices"] = [
            {
                "value": "" if c is None else json.dumps(c),
                "label": "(missing)" if c is None else number(c),
                "selected": c == example and type(c) is type(example),
            }
            for c in options
        ]
        return field
    numeric = feature["type"] in ("float", "int")
    field.update(
        choices=None,
        input="number" if numeric else "text",
        step=feature["type"] == "float",
        value="" if example is None else str(example),
    )
    return field


def _own_report_link(own: dict[str, Any] | None) -> list[tuple[str, str]]:
    # Relative to the page, as every link of it (ROOT_PATH).
    return [(own["path"].lstrip("/"), f"report by {own['writer']}")] if own else []
