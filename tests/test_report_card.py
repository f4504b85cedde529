"""The report card end to end: `--eval FILE --target COLUMN` (and `cook`'s
`eval=`, `target=`) evaluates the model at generation; the service serves
the figures in /metadata and the page at /report, linked from the model
page and in its OpenAPI document; the README has the summary table."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from browser import ARTIFACTS, BROWSER, opened
from sklearn import metrics
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge

import models
import user_steps
from conftest import DEFAULT_BACKEND
from generator import cook
from generator._base._errors import MljetError, OptionError
from servers import serve

RNG = np.random.default_rng(7)
ROWS = 600
FRAME = pd.DataFrame(
    {
        "age": RNG.normal(40, 10, ROWS).round(1),
        "fare": RNG.exponential(30, ROWS).round(2),
        "plan": RNG.choice(["basic", "gold", "plus"], ROWS),
    }
)
CHURNED = np.where(
    (FRAME["fare"] > 25) ^ (RNG.random(ROWS) < 0.15), "yes", "no"
).astype(object)
NUMBERS = ["age", "fare"]


def classifier() -> RandomForestClassifier:
    model = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0)
    return model.fit(FRAME[NUMBERS][:400], CHURNED[:400])


def holdout() -> pd.DataFrame:
    return FRAME[NUMBERS][400:].assign(churned=CHURNED[400:])


@pytest.fixture(scope="module")
def classifier_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "churn"
    cook(
        classifier(), sample=FRAME[NUMBERS][:400], eval=holdout(), target="churned",
        name="churn", backend=DEFAULT_BACKEND, output=out, quiet=True, git=False,
    )  # fmt: skip
    return out


def test_the_service_serves_the_card_and_its_page(classifier_service: Path) -> None:
    model, rows = classifier(), holdout()
    truth, inputs = rows.pop("churned"), rows
    with serve("churn", pythonpath=classifier_service / "src") as server:
        card = server.call("GET", "/metadata").json()["report_card"]
        page = server.call("GET", "/report")
        model_page = server.call("GET", "/").body.decode()
        document = server.call("GET", "/openapi.json").json()
    predicted = model.predict(inputs)
    assert card["rows"] == 200 and card["classes"] == ["no", "yes"]
    assert card["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predicted))
    assert card["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(truth == "yes", model.predict_proba(inputs)[:, 1])
    )
    assert (
        card["confusion_matrix"]
        == metrics.confusion_matrix(truth, predicted, labels=["no", "yes"]).tolist()
    )
    # The curves are the page's: /metadata keeps the figures.
    assert "curves" not in card
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.body.decode()
    assert "<script" not in html
    assert html.count('<svg class="chart') == 3  # ROC, PR, calibration of "yes"
    assert re.search(r'<polyline class="line" points="[\d., ]+"', html)
    assert f'{card["accuracy"]:.4g}' in html
    assert 'href="report"' in model_page
    assert "/report" in document["paths"]
    readme = (classifier_service / "README.md").read_text()
    assert "## How it did" in readme and f"{card['accuracy']:.4g}" in readme


def test_a_service_without_the_card_has_no_report_route(tmp_path: Path) -> None:
    out = tmp_path / "plain"
    cook(
        classifier(), sample=FRAME[NUMBERS][:400], name="plain",
        backend=DEFAULT_BACKEND, output=out, quiet=True, git=False,
    )  # fmt: skip
    with serve("plain", pythonpath=out / "src") as server:
        assert server.call("GET", "/metadata").json()["report_card"] is None
        assert server.call("GET", "/report").status == 404
        assert 'href="report"' not in server.call("GET", "/").body.decode()
    assert "## How it did" not in (out / "README.md").read_text()


def test_a_regressor_card_from_the_command_line(tmp_path: Path) -> None:
    model = Ridge().fit(FRAME[NUMBERS][:400], FRAME["fare"][:400] * 2 + 1)
    model_file, holdout_file = tmp_path / "ridge.joblib", tmp_path / "holdout.csv"
    sample_file = tmp_path / "sample.csv"
    joblib.dump(model, model_file)
    FRAME[NUMBERS][:400].to_csv(sample_file, index=False)
    FRAME[NUMBERS][400:].assign(value=FRAME["fare"][400:] * 2 + 3).to_csv(
        holdout_file, index=False
    )
    made = subprocess.run(
        [sys.executable, "-m", "generator", str(model_file), "--sample",
         str(sample_file), "--eval", str(holdout_file), "--target", "value",
         "--name", "ridge", "--output", str(tmp_path / "ridge"), "--no-git"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "report card: RMSE 2, R² 0.999 on 200 evaluation rows" in made.stderr
    with serve("ridge", pythonpath=tmp_path / "ridge" / "src") as server:
        card = server.call("GET", "/metadata").json()["report_card"]
        html = server.call("GET", "/report").body.decode()
    truth = FRAME["fare"][400:] * 2 + 3
    predicted = model.predict(FRAME[NUMBERS][400:])
    assert card["rmse"] == pytest.approx(
        np.sqrt(metrics.mean_squared_error(truth, predicted))
    )
    assert card["r2"] == pytest.approx(metrics.r2_score(truth, predicted))
    assert html.count('<circle class="dot small"') == 200


@pytest.mark.parametrize(
    ("options", "error", "says"),
    [
        ({"eval": "holdout"}, OptionError, "also give --target"),
        ({"target": "churned"}, OptionError, "also give --eval"),
        ({"eval": "holdout", "target": "nope"}, MljetError, "their columns are: age"),
        ({"eval": "unseen", "target": "churned"}, MljetError, "maybe"),
    ],
)
def test_a_card_that_cannot_be_made_is_refused_before_anything_is_written(
    tmp_path: Path, options: dict[str, Any], error: type[Exception], says: str
) -> None:
    frames = {"holdout": holdout(), "unseen": holdout().assign(churned="maybe")}
    given = {k: frames.get(v, v) if k == "eval" else v for k, v in options.items()}
    out = tmp_path / "refused"
    with pytest.raises(error, match=says):
        cook(
            classifier(), sample=FRAME[NUMBERS][:400], name="refused", output=out,
            quiet=True, git=False, **given,
        )  # fmt: skip
    assert not out.exists()


def report_cases() -> list[str]:
    """Per family fitted here, a classifier and a regressor given as objects."""
    chosen = []
    for family in models.FAMILIES_HERE:
        listed = [models.CATALOG[name] for name in models.cases(family=family.name)]
        for tasks in (("binary", "multiclass"), ("regression",)):
            chosen.append(
                next(c.name for c in listed if c.task in tasks and not c.native)
            )
    return chosen


def labelled_rows(case: models.Case) -> pd.DataFrame:
    """The case's rows with true answers near the model's own: every fourth
    label moved to another class, every value moved by one either way."""
    answers = np.asarray(case.expected.predict(case.inputs))
    answers = answers.reshape(len(case.inputs), -1)[:, 0]
    if isinstance(case.inputs, pd.DataFrame):
        rows = case.inputs.copy()
    else:
        names = case.sample.columns if case.sample is not None else None
        rows = pd.DataFrame(case.inputs, columns=names)
        rows.columns = [str(c) for c in rows.columns]
    if models.CATALOG[case.name].task == "regression":
        truth = answers + np.where(np.arange(len(answers)) % 2, 1.0, -1.0)
    else:
        classes = sorted(set(answers.tolist()), key=str)
        moved = {c: classes[(i + 1) % len(classes)] for i, c in enumerate(classes)}
        truth = np.array(
            [moved[a] if i % 4 == 0 else a for i, a in enumerate(answers.tolist())],
            dtype=object,
        )
    return rows.assign(true_answer=truth)


@pytest.mark.system
@pytest.mark.skipif(BROWSER is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("case_name", report_cases())
def test_each_familys_report_card_draws_its_charts_offline_in_a_browser(
    case_name: str, tmp_path: Path
) -> None:
    """A classifier and a regressor of each family: /report in Chromium
    reaching nothing but the service, every chart drawn, its figures those
    of /metadata; a screenshot in artifacts/."""
    case = models.case_named(case_name)
    out = tmp_path / "svc"
    cook(
        case.model, sample=case.sample, eval=labelled_rows(case),
        target="true_answer", name=case_name, backend=DEFAULT_BACKEND,
        code=[user_steps.__file__] if case.uses_user_steps else [],
        output=out, quiet=True, git=False,
    )  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(case_name, pythonpath=out / "src") as server:
        card = server.call("GET", "/metadata").json()["report_card"]
        with opened(f"{server.base}/report", tmp_path) as page:
            sizes = page.evaluate(
                "Array.from(document.querySelectorAll('svg.chart')).map(c => "
                "[c.getBoundingClientRect().width, c.querySelectorAll("
                "'polyline, circle, rect, path').length])"
            )
            text = page.evaluate("document.body.innerText")
            page.screenshot(ARTIFACTS / f"report-{case_name}.png")
    assert card["rows"] == len(case.inputs)
    assert sizes and all(width > 100 and marks > 0 for width, marks in sizes), sizes
    figure = card["rmse"] if "rmse" in card else card["accuracy"]
    assert f"{figure:.4g}" in text


def test_the_rows_the_card_was_computed_on_replay_to_the_same_card(
    classifier_service: Path, tmp_path: Path
) -> None:
    """What a built artifact's verification does (`_quality`): every figure
    again from the running service's answers; a card it does not earn fails,
    naming the figure."""
    from generator._artifacts._quality import check_report_card

    rows = json.loads((classifier_service / "tests" / "evaluation.json").read_text())
    assert rows["target"] == "churned" and len(rows["instances"]) == 200
    assert rows["truth"] == CHURNED[400:].tolist()
    with serve("churn", pythonpath=classifier_service / "src") as server:
        assert check_report_card(server.base, classifier_service, 0, 1) == 200
        # The same rows, one true answer changed: not the recorded card.
        altered = tmp_path / "altered"
        shutil.copytree(classifier_service, altered)
        flipped = {"yes": "no", "no": "yes"}[rows["truth"][0]]
        rows["truth"][0] = flipped
        (altered / "tests" / "evaluation.json").write_text(json.dumps(rows))
        with pytest.raises(MljetError, match=r"report card .* accuracy"):
            check_report_card(server.base, altered, 0, 1)
