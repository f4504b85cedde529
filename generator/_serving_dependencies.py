"""What a prediction service needs of its libraries' declared dependencies.

Some libraries declare dependencies for work a service never does, and they
make up much of an image. Their edges are left out of the pinned closure,
and the image installs the pins with `--no-deps`:
- XGBoost's Linux wheel depends on NVIDIA's NCCL (469 MB installed) for
  multi-GPU training;
- CatBoost depends on graphviz, matplotlib and plotly (about 150 MB with
  their own dependencies) for plotting; none is imported by `import catboost`.

XGBoost's Linux wheel also bundles CUDA kernels (228 MB installed). Each
release is published as `xgboost-cpu` too, built from the same sources
without CUDA (19 MB). Images run Linux, so there the CPU build is pinned at
the model's version; elsewhere (a Mac running the project's tests) the usual
distribution is. The artifact's parity check shows the CPU build answers as
the model did.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

# Keyed by canonical distribution name.
UNUSED_BY_SERVING: Mapping[str, frozenset[str]] = {
    "xgboost": frozenset({"nvidia-nccl-cu12", "nvidia-nccl-cu13"}),
    "catboost": frozenset({"graphviz", "matplotlib", "plotly"}),
}
CPU_BUILDS: Mapping[str, str] = {"xgboost": "xgboost-cpu"}

# Single quotes, so that a marker sits inside a TOML string as it is.
ON_LINUX = "sys_platform == 'linux'"
NOT_ON_LINUX = "sys_platform != 'linux'"


def used_by_serving(distribution: str, dependency: str) -> bool:
    """Whether the service needs this dependency of this distribution."""
    return dependency not in UNUSED_BY_SERVING.get(distribution, frozenset())


@dataclass(frozen=True)
class Substituted:
    versions: dict[str, str]
    direct: set[str]
    markers: dict[str, str]


def prefer_cpu_builds(versions: Mapping[str, str], direct: Set[str]) -> Substituted:
    """Pin each CPU build beside its library, each under its platform marker."""
    kept = dict(versions)
    wanted = set(direct)
    markers: dict[str, str] = {}
    for library, build in CPU_BUILDS.items():
        if library not in versions or build in versions:
            continue
        kept[build] = versions[library]
        markers[library] = NOT_ON_LINUX
        markers[build] = ON_LINUX
        if library in direct:
            wanted.add(build)
    return Substituted(
        versions={name: kept[name] for name in sorted(kept)},
        direct=wanted,
        markers=markers,
    )
