# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The service's description of its model, written at generation time.

`model_files/spec.json` holds everything the generator learned about the
model: its features and their types, its classes, its methods, how its
file is stored and where it came from. The rest of the service reads it
through `ServiceSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

# Beside this package, in the service's own: the model's file and spec.json.
MODEL_DIR = Path(__file__).resolve().parents[1] / "model_files"


@dataclass(frozen=True)
class FeatureSpec:
    """One input field: its JSON kind, whether null is allowed, its dtype."""

    name: str
    kind: str
    nullable: bool
    dtype: str
    categories: tuple[Any, ...] = ()

    @cached_property
    def known(self) -> frozenset[Any]:
        """The categories as a set, made once: requests look values up in it."""
        return frozenset(self.categories)


@dataclass(frozen=True)
class BatchSafety:
    """Whether the model answers each row inside a batch exactly as alone.

    The generator found out by asking the model (see `evidence`); only then
    can requests share a model call without changing any answer.
    """

    exact: bool
    evidence: str
    # Where answers differed only in their numbers: by at most this much.
    deviation: float | None = None


@dataclass(frozen=True)
class ServiceSpec:
    """What the service serves; see `model/spec.json`."""

    service: str
    version: str
    template_version: str
    python_version: str
    model_family: str
    model_class: str
    estimator: str
    model_file: str
    model_sha256: str
    model_input: str
    task: str
    methods: tuple[str, ...]
    classes: tuple[Any, ...]
    features: tuple[FeatureSpec, ...]
    examples: tuple[dict[str, Any], ...]
    libraries: dict[str, str]
    batching: BatchSafety
    # What runs the model: {"name": "native"}, or the converted model's
    # converter and how far its scores were measured from the model's.
    runtime: dict[str, Any]
    # The converted graph's inputs and outputs (empty under "native").
    onnx: dict[str, Any]
    # How the model file is kept ("native", "skops", "pickle" or "onnx"),
    # and the types skops does not trust that MLJET reviewed for it.
    storage: str = "pickle"
    trusted_types: tuple[str, ...] = ()
    # Measured at generation, for the model page: per feature and for the
    # model's answers, the sample's range and histogram or its most frequent
    # values; and what the model leans on ({"kind", "how", "values"}).
    sample_profile: dict[str, Any] = field(default_factory=dict)
    importances: dict[str, Any] | None = None
    # How the model did on labelled rows at generation (`--eval`): its
    # scores, and the curves the report page draws; None without them.
    report_card: dict[str, Any] | None = None
    # The report the model's library wrote about it (`--report DIR`): who
    # wrote it, its page, the path it is served at, its folder and files.
    own_report: dict[str, Any] | None = None
    # How `/explain` explains the model's answers: its method, the output
    # it explains, and the largest additivity error measured at generation
    # on the example rows; None where the service has no `/explain`.
    explanation: dict[str, Any] | None = None

    @property
    def feature_names(self) -> list[str]:
        return list(self.names)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The features' names, in order, made once."""
        return tuple(feature.name for feature in self.features)

    @cached_property
    def nullable(self) -> bool:
        """Every feature takes null."""
        return all(f.nullable for f in self.features)

    @cached_property
    def numbers_only(self) -> bool:
        """Every feature is a number: requests can be read straight into
        one float array (`validation`)."""
        return bool(self.features) and all(f.kind == "float" for f in self.features)

    @property
    def model_path(self) -> Path:
        return MODEL_DIR / self.model_file

    @classmethod
    def load(cls, path: Path = MODEL_DIR / "spec.json") -> ServiceSpec:
        raw: dict[str, Any] = orjson.loads(path.read_bytes())
        features = tuple(
            FeatureSpec(
                name=f["name"],
                kind=f["kind"],
                nullable=f["nullable"],
                dtype=f["dtype"],
                categories=tuple(f.get("categories", ())),
            )
            for f in raw.pop("features")
        )
        return cls(
            features=features,
            methods=tuple(raw.pop("methods")),
            classes=tuple(raw.pop("classes")),
            examples=tuple(raw.pop("examples")),
            batching=BatchSafety(**raw.pop("batching")),
            trusted_types=tuple(raw.pop("trusted_types", ())),
            **raw,
        )
