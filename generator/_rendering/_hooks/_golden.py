"""The golden hook: predictions recorded by the generated service's own code.

The rendered package is imported from the project under a private name and
asked to predict the example rows exactly as it will when serving, so the
recorded values are what the service must reproduce. The service promises
to answer each request as the model answers that request alone, so two
sets are recorded per method: the examples sent as one request, and each
example sent alone. (A linear model may give a row alone other last bits
than the same row in a batch: BLAS sums them in another order.) The same
code then finds out whether the service may merge concurrent requests into
one model call without changing any answer (`_batch_check`).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

from ..._base._errors import MljetError
from .._layout import runtime_module
from ._batch_check import BatchSafety, check_batching, probe_rows

Predictions = dict[str, list[Any]]


@dataclass(frozen=True)
class Golden:
    """Per method: the answer to all examples at once, and to each alone;
    and whether requests may share a model call."""

    together: Predictions
    alone: Predictions
    batching: BatchSafety


def record_golden(project: Path, answers: Mapping[str, Any]) -> Golden:
    """Ask the project's code for its examples' predictions, as its answers
    (package, methods, examples, features) describe them."""
    methods: list[str] = answers["methods"]
    examples: list[Any] = answers["examples"]
    with served(project, answers) as service:

        def each_alone(rows: list[Any]) -> Predictions:
            # Each request parsed once, then asked of every method.
            each = [service.parsed([row]) for row in rows]
            return {
                m: [service.predicted(m, batch)[0] for batch in each] for m in methods
            }

        together = service.parsed(examples)
        rows = probe_rows(examples, answers["features"])
        try:
            alone = each_alone(rows)
        except Exception:
            # The model refuses the inexact copies: probe with the examples.
            rows = list(examples)
            alone = each_alone(rows)
        return Golden(
            together={m: service.predicted(m, together) for m in methods},
            alone={m: answers[: len(examples)] for m, answers in alone.items()},
            batching=check_batching(service.asked, methods, rows, alone),
        )


@dataclass(frozen=True)
class Served:
    """The project's own code, asked as a client would be answered."""

    parse_batch: Any
    runtime: Any
    spec: Any
    client_error: type[Exception]
    # The imported package's name, for `runtime_module`.
    package: str = ""

    @property
    def run(self) -> Any:
        return self.runtime.run

    def parsed(self, instances: list[Any]) -> Any:
        body = orjson.dumps({"instances": instances})
        try:
            return self.parse_batch(body, self.spec, max(len(instances), 1))
        except self.client_error as error:
            raise MljetError(
                "The example rows do not pass the service's own validation: "
                f"{orjson.dumps(error.to_json()).decode()}"  # type: ignore[attr-defined]
            ) from None

    def predicted(self, method: str, batch: Any) -> list[Any]:
        # Through JSON: the golden values are what a client reads.
        answer: list[Any] = orjson.loads(orjson.dumps(self.run(method, batch)))
        return answer

    def asked(self, method: str, instances: list[Any]) -> list[Any]:
        return self.predicted(method, self.parsed(instances))


@contextmanager
def served(project: Path, answers: Mapping[str, Any]) -> Iterator[Served]:
    """The rendered service's validation and runtime, its model loaded."""
    with imported_package(project, answers["package_name"]) as module:
        name = module.__name__
        spec = runtime_module(name, "spec").ServiceSpec.load()
        runtime = runtime_module(name, "runtime").ModelRuntime.load(spec)
        yield Served(
            parse_batch=runtime_module(name, "validation").parse_batch,
            runtime=runtime,
            spec=spec,
            client_error=runtime_module(name, "errors").ClientError,
            package=name,
        )


@contextmanager
def imported_package(project: Path, package: str) -> Iterator[ModuleType]:
    """The project's package, imported under a private name for the duration.

    A private name, so that a package of the same name imported earlier in
    this process (another project's) is neither used nor disturbed.
    """
    alias = f"_mljet_staged_{uuid.uuid4().hex}"
    package_dir = project / "src" / package
    spec = importlib.util.spec_from_file_location(
        alias,
        package_dir / "__init__.py",
        submodule_search_locations=[str(package_dir)],
    )
    if spec is None or spec.loader is None:
        raise MljetError(f"cannot import the rendered package from {package_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    # The package sets thread variables for its own process when imported;
    # this process (a user's notebook) keeps its own.
    environment = dict(os.environ)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for name in os.environ.keys() - environment.keys():
            del os.environ[name]
        os.environ.update(
            (name, value)
            for name, value in environment.items()
            if os.environ.get(name) != value
        )
        for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
            del sys.modules[name]
