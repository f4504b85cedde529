# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Load the model and run its prediction methods on a batch.

The model comes from its family's adapter (`model_adapter.py`), which gives
every library's model the same methods and output shapes, and its input
from `model_input.py`, which builds what the model was fitted on (a
DataFrame, an array, or a converted graph's arrays) from a batch's
columns: nothing here depends on the library.
"""

from __future__ import annotations

import functools
from typing import Any

from .contributions import Contributions, Explainer
from .explainer import load_explainer
from .model_adapter import load_model
from .model_file import verify_model_file
from .model_input import ModelInput
from .spec import ServiceSpec
from .validation import Batch


class ModelRuntime:
    """The model behind one small interface: `load`, then `run`."""

    def __init__(self, model: Any, spec: ServiceSpec) -> None:
        self._model = model
        self._spec = spec
        self._labels = [str(label) for label in spec.classes]
        self.model_input = ModelInput(spec)

    @classmethod
    def load(cls, spec: ServiceSpec) -> ModelRuntime:
        verify_model_file(spec)
        return cls(load_model(spec), spec)

    def run(self, method: str, batch: Batch) -> list[Any]:
        """Call `method` on the batch; 2-D scores come back labelled by class."""
        outputs = getattr(self._model, method)(self.model_input(batch))
        if method != "predict" and outputs.ndim == 2:
            labels = self._labels
            return [dict(zip(labels, row, strict=True)) for row in outputs.tolist()]
        result: list[Any] = outputs.tolist()
        return result

    @functools.cached_property
    def explainer(self) -> Explainer:
        """The model's explainer, made when first asked (`PredictionService`
        asks as it loads the model, where the service explains)."""
        made = load_explainer(self._model, self._spec)
        if made is None:
            raise RuntimeError("this service's model has no explainer")
        return made

    def explain(self, batch: Batch) -> Contributions:
        """Each row's outputs, base values and feature contributions."""
        return self.explainer.explain(self.model_input(batch))
