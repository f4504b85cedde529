"""`python -m generator` / `mljet`: the command line over `cook`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._answers import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INSTANCES
from ._artifacts import ARTIFACTS
from ._backends import BACKENDS
from ._errors import HookError, MljetError
from ._renderer import WorkerRenderer


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="mljet",
        description="Generate a web-service project that serves a trained model.",
    )
    cli.add_argument(
        "model_file", type=Path, help="the model, saved with joblib or pickle"
    )
    cli.add_argument(
        "--sample",
        type=Path,
        help="CSV or Parquet rows of the model's input, to type the API",
    )
    cli.add_argument("--backend", choices=list(BACKENDS), default="fastapi")
    cli.add_argument(
        "--name", help="package name of the service (default: from the file)"
    )
    cli.add_argument("--output", type=Path, help="project directory (default: ./NAME)")
    cli.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty --output, replacing the files it renders",
    )
    cli.add_argument(
        "--max-instances", type=positive_int, default=DEFAULT_MAX_INSTANCES
    )
    cli.add_argument(
        "--max-body-bytes", type=positive_int, default=DEFAULT_MAX_BODY_BYTES
    )
    cli.add_argument(
        "--trust",
        action="store_true",
        help="load a model file even if it would import code that can run "
        "commands (only for files you made yourself)",
    )
    cli.add_argument(
        "--code",
        action="append",
        default=[],
        metavar="PATH",
        help="your own module (a .py file or package directory) that a pickled "
        "model refers to; shipped in the service (repeatable)",
    )
    cli.add_argument(
        "--base-image",
        default="",
        metavar="IMAGE",
        help="base image of the service's Dockerfile (default: python:X.Y-slim, "
        "X.Y being this Python)",
    )
    cli.add_argument(
        "--artifact",
        choices=list(ARTIFACTS),
        help="build the project into this artifact and verify that it answers the "
        "golden rows exactly as the model does here",
    )
    cli.add_argument(
        "--run",
        action="store_true",
        help="keep the verified artifact running and print its URL",
    )
    cli.add_argument(
        "--offline",
        action="store_true",
        help="build the image from wheels downloaded here into wheelhouse/, for "
        "engines that cannot reach a package index",
    )
    cli.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    cli.add_argument("--version", action="version", version=f"mljet {__version__}")
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    renderer = WorkerRenderer()
    try:
        from ._cook import cook

        cook(
            args.model_file,
            sample=args.sample,
            backend=args.backend,
            name=args.name,
            output=args.output,
            force=args.force,
            quiet=args.quiet,
            max_instances=args.max_instances,
            max_body_bytes=args.max_body_bytes,
            trust=args.trust,
            code=args.code,
            base_image=args.base_image,
            artifact=args.artifact,
            run=args.run,
            offline=args.offline,
            renderer=renderer,
        )
    except HookError as error:
        print(f"mljet: error: {error}", file=sys.stderr)
        return 3
    except MljetError as error:
        print(f"mljet: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mljet: interrupted", file=sys.stderr)
        return 130
    finally:
        renderer.close()
    return 0
