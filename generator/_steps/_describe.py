"""The describe step: which family serves a model, what it is, what it takes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .._base._errors import MljetError
from .._base._reporting import Steps
from .._model._explanations import NOT_PLANNED, ExplanationPlan
from .._model._families import ModelFamily, family_of
from .._model._importances import Importances, measure_importances
from .._model._learn_schema import (
    check_model_accepts_examples,
    examples_frame,
    learn_schema,
)
from .._model._loading import load_model_file
from .._model._model_info import ModelInfo
from .._model._profile import sample_profile
from .._model._sample import (
    check_model_accepts,
    model_given,
    model_rows,
    read_sample,
)
from .._model._schema import Schema
from ._evaluate import Evaluation, evaluate
from ._plan import Plan


@dataclass(frozen=True)
class Description:
    """A model as the service will serve it, and the schema of its inputs."""

    family: ModelFamily
    info: ModelInfo
    # The model as the service runs it (a native booster becomes its
    # library's estimator), so that the sample is checked against that.
    model: object
    schema: Schema
    # The sample's rows (or rows built from the schema without one), in the
    # model's order and named as the features.
    rows: pd.DataFrame
    # For the model page: the sample's inputs, and what the model leans on.
    profile: dict[str, Any]
    importances: Importances | None
    # How the model does on labelled rows (--eval, --target), if given: its
    # report card, and the rows a built artifact replays.
    evaluation: Evaluation | None = None
    # How its `/explain` explains its answers, or why it has none.
    explanation: ExplanationPlan = NOT_PLANNED

    @property
    def report_card(self) -> dict[str, Any] | None:
        return None if self.evaluation is None else self.evaluation.card


def describe_planned(model: Any, planned: Plan, report: Steps) -> Description:
    """The model of a plan (loaded first when it is a file), described with
    the plan's sample."""
    if planned.model_path is not None:
        report.step(f"loading {planned.model_path}")
        model = load_model_file(
            planned.model_path, trust=planned.options.trust, code=planned.code
        ).model
    described = describe(model, planned.options.sample, report)
    options = planned.options
    if options.eval is None or options.target is None:
        return described
    evaluation = evaluate(
        described.model, described.info, options.eval, options.target, report
    )
    return replace(described, evaluation=evaluation)


def describe(model: object, sample: Any, report: Steps) -> Description:
    """Find the model's family, introspect it, and type its inputs."""
    family = family_of(model)
    info = family.introspect(model)
    servable = family.servable(model)
    frame = None if sample is None else read_sample(sample)
    if info.n_features == 0:
        info = _inputs_from_sample(servable, info, frame)
    report.step(
        f"{info.estimator} from {info.library} {info.library_version}: {info.task}, "
        f"{info.n_features} features, methods {', '.join(info.methods)}"
    )
    schema, rows = _schema(servable, info, frame, report)
    profile = (
        sample_profile(schema.features, rows, _predictions(servable, info, rows))
        if schema.from_sample
        else {}
    )
    importances = measure_importances(servable, info, rows, schema.from_sample)
    if importances is not None:
        report.step(f"importances: {importances.kind}")
    explanation = family.explanation(servable)
    return Description(
        family,
        info,
        servable,
        schema,
        rows,
        profile,
        importances,
        explanation=explanation,
    )


# The model's answers profiled on the model page: of this many rows at most.
PROFILED_ROWS = 5000


def _predictions(model: Any, info: ModelInfo, rows: pd.DataFrame) -> Any:
    """The model's `predict` for the sample's rows, or None if it fails."""
    given = model_given(info, rows.head(PROFILED_ROWS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(model.predict(given))
    except Exception:  # the sample was checked; a failure here costs a chart
        return None


def _inputs_from_sample(
    model: object, info: ModelInfo, frame: pd.DataFrame | None
) -> ModelInfo:
    """The inputs of a model that does not say what it takes: the sample's
    columns, handed over as a DataFrame if the model takes one, else as an
    array."""
    if frame is None:
        raise MljetError(
            f"The {info.estimator} does not say what it takes (no n_features_in_ "
            "or feature_names_in_), so its inputs come from a sample: run again "
            "with --sample rows.csv (cook(..., sample=frame))."
        )
    head = frame.head(20)
    refusals = []
    # A frame only with the sample's own column names: an array's positions
    # are no names to hand a model.
    forms: list[tuple[Any, tuple[str, ...] | None]] = []
    if all(isinstance(column, str) for column in frame.columns):
        forms.append((head, tuple(frame.columns)))
    forms.append((head.to_numpy(), None))
    for inputs, names in forms:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                answer = np.asarray(model.predict(inputs))  # type: ignore[attr-defined]
        # Whatever the model raises is its refusal of this form of input.
        except Exception as error:
            refusals.append(f"{type(error).__name__}: {error}")
            continue
        if info.task == "regression" and answer.dtype.kind not in "iufb":
            raise MljetError(
                f"The {info.estimator}'s predict answers {answer.dtype} values, not "
                "numbers, and it has no classes_: give it a classes_ attribute "
                "listing the labels it predicts to be served as a classifier."
            )
        return replace(info, n_features=len(frame.columns), feature_names=names)
    raise MljetError(
        f"The {info.estimator} refused the sample ({'; '.join(refusals)}). Check "
        "that the sample holds the columns the model takes, as a DataFrame or an "
        "array."
    )


# Fewer sample rows than this describe the inputs poorly: their ranges and
# values on the model page, the golden answers, the batch probe's rows.
FEW_ROWS = 10


def _schema(
    model: object, info: ModelInfo, frame: pd.DataFrame | None, report: Steps
) -> tuple[Schema, pd.DataFrame]:
    """The schema, and its rows in the model's order, named as the features:
    the sample's, or rows built from the schema without one."""
    schema = learn_schema(info, frame)
    kinds = ", ".join(sorted({f.kind for f in schema.features}))
    if frame is not None:
        check_model_accepts(model, frame, info)
        report.step(f"sample of {len(frame)} rows: features typed as {kinds}")
        if len(frame) < FEW_ROWS:
            report.step(
                f"warning: {len(frame)} sample row(s) is too few to show the "
                "inputs' ranges and values, or the answers a batch must keep; "
                f"a sample of {FEW_ROWS} rows or more describes them better"
            )
        return schema, model_rows(info, frame)
    rows = examples_frame(schema)
    if info.feature_names is not None:
        check_model_accepts_examples(model, rows)
    report.step(
        f"no sample: features typed as {kinds} from the model itself; "
        f"{len(schema.examples)} example rows built from that"
    )
    return schema, rows
