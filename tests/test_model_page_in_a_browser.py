"""The model page (`GET /`) in a headless browser with no network but the
service's own, 1280 and 360 pixels wide: it renders without sideways
scrolling, its form answers like `/predict` (a bar per class probability,
or the value beside the sample's answers), the inputs show the sample's
ranges, the importances are drawn (a pipeline's traced back to its input
columns), the call-it block names the service's address, and the live
panel reads `/metrics`. A screenshot of each page at each width is written
to `artifacts/` at the repository's root."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import ARTIFACTS, BROWSER, Page, opened

import models
from conftest import DEFAULT_BACKEND, Generate
from proxy import prefix_proxy
from servers import serve

WIDTHS = (1280, 360)
# The text of each cell of each row of the table with id {0}.
ROWS = (
    "Array.from(document.querySelectorAll('#{0} tr'))"
    ".map(r => Array.from(r.cells).map(c => c.textContent))"
)


@pytest.mark.system
@pytest.mark.skipif(BROWSER is None, reason="needs Debian's chromium")
@pytest.mark.parametrize(
    ("case_name", "prefix"),
    [
        ("binary_forest", ""),
        ("mixed_pipeline", ""),
        ("binary_forest", "/models/forest"),
    ],
    ids=["forest", "pipeline", "forest-proxied"],
)
def test_the_model_page_answers_like_the_service_at_every_width(
    generate: Generate, tmp_path: Path, case_name: str, prefix: str
) -> None:
    """Served directly, and behind a proxy that strips a path prefix
    (`ROOT_PATH`): its links, its form and its examples go through it."""
    project = generate(DEFAULT_BACKEND, case_name)
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"ROOT_PATH": prefix} if prefix else {}
    with (
        serve(case_name, pythonpath=project / "src", env=env) as server,
        prefix_proxy(server.base, prefix or "/unused") as proxy,
    ):
        metadata = server.call("GET", "/metadata").json()
        spec = json.loads(
            (project / "src" / case_name / "model_files" / "spec.json").read_text()
        )
        first = spec["examples"][0]
        expected = {"predict": server.post("/predict", {"instances": [first]}).json()}
        if "predict_proba" in metadata["model"]["methods"]:
            scores = server.post("/predict_proba", {"instances": [first]}).json()
            expected["predict_proba"] = scores
        if metadata["explanation"] is not None:
            expected["explain"] = server.post("/explain", {"instances": [first]}).json()
        together = server.post("/predict", {"instances": spec["examples"]}).json()
        base = f"{proxy}{prefix}" if prefix else server.base
        for width in WIDTHS:
            with opened(f"{base}/", tmp_path, width) as page:
                check_the_page(page, metadata, together, base)
                check_the_form(page, metadata, expected)
                check_the_live_panel(page)
                # Nothing scrolls sideways: wide tables scroll in their box.
                assert page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth"
                ), width
                suffix = "-proxied" if prefix else ""
                shot = ARTIFACTS / f"model-page-{case_name}{suffix}-{width}.png"
                page.screenshot(shot)
                assert shot.stat().st_size > 10_000
                dom = page.evaluate("document.documentElement.outerHTML")
                # Nothing but the service's own: no address of another host.
                assert not re.search(r'(src|href)="(https?:)?//', dom)
                if prefix:
                    assert f'href="{prefix}/docs"' in dom
    check_the_importances(case_name, metadata)


def check_the_page(
    page: Page, metadata: dict[str, Any], together: dict[str, Any], base: str
) -> None:
    # The model card, as /metadata says.
    card = dict(page.evaluate(ROWS.format("card")))
    assert card["SHA-256"] == metadata["model"]["sha256"]
    assert card["class"] == metadata["model"]["class"]
    # The inputs, one row per feature, each number's histogram of the sample.
    inputs = page.evaluate(ROWS.format("inputs"))[1:]
    features = metadata["features"]
    assert [row[0] for row in inputs] == [f["name"] for f in features]
    titles = page.evaluate(
        "Array.from(document.querySelectorAll('#inputs svg.spark title'))"
        ".map(t => t.textContent)"
    )
    numbers = [f for f in features if len(f.get("sample", {}).get("counts", [])) > 1]
    assert len(titles) == len(numbers) > 0
    for feature, title in zip(numbers, titles, strict=True):
        sample = feature["sample"]
        assert f"the sample's {sum(sample['counts']):,} values" in title
        row = next(r for r in inputs if r[0] == feature["name"])
        assert " to " in row[3], row
    # The importances: a bar per feature, the measure named.
    bars = page.evaluate("document.querySelectorAll('#chart rect.bar').length")
    assert bars == len(metadata["importances"]["values"])
    how = page.evaluate("document.getElementById('importances-how').textContent")
    assert metadata["importances"]["how"] in how
    # The examples with the model's answers.
    rows = page.evaluate(ROWS.format("examples"))[1:]
    assert [json.loads(row[0]) for row in rows] == together["predictions"]
    # How to call it, at this address, in curl and in Python.
    calls = page.evaluate(
        "Array.from(document.querySelectorAll('pre.call')).map(p => p.textContent)"
    )
    assert f"curl -X POST {base}/predict" in calls[0]
    assert f"httpx.post(\n    '{base}/predict'" in calls[1]
    page.evaluate("document.querySelectorAll('.tabs button')[1].click()")
    visible = page.evaluate(
        "Array.from(document.querySelectorAll('pre.call')).filter(p => !p.hidden)"
        ".map(p => p.textContent)"
    )
    assert visible == [calls[1]]


def check_the_form(
    page: Page, metadata: dict[str, Any], expected: dict[str, Any]
) -> None:
    """The form holds the first example: submitted, it shows the answer as
    /predict (and /predict_proba) gave it."""
    page.evaluate("document.querySelector('#try button').click()")
    page.wait_for("document.getElementById('status').textContent === 'HTTP 200'")
    if "predict_proba" in expected:
        classes = len(metadata["model"]["classes"])
        page.wait_for(
            f"document.querySelectorAll('#probabilities .track').length === {classes}"
        )
    if "explain" in expected:
        page.wait_for("!document.getElementById('why').hidden")
    raw = json.loads(page.evaluate("document.getElementById('answer').textContent"))
    assert raw == expected
    if "explain" in expected:
        check_the_explanation(page, expected["explain"]["explanations"][0])
    label = page.evaluate("document.getElementById('label').textContent")
    answer = expected["predict"]["predictions"][0]
    if isinstance(answer, float):
        assert float(label) == pytest.approx(answer, rel=1e-3)
        context = page.evaluate("document.getElementById('context').textContent")
        assert context.startswith("For the sample's rows, the model answered from")
    else:
        assert label == str(answer)
        probabilities = expected["predict_proba"]["predictions"][0]
        texts = page.evaluate(
            "Array.from(document.querySelectorAll('#probabilities span'))"
            ".map(s => s.textContent)"
        )
        ranked = sorted(probabilities.items(), key=lambda pair: -pair[1])
        assert texts == [t for name, p in ranked for t in (name, f"{p * 100:.1f}%")]


def check_the_explanation(page: Page, explanation: dict[str, Any]) -> None:
    """A bar per input's contribution, largest first, signed, each as wide as
    its share of the largest; the sentence names what is explained."""
    texts = page.evaluate(
        "Array.from(document.querySelectorAll('#contributions span'))"
        ".map(s => s.textContent)"
    )
    contributions = explanation["contributions"]
    assert texts[0::2] == list(contributions)
    signs = ["-" if value < 0 else "+" for value in contributions.values()]
    assert [text[0] for text in texts[1::2]] == signs
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('#contributions .fill'))"
        ".map(f => parseFloat(f.style.width))"
    )
    largest = max(abs(value) for value in contributions.values())
    for width, value in zip(widths, contributions.values(), strict=True):
        assert width == pytest.approx(abs(value) / largest * 50, abs=0.01)
    sentence = page.evaluate("document.getElementById('why-text').textContent")
    assert sentence.startswith(explanation["explained"] + ": ")
    assert explanation["method"] in sentence


def check_the_live_panel(page: Page) -> None:
    """Filled from /metrics: the form's request among those counted."""
    page.wait_for("document.getElementById('live-uptime').textContent !== '-'")
    page.wait_for(
        "Number(document.getElementById('live-requests').textContent"
        ".replace(/,/g, '')) >= 1",
        timeout=15,
    )
    p50 = page.evaluate("document.getElementById('live-p50').textContent")
    assert re.fullmatch(r"[\d.]+ (ms|s)", p50), p50


def check_the_importances(case_name: str, metadata: dict[str, Any]) -> None:
    """The forest's own; the pipeline's last step's, summed per input."""
    model = models.case_named(case_name).model
    values = metadata["importances"]["values"]
    if case_name == "binary_forest":
        assert metadata["importances"]["kind"] == "feature_importances_"
        assert list(values.values()) == model.feature_importances_.tolist()
        return
    # income, age, member, then plan's three one-hot columns.
    coef = np.abs(model[-1].coef_)
    traced = [coef[0], coef[1], coef[2], coef[3] + coef[4] + coef[5]]
    assert list(values) == ["income", "age", "member", "plan"]
    assert list(values.values()) == pytest.approx(traced, rel=1e-9)
