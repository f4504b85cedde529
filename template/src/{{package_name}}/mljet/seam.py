# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The seam around the model: the owner's `prepare` and `finish` (in
`model.py`, beside this package), as every prediction goes through them.

For each request, whatever its route or protocol (`/predict*`, the Open
Inference Protocol, MLflow's `/invocations`):

    the request's inputs, validated
      -> prepare(columns)          the owner's: the model's columns from them
      -> the model                 perhaps in one call with other requests'
      -> finish(method, answers)   the owner's: what the client gets
      -> the reply

`model.py` may also say that clients send other inputs than the model's
features (`SENT` and `COMPUTED`): validation, the OpenAPI document,
`/metadata` and the model page then describe the inputs clients send.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from .owner import owner_module
from .spec import FeatureSpec, ServiceSpec
from .validation import Batch
from .validation import Columns as Columns  # for model.py: one list per input

# Per model method, its answer for each of the request's rows.
Answers = Mapping[str, list[Any]]
# The dtype an input clients send is kept in (prepare turns it into the
# model's own).
FIELD_DTYPES = {
    "float": "float64",
    "int": "int64",
    "bool": "bool",
    "string": "object",
    "category": "object",
}


class SeamError(RuntimeError):
    """`model.py` declares what the service cannot use, or its `prepare` or
    `finish` returned what the model or a client cannot take."""


@dataclass(frozen=True)
class Field:
    """An input clients send that the model does not take: `prepare` turns
    it into the model's features.

    `kind` is "float", "int", "bool", "string" or "category" (with its
    `categories`, the only values accepted); `example` is the value shown in
    the examples and the documentation, and sent by the golden tests.
    """

    name: str
    kind: str
    example: Any
    nullable: bool = False
    categories: tuple[Any, ...] = field(default_factory=tuple)

    def as_feature(self) -> FeatureSpec:
        return FeatureSpec(
            self.name,
            self.kind,
            self.nullable,
            FIELD_DTYPES[self.kind],
            tuple(self.categories),
        )


def _unchanged(columns: Columns) -> Columns:
    return columns


def _as_answered(method: str, answers: Answers) -> list[Any]:
    return answers[method]


@dataclass(frozen=True)
class Seam:
    """The owner's `prepare` and `finish`, and what they change of the inputs."""

    prepare: Callable[[Columns], Columns] = _unchanged
    finish: Callable[[str, Answers], list[Any]] = _as_answered
    sent: tuple[Field, ...] = ()
    computed: tuple[str, ...] = ()
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of_owner(cls) -> Seam:
        """The seam `model.py` declares (each part it leaves out does nothing)."""
        return cls.of(owner_module("model"))

    @classmethod
    def of(cls, module: ModuleType) -> Seam:
        default = cls()
        return cls(
            prepare=getattr(module, "prepare", default.prepare),
            finish=getattr(module, "finish", default.finish),
            sent=tuple(getattr(module, "SENT", ())),
            computed=tuple(getattr(module, "COMPUTED", ())),
            reads=dict(getattr(module, "READS", {})),
        )

    def check(self, spec: ServiceSpec) -> None:
        """Refuse declarations that cannot hold for the model of `spec` (at
        start-up, before any request)."""
        model = set(spec.feature_names)
        for name in self.computed:
            if name not in model:
                raise SeamError(
                    f"model.py: COMPUTED names {name!r}, which is not one of the "
                    f"model's features ({', '.join(spec.feature_names)})"
                )
        kept = model - set(self.computed)
        for sent in self.sent:
            if not isinstance(sent, Field):
                raise SeamError(f"model.py: SENT holds {sent!r}, not a Field")
            if sent.kind not in FIELD_DTYPES:
                raise SeamError(
                    f"model.py: the Field {sent.name!r} has kind {sent.kind!r}; "
                    f"kinds: {', '.join(FIELD_DTYPES)}"
                )
            if sent.name in kept:
                raise SeamError(
                    f"model.py: SENT names {sent.name!r}, which clients already "
                    "send (a model feature); add it to COMPUTED to replace it"
                )
        for method, read in self.reads.items():
            unknown = [m for m in (method, *read) if m not in spec.methods]
            if unknown:
                raise SeamError(
                    f"model.py: READS names {', '.join(unknown)}; the model's "
                    f"methods are {', '.join(spec.methods)}"
                )

    def api_spec(self, spec: ServiceSpec) -> ServiceSpec:
        """`spec` as clients see it: the inputs they send, and examples of them."""
        if not (self.sent or self.computed):
            return spec
        computed = set(self.computed)
        features = tuple(f for f in spec.features if f.name not in computed)
        added = {sent.name: sent.example for sent in self.sent}
        examples = tuple(
            {**{k: v for k, v in example.items() if k not in computed}, **added}
            for example in spec.examples
        )
        return replace(
            spec,
            features=features + tuple(s.as_feature() for s in self.sent),
            examples=examples,
        )

    def methods(self, asked: Sequence[str]) -> tuple[str, ...]:
        """The model methods to call for `asked`: those, and what `finish`
        reads to finish them."""
        needed = list(asked)
        for method in asked:
            needed.extend(m for m in self.reads.get(method, ()) if m not in needed)
        return tuple(needed)

    @functools.cached_property
    def prepares_nothing(self) -> bool:
        """`prepare` only returns its argument, as the template's does: its
        code is that of `_unchanged`, whatever its names and docstring."""
        code = getattr(self.prepare, "__code__", None)
        return (
            code is not None
            and code.co_argcount == 1
            and code.co_code == _unchanged.__code__.co_code
        )

    def prepared(self, batch: Batch, features: Sequence[str]) -> Batch:
        """The model's columns (`features`) for one request's `batch`."""
        if self.prepares_nothing and batch.names == tuple(features):
            # Nothing to turn into lists for prepare() (a batch read in one
            # pass is an array until a column is asked for).
            return batch
        sent = batch.columns
        given = self.prepare(dict(sent))
        if batch.names == tuple(features):
            # Clients send the model's features: usually prepare() keeps
            # them all, which one pass (in C) over the names tells; the
            # batch's array then holds them still.
            same: list[Any] = list(map(given.get, features))
            if all(map(operator.is_, same, map(sent.__getitem__, features))):
                columns = dict(zip(features, same, strict=True))
                return Batch(columns, batch.size, batch.matrix)
        columns = {}
        for name in features:
            value = given.get(name, _MISSING)
            if value is _MISSING:
                raise SeamError(f"model.py: prepare() returned no column {name!r}")
            if value is sent.get(name, _MISSING):
                columns[name] = value  # checked already: a list, as long
            else:
                columns[name] = _listed(value, name, batch.size, "prepare()")
        return Batch(columns, batch.size)

    def finished(
        self, asked: Sequence[str], outputs: Answers, size: int
    ) -> dict[str, list[Any]]:
        """What the client gets for each of the `asked` methods."""
        return {
            method: _listed(self.finish(method, outputs), method, size, "finish()")
            for method in asked
        }


_MISSING: Any = object()


def _listed(values: Any, name: str, size: int, by: str) -> list[Any]:
    """`values` as a list of plain values, `size` long, or a SeamError."""
    if type(values) is list:
        found = values
    elif hasattr(values, "tolist"):  # a NumPy array or a pandas Series
        found = values.tolist()
    else:
        found = list(values)
    if len(found) != size:
        raise SeamError(
            f"model.py: {by} gave {len(found)} values for {name!r}, for {size} rows"
        )
    return found
