"""The serving benchmark's figures as a bar chart (a PNG, for the docs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(figures: list[Any], path: Path) -> None:
    """Requests/s per load and server, one panel per model, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(f.model for f in figures))
    servers = list(dict.fromkeys(f.server for f in figures))
    loads = list(dict.fromkeys((f.connections, f.rows) for f in figures))
    panel, axes = plt.subplots(
        1, len(models), figsize=(9 * len(models), 5.2), squeeze=False
    )
    width = 0.8 / len(servers)
    colours = plt.get_cmap("tab20")
    for axis, model in zip(axes[0], models, strict=True):
        rates = {
            (f.server, f.connections, f.rows): f.rate
            for f in figures
            if f.model == model
        }
        for index, server in enumerate(servers):
            axis.bar(
                [position + index * width for position in range(len(loads))],
                [rates.get((server, *load), 0) for load in loads],
                width,
                label=server,
                color="black" if server == "hand-written" else colours(index),
            )
        axis.set_yscale("log")
        axis.set_title(f"{model}: requests/s (one worker, higher is better)")
        axis.set_xticks(
            [position + 0.4 - width / 2 for position in range(len(loads))],
            [_load_label(c, r) for c, r in loads],
            fontsize=8,
        )
        axis.grid(axis="y", which="both", alpha=0.3)
    axes[0][-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    panel.tight_layout()
    panel.savefig(path, dpi=110)
    plt.close(panel)


def _load_label(connections: int, rows: int) -> str:
    conns = f"{connections} conn{'s' if connections > 1 else ''}"
    if not rows:
        return f"{conns},\n/health"
    return f"{conns},\n{rows} row{'s' if rows > 1 else ''}"
