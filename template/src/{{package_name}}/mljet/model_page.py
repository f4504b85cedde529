# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The model page, `GET /`: what the model is, what it takes and how it
answers, on one HTML page with its style and script inside (no CDN, no
framework: it works offline and behind a proxy).

It shows only what `/metadata` already says, and the model's answers to
the golden examples the generator recorded: the model card, the input
schema, the model's own importances as a chart when it has them, the
examples with their answers, and a form that sends one instance to
`/predict` and shows the answer.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

# The chart's geometry, in SVG units: at most this many bars.
CHART_BARS = 20
BAR_HEIGHT = 22
LABEL_WIDTH = 180
BAR_WIDTH = 360
SHOWN_VALUES = 12

PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$service - $estimator</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 62rem;
       padding: 1.5rem; color: #1d232a; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #dde3ea;
         vertical-align: top; }
th { background: #f3f6f9; } code { font-size: .9em; }
.muted { color: #5c6b7a; } .bar { fill: #3b7dd8; }
form { display: grid; grid-template-columns: 12rem 1fr; gap: .4rem .8rem;
       max-width: 40rem; }
form button { grid-column: 2; justify-self: start; padding: .4rem 1.2rem; }
pre { background: #f3f6f9; padding: .8rem; overflow-x: auto; }
.wide { overflow-x: auto; } #examples td { white-space: nowrap; }
</style>
</head>
<body>
<header>
<h1>$service</h1>
<p class="muted">$summary</p>
<nav>$links</nav>
</header>
<h2>Model</h2>
<table id="card">$card</table>
<h2>Inputs</h2>
<table id="inputs">
<tr><th>feature</th><th>type</th><th>may be missing</th><th>values</th>
<th>example</th></tr>
$inputs
</table>
<h2>What the model leans on</h2>
$chart
<h2>Examples and the model's answers</h2>
$examples
<h2>Try it</h2>
<form id="try" data-route="$predict" data-key="$needs_key">
$fields
$key_field
<button type="submit">Predict</button>
</form>
<p id="status" class="muted"></p>
<pre id="answer"></pre>
<script type="application/json" id="features">$features_json</script>
<script>
(function () {
  const form = document.getElementById("try");
  const features = JSON.parse(document.getElementById("features").textContent);
  function value(feature) {
    const field = form.elements[feature.name];
    const text = field.value;
    if (text === "") { return null; }
    if (feature.type === "float") { return Number(text); }
    if (feature.type === "int") { return parseInt(text, 10); }
    if (feature.type === "bool") { return text === "true"; }
    return JSON.parse(field.selectedOptions ? text : JSON.stringify(text));
  }
  async function send(event) {
    if (event) { event.preventDefault(); }
    const instance = {};
    for (const feature of features) { instance[feature.name] = value(feature); }
    const headers = {"Content-Type": "application/json"};
    if (form.elements.key && form.elements.key.value) {
      headers.Authorization = "Bearer " + form.elements.key.value;
    }
    const status = document.getElementById("status");
    status.textContent = "asking the model...";
    try {
      const answer = await fetch(form.dataset.route, {method: "POST", headers: headers,
        body: JSON.stringify({instances: [instance]})});
      const body = await answer.json();
      status.textContent = "HTTP " + answer.status;
      document.getElementById("answer").textContent = JSON.stringify(body, null, 2);
    } catch (error) {
      status.textContent = "the request failed: " + error;
    }
  }
  form.addEventListener("submit", send);
  if (location.hash === "#try") { send(null); }
})();
</script>
</body>
</html>
""")


def model_page(
    metadata: Mapping[str, Any],
    examples: Sequence[Mapping[str, Any]],
    answers: Sequence[Any] | None,
    root_path: str,
    needs_key: bool,
) -> bytes:
    """The page for `metadata` (as `/metadata` serves it); `answers` are the
    model's `predict` for `examples`, None until the model is loaded."""
    model = metadata["model"]
    features = metadata["features"]
    base = f"{root_path}/" if root_path else ""
    first = examples[0] if examples else {}
    return PAGE.substitute(
        service=_text(metadata["service"]),
        estimator=_text(model["estimator"]),
        summary=_text(f"A {model['estimator']} ({model['task']}), "
                      f"served by its own HTTP service"),
        links=" ".join(
            f'<a href="{base}{path}">{label}</a>'
            for path, label in (
                ("docs", "API docs"), ("metadata", "/metadata"),
                ("openapi.json", "/openapi.json"), ("metrics", "/metrics"),
            )
        ),
        card=_rows(_card(metadata)),
        inputs="\n".join(_input_row(f, first.get(f["name"])) for f in features),
        chart=_chart(metadata.get("importances")),
        examples=_examples(features, examples, answers),
        predict=_text(f"{base}predict"),
        needs_key="true" if needs_key else "false",
        fields="\n".join(_field(f, first.get(f["name"])) for f in features),
        key_field=(
            '<label for="key">API key</label>'
            '<input id="key" name="key" type="password" autocomplete="off">'
            if needs_key else ""
        ),
        features_json=_script_json(
            [{"name": f["name"], "type": f["type"]} for f in features]
        ),
    ).encode()  # fmt: skip


def _text(value: Any) -> str:
    return html.escape(str(value))


def _json_text(value: Any) -> str:
    return html.escape(orjson.dumps(value).decode())


def _script_json(value: Any) -> str:
    # No "<" at all inside <script>: nothing in it can end it early.
    return orjson.dumps(value).decode().replace("<", "\\u003c")


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    return "\n".join(
        f"<tr><th>{label}</th><td>{cell}</td></tr>" for label, cell in pairs
    )


def _card(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    model = metadata["model"]
    libraries = ", ".join(f"{n} {v}" for n, v in metadata["libraries"].items())
    limits = metadata["limits"]
    batching = metadata["batching"]
    return [
        ("class", f"<code>{_text(model['class'])}</code>"),
        ("library", _text(libraries or model["family"])),
        ("task", _text(model["task"])),
        ("classes", _json_text(model["classes"]) if model["classes"] else "-"),
        ("methods", _text(", ".join(model["methods"]))),
        ("model file", f"<code>{_text(model['file'])}</code>"),
        ("SHA-256", f"<code>{_text(model['sha256'])}</code>"),
        ("runtime", _text(metadata["runtime"].get("name", "native"))),
        ("service", _text(f"{metadata['service']} {metadata['version']}, "
                          f"template {metadata['template_version']}, "
                          f"Python {metadata['python']}")),
        ("limits", _text(f"{limits['max_instances']} instances, "
                         f"{limits['max_body_bytes']} bytes per request")),
        ("batching", _text("on" if batching["enabled"] else "off")),
    ]  # fmt: skip


def _values(feature: Mapping[str, Any]) -> str:
    listed = feature.get("categories") or feature.get("known_values") or []
    if feature["type"] == "bool":
        return "true or false"
    if not listed:
        return "any"
    shown = ", ".join(_json_text(v) for v in listed[:SHOWN_VALUES])
    more = f", ... ({len(listed)} in all)" if len(listed) > SHOWN_VALUES else ""
    lead = "one of " if "categories" in feature else "any; the model knows "
    return f"{lead}{shown}{more}"


def _input_row(feature: Mapping[str, Any], example: Any) -> str:
    return (
        f"<tr><td><code>{_text(feature['name'])}</code></td>"
        f"<td>{_text(feature['type'])}</td>"
        f"<td>{'yes' if feature['nullable'] else 'no'}</td>"
        f"<td>{_values(feature)}</td><td>{_json_text(example)}</td></tr>"
    )


def _chart(importances: Mapping[str, Any] | None) -> str:
    """The importances as an SVG bar chart, largest first."""
    if not importances:
        return (
            '<p class="muted" id="no-chart">The model does not say which '
            "features it leans on (no <code>feature_importances_</code> or "
            "<code>coef_</code> of one value per feature).</p>"
        )
    ranked = sorted(importances["values"].items(), key=lambda p: -p[1])[:CHART_BARS]
    largest = max((v for _, v in ranked), default=0.0) or 1.0
    bars = []
    for row, (name, value) in enumerate(ranked):
        y = row * BAR_HEIGHT
        width = max(value / largest * BAR_WIDTH, 0.5)
        bars.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f"{_text(name)}</text>"
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT - 6}"><title>{_text(name)}: {value:.6g}</title>'
            f"</rect>"
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{value:.3g}</text>'
        )
    height = len(ranked) * BAR_HEIGHT
    width = LABEL_WIDTH + BAR_WIDTH + 70
    return (
        f'<svg id="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-size="13"><title>'
        f"{_text(importances['kind'])}</title>{''.join(bars)}</svg>"
        f'<p class="muted">The model\'s <code>{_text(importances["kind"])}</code>.</p>'
    )


def _examples(
    features: Sequence[Mapping[str, Any]],
    examples: Sequence[Mapping[str, Any]],
    answers: Sequence[Any] | None,
) -> str:
    if not examples:
        return '<p class="muted">No examples were recorded.</p>'
    names = [f["name"] for f in features]
    # The answer first: it stays in view however many features follow.
    head = "<th>predict</th>" + "".join(f"<th>{_text(n)}</th>" for n in names)
    rows = []
    for index, example in enumerate(examples):
        answer = answers[index] if answers is not None else None
        shown = _json_text(answer) if answers is not None else "(loading)"
        cells = "".join(f"<td>{_json_text(example.get(n))}</td>" for n in names)
        rows.append(f'<tr><td class="answer">{shown}</td>{cells}</tr>')
    table = f'<table id="examples"><tr>{head}</tr>{"".join(rows)}</table>'
    return f'<div class="wide">{table}</div>'


def _field(feature: Mapping[str, Any], example: Any) -> str:
    """A form field for one feature, holding the first example's value."""
    name = _text(feature["name"])
    label = f'<label for="f-{name}">{name}</label>'
    choices: list[Any] = list(feature.get("categories") or [])
    if feature["type"] == "bool":
        choices = [True, False]
    if choices:
        options = [*choices, *([None] if feature["nullable"] else [])]
        rendered = "".join(
            f'<option value="{"" if c is None else _json_text(c)}"'
            f'{" selected" if c == example and type(c) is type(example) else ""}>'
            f"{'(missing)' if c is None else _json_text(c)}</option>"
            for c in options
        )
        return f'{label}<select id="f-{name}" name="{name}">{rendered}</select>'
    kind = "number" if feature["type"] in ("float", "int") else "text"
    step = ' step="any"' if feature["type"] == "float" else ""
    value = "" if example is None else _text(example)
    hint = ' placeholder="empty: missing"' if feature["nullable"] else ""
    return (
        f'{label}<input id="f-{name}" name="{name}" type="{kind}"{step}'
        f' value="{value}"{hint}>'
    )
