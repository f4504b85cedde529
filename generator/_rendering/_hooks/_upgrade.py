"""The answers a project made by an earlier template lacks, for this one.

Copier runs `hooks/complete_answers.py` before an update (a `_migrations`
entry of `copier.yml`), in the model's Python. The answers this template
needs that the project's answers file does not hold are derived as
generation would have recorded them: from the registries, from what the
answers already say (how the model file is kept, the modules behind the
pinned distributions) and, for golden values, from the project's own code,
which still predicts the examples as it did. Answers an earlier template
recorded that this one computes as it renders (`when: false` in copier.yml,
such as the backend's facts) or no longer asks, Copier itself drops.
"""

from __future__ import annotations

from typing import Any

from ..._model._families import family_named, stored_model_of
from ..._model._importances import Importances
from .._answers import NATIVE_RUNTIME_ANSWERS, json_native, storage_answers
from .._options import default_of
from .._requirements import modules_of_distributions
from ._golden import record_golden, served
from ._project import Project


def missing_answers(project: Project) -> dict[str, Any]:
    """Each answer this template needs that the project does not record."""
    answers = project.answers
    family = family_named(answers["model_family"])

    # From the registries and the answers alone: cheap, so derived at once.
    known = storage_answers(stored_model_of(family, answers))
    found = {
        key: known[key]
        for key in ("model_storage", "model_format")
        if key not in answers
    }
    # Made before runtimes and built examples: served natively, from a sample.
    earlier = {
        **NATIVE_RUNTIME_ANSWERS,
        "model_runtime": "native",
        "onnx_tolerance": default_of("onnx_tolerance"),
        "examples_from_sample": True,
    }
    found.update({k: v for k, v in earlier.items() if k not in answers})
    if "model_modules" not in answers:
        # The model's modules were pinned with the code's: the modules of the
        # distributions pinned directly hold them, and pinning is unchanged.
        direct = answers.get("direct_requirements", ())
        found["model_modules"] = sorted(modules_of_distributions(direct))
    if "golden_alone" not in answers or "batching" not in answers:
        golden = record_golden(project.path, answers)
        derived = {
            "golden_alone": golden.alone,
            "batching": golden.batching.to_answer(),
        }
        found.update({k: v for k, v in derived.items() if k not in answers})
    if "importances" not in answers:
        found["importances"] = _importances_read_by(project)
    if "explanation" not in answers:
        # Checked on the service's own explainer, which its code lacks yet.
        found["explanation"] = None
        found["explanation_note"] = (
            "the service was made before /explain existed; putting its model "
            "in again (python -m generator MODEL --update DIR) adds it"
        )
    return json_native(found)


def _importances_read_by(project: Project) -> dict[str, Any] | None:
    """What the project's own runtime reads from its loaded model: earlier
    templates served the model's own measure, read as the service loaded it;
    this one records it at generation."""
    with served(project.path, project.answers) as service:
        read = getattr(service.runtime, "importances", None)
        found = read() if callable(read) else None
        if found is None:
            return None
        names = list(service.spec.feature_names)
        return Importances.owned(str(found.kind), found.values).to_answer(names)
