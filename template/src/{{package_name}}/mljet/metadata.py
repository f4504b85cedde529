# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""What `GET /metadata` says: the model, its inputs and the limits in force."""

from __future__ import annotations

from typing import Any

from .importances import Importances
from .routes import Route
from .settings import Settings
from .spec import ServiceSpec


def metadata(
    spec: ServiceSpec,
    settings: Settings,
    protocols: dict[str, list[Route]],
    importances: Importances | None,
    model_features: list[str],
) -> dict[str, Any]:
    """`spec`: the service as clients see it; `protocols`: the routes of each
    protocol it speaks; `importances`: the loaded model's own, if it has
    them, one per feature of the model (`model_features`)."""
    return {
        "service": spec.service,
        "version": spec.version,
        "template_version": spec.template_version,
        "model": {
            "class": spec.model_class,
            "estimator": spec.estimator,
            "family": spec.model_family,
            "task": spec.task,
            "methods": list(spec.methods),
            "classes": list(spec.classes),
            "file": spec.model_file,
            "sha256": spec.model_sha256,
        },
        "features": [
            {
                "name": f.name,
                "type": f.kind,
                "nullable": f.nullable,
                # A category takes only its values; another kind lists the
                # values the model knows but takes others too.
                **(
                    {
                        "categories" if f.kind == "category" else "known_values": list(
                            f.categories
                        )
                    }
                    if f.categories
                    else {}
                ),
            }
            for f in spec.features
        ],
        "libraries": spec.libraries,
        "python": spec.python_version,
        "limits": {
            "max_instances": settings.max_instances,
            "max_body_bytes": settings.max_body_bytes,
        },
        "runtime": spec.runtime,
        "batching": settings.batching.to_json(),
        "model_threads": settings.model_threads,
        "protocols": [
            {
                "name": name,
                "routes": [
                    f"{' '.join(r.methods)} {_named(r.path, spec)}" for r in routes
                ],
            }
            for name, routes in protocols.items()
        ],
        "importances": importances.to_json(model_features) if importances else None,
    }


def _named(path: str, spec: ServiceSpec) -> str:
    """A route's path with the model's name and version in it."""
    return path.replace("{name}", spec.service).replace("{version}", spec.version)
