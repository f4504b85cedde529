"""The user's options, defined once for every entry point.

Each field of `Options` carries its `Option`: the command line flag and
help, and the Copier answer it is recorded as. The CLI builds its parser
from them, `cook()` takes them as keywords, and the Copier task reads them
back from the answers; `check` is the one place their values are checked.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .._artifacts import ARTIFACTS, reference_problem
from .._base._errors import OptionError
from .._model._onnx import DEFAULT_ONNX_TOLERANCE, RUNTIMES
from ._backends import BACKENDS, DEFAULT_BACKEND
from ._names import package_name_problem

IMAGE_REFERENCE = re.compile(r"[a-z0-9][a-z0-9._/:@-]*")


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Option:
    """How an option is offered and recorded.

    `answer` names the Copier question the option is recorded as (None:
    it shapes one run only); `to_answer` and `from_answer` convert between
    the option's value and the answer's plain form. `check` says what is
    wrong with a value, or None; `choices` lists the allowed values.
    """

    flag: str
    help: str
    metavar: str | None = None
    answer: str | None = None
    choices: Callable[[], list[str]] | None = None
    check: Callable[[Any], str | None] | None = None
    to_answer: Callable[[Any], Any] = _identity
    from_answer: Callable[[Any], Any] = _identity


def _offered(**spec: Any) -> dict[str, Option]:
    """A field's metadata: how the option is offered."""
    return {"option": Option(**spec)}


def _at_least(minimum: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number, got {value!r}"
        return None if value >= minimum else f"must be at least {minimum}, got {value}"

    return check


def _tolerance_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, got {value!r}"
    return None if 0 <= value < 1 else f"must be at least 0 and below 1, got {value}"


def _image_problem(image: Any) -> str | None:
    if image and not IMAGE_REFERENCE.fullmatch(str(image)):
        return f"{image!r} is not a Docker image reference such as python:3.11-slim"
    return None


def _path_answer(value: Any) -> str:
    # The file's name: its path is the generating machine's. A DataFrame or
    # an array from a notebook has no name to record.
    return Path(value).name if isinstance(value, (str, os.PathLike)) else ""


@dataclass(frozen=True)
class Options:
    """Everything a user can ask of one generation, each with its default."""

    sample: Any = field(
        default=None,
        metadata=_offered(
            flag="--sample",
            metavar="FILE",
            answer="sample_file",
            to_answer=_path_answer,
            from_answer=lambda answer: answer or None,
            help="CSV or Parquet rows of the model's input: examples, and the types "
            "the model itself does not say (cook() also takes a DataFrame or a "
            "2-D array)",
        ),
    )
    eval: Any = field(
        default=None,
        metadata=_offered(
            flag="--eval",
            metavar="FILE",
            help="CSV or Parquet rows the model did not learn from, their true "
            "answers in the --target column: the service's report card says how "
            "the model does on them (cook() also takes a DataFrame)",
        ),
    )
    target: str | None = field(
        default=None,
        metadata=_offered(
            flag="--target",
            metavar="COLUMN",
            help="with --eval: the column that holds the true answers",
        ),
    )
    report: Any = field(
        default=None,
        metadata=_offered(
            flag="--report",
            metavar="DIR",
            help="the folder of the report the model's library wrote about it "
            "(an HTML page and its charts): copied into the service and served "
            "as written, at the path the model's family gives",
        ),
    )
    backend: str = field(
        default=DEFAULT_BACKEND,
        metadata=_offered(
            flag="--backend",
            answer="backend",
            choices=lambda: list(BACKENDS),
            help="web framework and production server of the service",
        ),
    )
    runtime: str = field(
        default="native",
        metadata=_offered(
            flag="--runtime",
            answer="model_runtime",
            choices=lambda: list(RUNTIMES),
            help="what runs the model in the service: native (its own library, "
            "exact) or onnx (converted at generation, ONNX Runtime; labels exact, "
            "scores within --onnx-tolerance)",
        ),
    )
    onnx_tolerance: float = field(
        default=DEFAULT_ONNX_TOLERANCE,
        metadata=_offered(
            flag="--onnx-tolerance",
            metavar="X",
            answer="onnx_tolerance",
            check=_tolerance_problem,
            help="with --runtime onnx: the largest difference allowed between a "
            "score of the converted model and the model's own",
        ),
    )
    name: str | None = field(
        default=None,
        metadata=_offered(
            flag="--name",
            answer="package_name",
            check=package_name_problem,
            help="package name of the service (default: the --output folder's "
            "name, else the model file's name with _service)",
        ),
    )
    output: str | os.PathLike[str] | None = field(
        default=None,
        metadata=_offered(
            flag="--output", metavar="DIR", help="project directory (default: ./NAME)"
        ),
    )
    update: str | os.PathLike[str] | None = field(
        default=None,
        metadata=_offered(
            flag="--update",
            metavar="DIR",
            help="put the model into the existing service DIR instead (a clean git "
            "work tree): its answers, golden tests and pins are refreshed through "
            "Copier's update, keeping your committed edits; the service's recorded "
            "options stay",
        ),
    )
    allow_schema_change: bool = field(
        default=False,
        metadata=_offered(
            flag="--allow-schema-change",
            help="with --update: accept a model whose inputs, task, classes or "
            "methods differ from the service's (the differences are printed)",
        ),
    )
    force: bool = field(
        default=False,
        metadata=_offered(
            flag="--force",
            help="write into a non-empty --output, replacing the files it renders",
        ),
    )
    max_instances: int = field(
        default=10_000,
        metadata=_offered(
            flag="--max-instances",
            metavar="N",
            answer="max_instances",
            check=_at_least(1),
            help="most instances in one request (the service's MAX_INSTANCES "
            "overrides)",
        ),
    )
    max_body_bytes: int = field(
        default=16 * 1024 * 1024,
        metadata=_offered(
            flag="--max-body-bytes",
            metavar="N",
            answer="max_body_bytes",
            check=_at_least(1),
            help="largest request body (the service's MAX_BODY_BYTES overrides)",
        ),
    )
    max_batch_rows: int = field(
        default=1024,
        metadata=_offered(
            flag="--max-batch-rows",
            metavar="N",
            answer="max_batch_rows",
            check=_at_least(1),
            help="most rows in one model call that merges concurrent requests "
            "(the service's MAX_BATCH_ROWS overrides)",
        ),
    )
    max_explain_rows: int = field(
        default=100,
        metadata=_offered(
            flag="--max-explain-rows",
            metavar="N",
            answer="max_explain_rows",
            check=_at_least(1),
            help="most instances in one /explain request (the service's "
            "MAX_EXPLAIN_ROWS overrides)",
        ),
    )
    trust: bool = field(
        default=False,
        metadata=_offered(
            flag="--trust",
            help="load a model file even if it would import code that can run "
            "commands (only for files you made yourself)",
        ),
    )
    code: tuple[str | os.PathLike[str], ...] = field(
        default=(),
        metadata=_offered(
            flag="--code",
            metavar="PATH",
            help="your own module (a .py file or package directory) that a pickled "
            "model refers to; shipped in the service (repeatable)",
        ),
    )
    base_image: str = field(
        default="",
        metadata=_offered(
            flag="--base-image",
            metavar="IMAGE",
            answer="base_image",
            check=_image_problem,
            help="base image of the service's Dockerfile (default: python:X.Y-slim, "
            "X.Y being this Python)",
        ),
    )
    artifact: str | None = field(
        default=None,
        metadata=_offered(
            flag="--artifact",
            answer="artifact",
            choices=lambda: list(ARTIFACTS),
            to_answer=lambda value: value or "none",
            from_answer=lambda answer: None if answer in ("none", "", None) else answer,
            help="build the project into this artifact and verify that it answers the "
            "golden rows exactly as the model does here",
        ),
    )
    run: bool = field(
        default=False,
        metadata=_offered(
            flag="--run", help="keep the verified artifact running and print its URL"
        ),
    )
    push: str | None = field(
        default=None,
        metadata=_offered(
            flag="--push",
            metavar="REGISTRY/NAME[:TAG]",
            check=reference_problem,
            help="after --artifact docker has verified the image, push it there; "
            "its digest is printed and recorded (answers, deploy/kubernetes)",
        ),
    )
    offline: bool = field(
        default=False,
        metadata=_offered(
            flag="--offline",
            help="build the image from wheels downloaded here into wheelhouse/, for "
            "engines that cannot reach a package index",
        ),
    )
    git: bool = field(
        default=True,
        metadata=_offered(
            flag="--no-git",
            help="whether the new project becomes a git repository with a first "
            "commit, unless it lies inside a work tree already; --no-git leaves it "
            "without one",
        ),
    )
    quiet: bool = field(
        default=False, metadata=_offered(flag="--quiet", help="print only errors")
    )

    @classmethod
    def from_keywords(cls, keywords: Mapping[str, Any]) -> Options:
        """`cook()`'s keywords; an unknown one is a TypeError naming the options."""
        known = [spec.name for spec in fields(cls)]
        for name in keywords:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise TypeError(
                    f"cook() got an unknown option '{name}'.{hint} Options: "
                    f"{', '.join(known)}."
                )
        values = dict(keywords)
        code = values.get("code", ())
        # One path, or several: never the characters of one.
        values["code"] = (
            (code,) if isinstance(code, (str, os.PathLike)) else tuple(code)
        )
        return cls(**values)

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any], **others: Any) -> Options:
        """The options recorded in Copier's answers, and `others` besides."""
        recorded = {
            name: spec.from_answer(answers[spec.answer])
            for name, spec in option_specs()
            if spec.answer is not None and spec.answer in answers
        }
        return cls.from_keywords({**recorded, **others})

    def answers(self) -> dict[str, Any]:
        """The recorded options, keyed by their Copier question."""
        return {
            spec.answer: spec.to_answer(getattr(self, name))
            for name, spec in option_specs()
            if spec.answer is not None
        }

    def check(self) -> None:
        """Refuse a value no entry point may pass on: OptionError naming it."""
        for name, spec in option_specs():
            value = getattr(self, name)
            problem = spec.check(value) if spec.check else None
            if problem is None and spec.choices and value is not None:
                allowed = spec.choices()
                if value not in allowed:
                    problem = (
                        f"unknown choice {value!r}; choose one of {', '.join(allowed)}"
                    )
            if problem is not None:
                raise OptionError(name, problem)
        if self.update is not None and (self.output is not None or self.force):
            raise OptionError(
                "update",
                "it puts the model into an existing service in place; --output and "
                "--force name a new project: give one or the other",
            )
        if not self.git and self.update is not None:
            raise OptionError(
                "git",
                "it leaves a new project without a repository; --update puts the "
                "model into an existing one, which is a git work tree",
            )
        if self.allow_schema_change and self.update is None:
            raise OptionError(
                "allow_schema_change", "it only applies with --update DIR"
            )
        if self.push is not None and self.artifact != "docker":
            raise OptionError(
                "push",
                "it pushes the verified Docker image: also choose --artifact docker",
            )
        if (self.eval is None) != (self.target is None):
            given = "eval" if self.target is None else "target"
            missing = "--target" if self.target is None else "--eval"
            raise OptionError(
                given,
                "the report card compares the model's answers for --eval's rows "
                f"with the true ones in their --target column: also give {missing}",
            )
        if self.run and self.artifact is None:
            raise OptionError(
                "run",
                "it keeps a built artifact running: also choose an artifact "
                f"({' or '.join(ARTIFACTS)})",
            )

    def with_name(self, name: str) -> Options:
        return replace(self, name=name)


def option_specs() -> Iterator[tuple[str, Option]]:
    """Each option's name and how it is offered, in the order of `Options`."""
    for spec in fields(Options):
        yield spec.name, spec.metadata["option"]


def default_of(name: str) -> Any:
    return next(spec.default for spec in fields(Options) if spec.name == name)


def output_of(options: Options, package: str) -> Path:
    return Path(options.output) if options.output is not None else Path(package)
