"""Golden predictions, recorded by the generated service's own code.

The rendered package is imported from the staging directory under a private
name and asked to predict the example rows exactly as it will when serving,
so the recorded values are what the service must reproduce.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson

from ._errors import MljetError


def record_golden(
    project: Path,
    package: str,
    methods: tuple[str, ...],
    examples: list[dict[str, Any]],
) -> dict[str, list[Any]]:
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
    try:
        spec.loader.exec_module(module)
        service_spec = importlib.import_module(f"{alias}.spec").ServiceSpec.load()
        runtime = importlib.import_module(f"{alias}.runtime").ModelRuntime.load(
            service_spec
        )
        parse_batch = importlib.import_module(f"{alias}.validation").parse_batch
        errors = importlib.import_module(f"{alias}.errors")
        body = orjson.dumps({"instances": examples})
        try:
            batch = parse_batch(body, service_spec, max(len(examples), 1))
        except errors.ClientError as error:
            raise MljetError(
                "The example rows do not pass the service's own validation: "
                f"{orjson.dumps(error.to_json()).decode()}"
            ) from None
        # Round-trip through JSON: the golden values are what a client reads.
        return {
            method: orjson.loads(orjson.dumps(runtime.run(method, batch)))
            for method in methods
        }
    finally:
        for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
            del sys.modules[name]
