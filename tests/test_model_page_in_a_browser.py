"""The model page (`GET /`) in a headless browser with no network but the
service's own: it renders, the importances chart is drawn, the examples show
the model's answers, and the form's answer is `/predict`'s. A screenshot of
each page is written to `artifacts/` at the repository's root."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from browser import ARTIFACTS, BROWSER, render

import models
from conftest import DEFAULT_BACKEND, Generate
from proxy import prefix_proxy
from servers import serve


def cells(dom: str, table: str) -> list[list[str]]:
    """The text of each row's cells of the table with id `table`."""
    body = dom.split(f'<table id="{table}">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c))
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in rows
    ]


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
def test_the_model_page_renders_offline_and_its_form_answers_like_predict(
    generate: Generate, tmp_path: Path, case_name: str, prefix: str
) -> None:
    """Served directly, and behind a proxy that strips a path prefix
    (`ROOT_PATH`): its links and its form go through the proxy."""
    project = generate(DEFAULT_BACKEND, case_name)
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"ROOT_PATH": prefix} if prefix else {}
    shot = f"model-page-{case_name}{'-proxied' if prefix else ''}.png"
    with (
        serve(case_name, pythonpath=project / "src", env=env) as server,
        prefix_proxy(server.base, prefix or "/unused") as proxy,
    ):
        metadata = server.call("GET", "/metadata").json()
        page = f"{proxy}{prefix}/#try" if prefix else f"{server.base}/#try"
        dom = render(page, tmp_path, ARTIFACTS / shot)
        spec = json.loads(
            (project / "src" / case_name / "model_files" / "spec.json").read_text()
        )
        first = spec["examples"][0]
        predicted = server.post("/predict", {"instances": [first]}).json()
        together = server.post("/predict", {"instances": spec["examples"]}).json()
    # The model card, as /metadata says.
    card = dict((row[0], row[1]) for row in cells(dom, "card"))
    assert card["SHA-256"] == metadata["model"]["sha256"]
    assert card["class"] == metadata["model"]["class"]
    # The inputs, one row per feature.
    inputs = cells(dom, "inputs")[1:]
    assert [row[0] for row in inputs] == [f["name"] for f in metadata["features"]]
    # The importances chart: a bar per feature when the model has them.
    importances = metadata["importances"]
    bars = re.findall(r'<rect class="bar"', dom)
    if case_name == "binary_forest":
        assert importances["kind"] == "feature_importances_"
        model = models.case_named(case_name).model
        assert (
            list(importances["values"].values()) == model.feature_importances_.tolist()
        )
        assert len(bars) == len(metadata["features"])
    else:
        assert importances is None and not bars and 'id="no-chart"' in dom
    # The examples with the model's answers.
    answers = [json.loads(row[0]) for row in cells(dom, "examples")[1:]]
    assert answers == together["predictions"]
    # The form sent the first example, and shows /predict's answer.
    shown = dom.split('<pre id="answer">')[1].split("</pre>")[0]
    assert json.loads(html.unescape(shown)) == predicted
    assert "HTTP 200" in dom
    assert (ARTIFACTS / shot).stat().st_size > 10_000
    if prefix:
        assert f'href="{prefix}/docs"' in dom
    # Nothing but the service's own: no address of another host.
    assert not re.search(r'(src|href)="(https?:)?//', dom)
