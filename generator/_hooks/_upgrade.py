"""The answers a project made by an earlier template lacks, for this one.

Copier runs `hooks/complete_answers.py` before an update (a `_migrations`
entry of `copier.yml`), in the model's Python. The answers this template
needs that the project's answers file does not hold are derived as
generation would have recorded them: from the registries (the backend's
facts, the modules mypy may not check), from what the answers already say
(how the model file is kept, the modules behind the pinned distributions)
and, for golden values, from the project's own code, which still predicts
the examples as it did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._answers import json_native, serving_answers, storage_answers
from .._backends import backend_named
from .._families import family_named, stored_model_of
from .._requirements import modules_of_distributions
from ._golden import record_golden
from ._project import Project


def missing_answers(project: Project) -> dict[str, Any]:
    """Each answer this template needs that the project does not record."""
    answers = project.answers
    backend = backend_named(answers["backend"])
    family = family_named(answers["model_family"])

    def serving() -> dict[str, Any]:
        return serving_answers(backend, family, project.package)

    def storage() -> dict[str, Any]:
        return storage_answers(stored_model_of(family, answers))

    def golden_alone() -> dict[str, Any]:
        methods, examples = tuple(answers["methods"]), answers["examples"]
        return record_golden(project.path, project.package, methods, examples).alone

    derived: dict[str, Callable[[], Any]] = {
        "backend_facts": lambda: serving()["backend_facts"],
        "untyped_modules": lambda: serving()["untyped_modules"],
        "model_storage": lambda: storage()["model_storage"],
        "model_format": lambda: storage()["model_format"],
        # The model's modules were pinned with the code's: the modules of the
        # distributions pinned directly hold them, and pinning is unchanged.
        "model_modules": lambda: sorted(
            modules_of_distributions(answers.get("direct_requirements", ()))
        ),
        "golden_alone": golden_alone,
    }
    return json_native(
        {key: make() for key, make in derived.items() if key not in answers}
    )
