"""Debian packages that some libraries' wheels load from the system.

Most wheels bundle the shared libraries they link against; LightGBM's Linux
wheel does not bundle GNU OpenMP and fails to import on a slim image
without it. The image's final stage installs what the pinned distributions
need from this table, so the service runs on `python:3.X-slim`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Keyed by canonical distribution name.
SYSTEM_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "lightgbm": ("libgomp1",),
}


def system_packages_for(distributions: Iterable[str]) -> list[str]:
    """The Debian packages the given distributions need, sorted."""
    return sorted(
        {package for name in distributions for package in SYSTEM_PACKAGES.get(name, ())}
    )
