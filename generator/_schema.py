"""The typed input schema of a service: one `Feature` per model input column.

The schema is framework-free data: the generator infers it (from the model
alone, or from a sample) and renders it into the service as JSON, where the
service validates requests and builds its OpenAPI document from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FeatureKind = Literal["float", "int", "bool", "category", "string"]


@dataclass(frozen=True)
class Feature:
    """One input column as the API accepts it.

    `categories` lists the allowed values of a `category` feature (JSON
    scalars, in a stable order). `dtype` is the pandas dtype the column had
    in the sample (or `float64` without one), so that the service hands the
    model the same dtypes it saw at generation time.
    """

    name: str
    kind: FeatureKind
    nullable: bool = False
    categories: tuple[Any, ...] = ()
    dtype: str = "float64"

    def to_answer(self) -> dict[str, Any]:
        """The feature as a plain dict, the form kept in the Copier answers."""
        answer: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "nullable": self.nullable,
            "dtype": self.dtype,
        }
        if self.kind == "category":
            answer["categories"] = list(self.categories)
        return answer


@dataclass(frozen=True)
class Schema:
    """The features in the order the model expects them, plus example rows.

    `examples` are JSON-ready records (dicts keyed by feature name) taken from
    the sample, or synthesised when there is none; they become OpenAPI
    examples and the inputs of the golden tests.
    """

    features: tuple[Feature, ...]
    examples: tuple[dict[str, Any], ...] = field(default=())
    from_sample: bool = False

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]
