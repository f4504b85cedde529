"""The describe step: which family serves a model, what it is, what it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import MljetError
from ._families import ModelFamily, family_of
from ._model_info import ModelInfo
from ._reporting import Steps
from ._sample import check_model_accepts, infer_schema, read_sample
from ._schema import Schema


@dataclass(frozen=True)
class Description:
    """A model as the service will serve it, and the schema of its inputs."""

    family: ModelFamily
    info: ModelInfo
    # The model as the service runs it (a native booster becomes its
    # library's estimator), so that the sample is checked against that.
    model: object
    schema: Schema


def describe(model: object, sample: Any, report: Steps) -> Description:
    """Find the model's family, introspect it, and type its inputs."""
    family = family_of(model)
    info = family.introspect(model)
    servable = family.servable(model)
    report.step(
        f"{info.estimator} from {info.library} {info.library_version}: {info.task}, "
        f"{info.n_features} features, methods {', '.join(info.methods)}"
    )
    return Description(family, info, servable, _schema(servable, info, sample, report))


def _schema(model: object, info: ModelInfo, sample: Any, report: Steps) -> Schema:
    if sample is None and info.categorical_features:
        raise MljetError(
            f"The model treats {', '.join(info.categorical_features)} as "
            "categorical, and only sample rows can say what those values look "
            "like (their categories, as strings or pandas categories). Run again "
            "with --sample rows.csv (cook(..., sample=frame))."
        )
    frame = None if sample is None else read_sample(sample)
    schema = infer_schema(info, frame)
    if frame is not None:
        check_model_accepts(model, frame, info)
        kinds = sorted({f.kind for f in schema.features})
        report.step(
            f"sample of {len(frame)} rows: features typed as {', '.join(kinds)}"
        )
    return schema
