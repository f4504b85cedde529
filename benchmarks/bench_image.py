"""Docker images of generated services against a typical hand-written one.

Run: python benchmarks/bench_image.py [--backends fastapi,flask,sanic,aiohttp]
         [--runtimes native,onnx]

Needs a Docker engine with the base image (scripts/docker-engine). For each
backend the same model's service is generated per runtime, and Dockerfiles
built from the project, all installing from PyPI without the layer cache:
  baseline   the usual single stage: COPY . then pip install the requirements
             (of the native project)
  native     the project's own multi-stage Dockerfile, the model's library
             serving it
  onnx       the same, for the project generated with --runtime onnx
Reported: cold build time, image size, and the rebuild after only the model
file changed (the case a retrained model hits every time); ratios to the
baseline, and the onnx image's size to the native one's.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from generator import cook

BASELINE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
ENV PYTHONPATH=/app/src
CMD ["python", "-m", "{package}"]
"""


def build(project: Path, dockerfile: str, tag: str, cache: bool) -> float:
    command = ["docker", "build", "--quiet", "--file", str(project / dockerfile)]
    command += ["--tag", tag]
    command += [] if cache else ["--no-cache"]
    started = time.perf_counter()
    done = subprocess.run([*command, str(project)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def size_mb(tag: str) -> float:
    done = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", tag],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="fastapi,flask,sanic,aiohttp")
    parser.add_argument("--runtimes", default="native,onnx")
    args = parser.parse_args()
    x, y = make_classification(n_samples=500, n_features=8, random_state=0)
    model = LogisticRegression(max_iter=500).fit(x, y)
    print(f"{'backend':<9} {'image':<10} {'cold build':>11} {'size':>9} "
          f"{'new model':>10}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        for backend in args.backends.split(","):
            rows = {}
            for runtime in args.runtimes.split(","):
                package = f"bench_{backend}_{runtime}"
                project = cook(
                    model, name=package, backend=backend, runtime=runtime,
                    quiet=True, output=Path(scratch) / package,
                )  # fmt: skip
                builds = [(runtime, "Dockerfile")]
                if not rows:
                    (project / "Dockerfile.baseline").write_text(
                        BASELINE.format(package=package)
                    )
                    builds.insert(0, ("baseline", "Dockerfile.baseline"))
                for kind, dockerfile in builds:
                    tag = f"bench-{backend}-{kind}"
                    cold = build(project, dockerfile, tag, cache=False)
                    # A retrained model: the model directory's content changes.
                    spec = project / "src" / package / "model_files" / "spec.json"
                    spec.write_text(spec.read_text() + "\n")
                    again = build(project, dockerfile, tag, cache=True)
                    rows[kind] = (cold, size_mb(tag), again)
            base = rows["baseline"]
            for kind, (cold, size, again) in rows.items():
                print(
                    f"{backend:<9} {kind:<10} {cold:>9.1f} s {size:>6.0f} MB "
                    f"{again:>7.1f} s   ({cold / base[0]:.2f}x, {size / base[1]:.2f}x,"
                    f" {again / base[2]:.2f}x)"
                )
            if {"native", "onnx"} <= rows.keys():
                ratio = rows["onnx"][1] / rows["native"][1]
                print(f"{backend:<9} onnx image: {ratio:.0%} of the native one's size")


if __name__ == "__main__":
    main()
