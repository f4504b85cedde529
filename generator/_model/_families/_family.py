"""What a model family is: the protocol every library's module satisfies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .._explanations import ExplanationPlan
from .._model_info import ModelInfo, StoredModel
from .._onnx import OnnxModel


@dataclass(frozen=True)
class DistributionFacts:
    """What a service needs of a library's distributions beyond their metadata.

    Keyed by canonical distribution name. They hold wherever the
    distribution is pinned, also under another family's model (an XGBoost
    step inside a scikit-learn pipeline):
    - `system_packages`: Debian packages its wheel loads from the system;
    - `unused_dependencies`: declared dependencies serving never imports,
      left out of the pins (the image installs with `--no-deps`);
    - `cpu_builds`: a CPU-only distribution of the same release, pinned on
      Linux (where images run) instead of a wheel that bundles GPU support.
    """

    system_packages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unused_dependencies: Mapping[str, frozenset[str]] = field(default_factory=dict)
    cpu_builds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OwnReport:
    """A report the library writes about a model, served as written.

    `writer` names what writes it (and where, for the user); `page` is the
    HTML file it opens with, beside the charts it links to by relative
    names; `path` is where the service serves the folder (`--report DIR`).
    """

    writer: str
    page: str
    path: str


class ModelFamily(Protocol):
    """How the generator recognises, describes and stores one library's models."""

    name: str
    # The library's distribution, as /metadata reports its version.
    library: str
    supported: str
    # Suffixes of the library's own model files, which `load_file` reads, and
    # how the service's README names the format `save` writes ("" for none).
    file_suffixes: tuple[str, ...]
    native_format: str
    distributions: DistributionFacts
    # Why the library's own pickles name globals that can run commands
    # (said when such a pickle is refused without --trust), "" if they never do.
    pickle_caveat: str

    @property
    def own_report(self) -> OwnReport | None:
        """The report the library writes about its models, if it writes one."""

    def supports(self, model: object) -> bool:
        """Whether the object comes from this family's library."""

    def introspect(self, model: object) -> ModelInfo:
        """Describe a fitted model, with what it says of each of its inputs
        (`ModelInfo.inputs`); raise MljetError for one it cannot serve.

        A model that does not say how many inputs it takes has
        `n_features` 0: its inputs then come from the sample.
        """

    def load_file(self, path: Path) -> object:
        """Read one of the library's own model files; MljetError if it cannot."""

    def explanation(self, model: object) -> ExplanationPlan:
        """The method that explains the (servable) model's answers exactly,
        or why none does: the service's `/explain` uses it."""

    def servable(self, model: object) -> object:
        """The model as the service runs it.

        A native booster becomes the library's scikit-learn-style estimator
        where the service loads it into one, so that the sample is checked
        against what will really serve.
        """

    def to_onnx(
        self, model: object, info: ModelInfo, features: Sequence[Mapping[str, Any]]
    ) -> OnnxModel:
        """The model converted to ONNX with its library's converter.

        `features` are the service's features, in the answers' form. A step
        or model the converter cannot take is a MljetError naming it, and why.
        """

    def save(self, model: object, directory: Path, source: Path | None) -> StoredModel:
        """Store the model in `directory` in the safest format that fits.

        `source` is the file the user gave, if any; a family may keep it
        byte for byte rather than write the model again.
        """
