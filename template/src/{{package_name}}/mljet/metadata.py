# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""What `GET /metadata` says: the model, its inputs and the limits in force."""

from __future__ import annotations

from typing import Any

from .routes import Route
from .settings import Settings
from .spec import ServiceSpec


def metadata(
    spec: ServiceSpec,
    settings: Settings,
    protocols: dict[str, list[Route]],
) -> dict[str, Any]:
    """`spec`: the service as clients see it; `protocols`: the routes of each
    protocol it speaks."""
    profiled = spec.sample_profile.get("features", {})
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
                # Measured at generation on the sample, when there was one.
                **({"sample": profiled[f.name]} if f.name in profiled else {}),
            }
            for f in spec.features
        ],
        "libraries": spec.libraries,
        "python": spec.python_version,
        "limits": {
            "max_instances": settings.max_instances,
            "max_body_bytes": settings.max_body_bytes,
            "max_explain_rows": settings.max_explain_rows,
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
        "importances": _in_feature_order(spec.importances, spec.feature_names),
        "sample_predictions": spec.sample_profile.get("predictions"),
        "report_card": _figures(spec.report_card),
        # The library's own report about the model: who wrote it, and where.
        "own_report": (
            {k: spec.own_report[k] for k in ("writer", "path")}
            if spec.own_report
            else None
        ),
        # How `/explain` explains the model, checked at generation; None
        # where it has no `/explain`.
        "explanation": spec.explanation,
    }


# The report card's drawings, left to the report page.
DRAWN = ("curves", "residuals")


def _figures(card: dict[str, Any] | None) -> dict[str, Any] | None:
    """The report card's figures (its curves are the report page's)."""
    if card is None:
        return None
    return {key: value for key, value in card.items() if key not in DRAWN}


def _in_feature_order(
    importances: dict[str, Any] | None, names: list[str]
) -> dict[str, Any] | None:
    """The importances' values in the features' order (the spec's JSON keeps
    its keys sorted); those of features clients do not send (the seam
    computes them) last."""
    if importances is None:
        return None
    values = importances["values"]
    order = [n for n in names if n in values] + [n for n in values if n not in names]
    return {**importances, "values": {name: values[name] for name in order}}


def _named(path: str, spec: ServiceSpec) -> str:
    """A route's path with the model's name and version in it."""
    return path.replace("{name}", spec.service).replace("{version}", spec.version)
