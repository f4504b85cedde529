"""CPU-only builds of libraries whose Linux wheels bundle GPU support.

XGBoost's Linux wheel is 57 MB and depends on NVIDIA's NCCL, a few hundred
MB more, for multi-GPU training, which a prediction service never does. Each
release is also published as `xgboost-cpu`, built from the same sources
without CUDA, 5 MB. Service images run Linux, so there the CPU build is
pinned, at the model's version, and the GPU-only dependencies are dropped;
elsewhere (a Mac running the project's tests) the usual distribution is.
The artifact's parity check then shows the CPU build answers as the model did.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

# Single quotes, so that a marker sits inside a TOML string as it is.
ON_LINUX = "sys_platform == 'linux'"
NOT_ON_LINUX = "sys_platform != 'linux'"


@dataclass(frozen=True)
class CpuBuild:
    name: str
    gpu_only: frozenset[str]


# Keyed by canonical distribution name.
CPU_BUILDS: Mapping[str, CpuBuild] = {
    "xgboost": CpuBuild(
        name="xgboost-cpu",
        gpu_only=frozenset({"nvidia-nccl-cu12", "nvidia-nccl-cu13"}),
    ),
}


@dataclass(frozen=True)
class Substituted:
    versions: dict[str, str]
    direct: set[str]
    markers: dict[str, str]


def prefer_cpu_builds(
    versions: Mapping[str, str],
    direct: Set[str],
    dependents: Mapping[str, Set[str]],
) -> Substituted:
    """Pin each CPU build beside its library, each under its platform marker.

    `dependents` maps a distribution to the ones that require it: a GPU-only
    dependency stays when anything else (say, torch) needs it too.
    """
    kept = dict(versions)
    wanted = set(direct)
    markers: dict[str, str] = {}
    for library, build in CPU_BUILDS.items():
        if library not in versions or build.name in versions:
            continue
        kept[build.name] = versions[library]
        markers[library] = NOT_ON_LINUX
        markers[build.name] = ON_LINUX
        if library in direct:
            wanted.add(build.name)
        for dependency in build.gpu_only & kept.keys():
            if dependency not in direct and dependents.get(dependency, set()) <= {
                library
            }:
                del kept[dependency]
    return Substituted(
        versions={name: kept[name] for name in sorted(kept)},
        direct=wanted,
        markers=markers,
    )
