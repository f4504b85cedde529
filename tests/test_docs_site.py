"""The documentation site (`mkdocs.yml`, `docs/`) builds with
`mkdocs build --strict`: every page in the navigation, every link and
anchor resolved, the reference tables written from the parser and from
`copier.yml` (`scripts/docs_reference.py`)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml
from doc_pages import code_blocks, on_port, shell_env, wait_until_ready
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from generator import cook
from generator._entry_points._cli import parser
from servers import free_port, serve

REPO = Path(__file__).resolve().parents[1]


def build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )  # fmt: skip


def text_of(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))


def test_the_site_builds_strictly_with_the_generated_reference(tmp_path: Path) -> None:
    built = build(REPO, tmp_path / "site")
    assert built.returncode == 0, built.stderr[-3000:]
    cli = text_of(tmp_path / "site" / "reference" / "cli" / "index.html")
    for action in parser()._actions:
        for flag in action.option_strings:
            if flag not in ("-h", "--help", "--version"):
                assert flag in cli, flag
    answers = text_of(tmp_path / "site" / "reference" / "answers" / "index.html")
    for name in yaml.safe_load((REPO / "copier.yml").read_text()):
        if not name.startswith("_"):
            assert name in answers, name
    cook = (tmp_path / "site" / "reference" / "cook" / "index.html").read_text()
    assert 'id="generator.cook"' in cook


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    for part in ("mkdocs.yml", "docs", "scripts", "generator", "copier.yml"):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, copy / part)
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy(source, copy / part)
    index = copy / "docs" / "index.md"
    index.write_text(index.read_text() + "\nSee [nowhere](nowhere.md).\n")
    built = build(copy, tmp_path / "site")
    assert built.returncode != 0
    assert "nowhere.md" in built.stderr


def test_the_committed_reference_tables_are_written_from_their_sources() -> None:
    """The pages read whole on GitHub too: their tables are committed, and
    equal what the parser, the registries and copier.yml give now."""
    sys.path.insert(0, str(REPO / "scripts"))
    from docs_reference import stale_pages

    stale = [str(page.relative_to(REPO)) for page in stale_pages()]
    assert stale == [], f"run python scripts/docs_reference.py to rewrite {stale}"
    for page in ("reference/cli.md", "reference/cook.md", "how-to/families.md"):
        text = (REPO / "docs" / page).read_text()
        assert text.count("\n| ") > 5, page


def test_the_troubleshooting_page_shows_what_a_service_answers(tmp_path: Path) -> None:
    """Each error the page quotes is what the service it names answers (an
    iris model's, on FastAPI), word for word."""
    x, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(x, y)
    project = cook(model, sample=x.head(20), name="iris_fastapi", backend="fastapi",
                   output=tmp_path / "iris", quiet=True, git=False)  # fmt: skip
    page = (REPO / "docs/how-to/troubleshooting.md").read_text()
    quoted = re.findall(r"```text\n(.*?)\n```", page, re.S)
    json_type = {"Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    asked = [
        (b'{"instances":[[1,2,3,4]]}', form),
        (b'{"instances":[{"sepal length (cm)": "x", "sepal width (cm)": 3}]}',
         json_type),
        (b'{"rows":[[1,2,3,4]]}', json_type),
        (b'{"instances":[[1,2,3,4]', json_type),
    ]  # fmt: skip
    with serve("iris_fastapi", pythonpath=project / "src") as server:
        answers = [
            server.call("POST", "/predict", b, h).body.decode() for b, h in asked
        ]
    for answer in answers:
        assert any(answer in block.splitlines() for block in quoted), answer
    refused = subprocess.run(
        [sys.executable, "-m", "iris_fastapi"], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(project / "src"), "PROTECT_ALL": "on"},
        timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] in quoted


def test_the_quickstart_runs_as_written(tmp_path: Path) -> None:
    """docs/quickstart.md, its commands in order (but the first, MLJET's own
    install, which made this environment): each answer as the page shows it.
    The service's venv sees this environment's packages, so that its pinned
    install finds them there rather than downloading them again."""
    page = (REPO / "docs/quickstart.md").read_text()
    install, (_, training), *steps = code_blocks(page)
    assert install[1].startswith("pip install") and training.startswith("# train.py")
    (tmp_path / "train.py").write_text(training)
    port = free_port()
    env = shell_env(port)
    commands = [on_port(code.strip(), port) for kind, code in steps if kind == "bash"]
    shown = [code.strip() for kind, code in steps if kind == "json"]
    run_it = next(c for c in commands if "python -m venv" in c)
    calls = [c for c in commands if c.startswith("curl")]
    before = commands[: commands.index(run_it)]
    subprocess.run(["bash", "-e", "-c", "\n".join(before)], cwd=tmp_path, env=env,
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    project = tmp_path / "iris_service"
    subprocess.run([sys.executable, "-m", "venv", str(project / ".venv")], check=True)
    (site,) = (project / ".venv/lib").glob("python*/site-packages")
    (site / "this-environment.pth").write_text(sysconfig.get_paths()["purelib"])
    script = "\n".join([
        run_it,
        wait_until_ready(port),
        *(f"{call} > answer{index}.json" for index, call in enumerate(calls)),
        "kill %1",
    ])  # fmt: skip
    ran = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    answers = [(project / f"answer{i}.json").read_text() for i in range(len(calls))]
    assert answers == shown, ran.stderr[-2000:]
