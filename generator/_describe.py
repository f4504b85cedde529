"""The describe step: which family serves a model, what it is, what it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._families import ModelFamily, family_of
from ._learn_schema import check_model_accepts_examples, learn_schema
from ._model_info import ModelInfo
from ._reporting import Steps
from ._sample import check_model_accepts, read_sample
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
    frame = None if sample is None else read_sample(sample)
    schema = learn_schema(info, frame)
    kinds = ", ".join(sorted({f.kind for f in schema.features}))
    if frame is not None:
        check_model_accepts(model, frame, info)
        report.step(f"sample of {len(frame)} rows: features typed as {kinds}")
    else:
        if info.feature_names is not None:
            check_model_accepts_examples(model, schema)
        report.step(
            f"no sample: features typed as {kinds} from the model itself; "
            f"{len(schema.examples)} example rows built from that"
        )
    return schema
