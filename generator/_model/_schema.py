"""The typed input schema of a service: one `Feature` per model input column.

The schema is framework-free data: the generator learns it from the fitted
model first (`InputFact`), then from a sample, then by asking the model
(the schema hook), and renders it into the service as JSON, where the
service validates requests and builds its OpenAPI document from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FeatureKind = Literal["float", "int", "bool", "category", "string"]


@dataclass(frozen=True)
class InputFact:
    """What the fitted model itself says about one of its inputs.

    `kind` is None when the model does not say (a column that goes into a
    function of the user's own, say): only a sample can tell then.
    `categories` are the values the model was fitted with, when it keeps
    them (an encoder's `categories_`, a booster's `pandas_categorical`).
    `source` says where the fact was read, for the answers.
    """

    kind: FeatureKind | None
    dtype: str = "float64"
    categories: tuple[Any, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Feature:
    """One input column as the API accepts it.

    A `category` feature is closed: only its `categories` are accepted.
    Any other kind may list `categories` too: the values the model knows,
    shown to clients as examples but not enforced, because the model
    answers for other values as well (an encoder that ignores unknown
    values). `dtype` is the pandas dtype the service hands the model the
    column in: the sample's, or what the model was fitted with.
    `learned` says, per fact (kind, categories, nullable), how it was
    learned, and is kept in the answers.
    """

    name: str
    kind: FeatureKind
    nullable: bool = False
    categories: tuple[Any, ...] = ()
    dtype: str = "float64"
    learned: Mapping[str, str] = field(default_factory=dict)

    def to_answer(self) -> dict[str, Any]:
        """The feature as a plain dict, the form kept in the Copier answers."""
        answer: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "nullable": self.nullable,
            "dtype": self.dtype,
        }
        if self.categories or self.kind == "category":
            answer["categories"] = list(self.categories)
        if self.learned:
            answer["learned"] = dict(self.learned)
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
