"""Health, readiness, metadata, the OpenAPI document and the offline docs."""

from __future__ import annotations

import hashlib
import html
import importlib
import re
from pathlib import Path

import pytest

from conftest import GOLDEN, PACKAGE, Client, SocketClient, free_port

SOURCES = Path(__file__).resolve().parents[1] / "src"


def test_health_and_ready(client: Client) -> None:
    assert client.request("GET", "/health").json() == {"status": "ok"}
    assert client.request("GET", "/ready").json() == {"status": "ready"}


def test_metadata_names_the_model_file_by_its_hash(client: Client) -> None:
    metadata = client.request("GET", "/metadata").json()
    model_files = [
        p
        for p in SOURCES.glob("*/model_files/*")
        if p.is_file() and p.name != "spec.json"
    ]
    assert len(model_files) == 1
    digest = hashlib.sha256(model_files[0].read_bytes()).hexdigest()
    assert metadata["model"]["sha256"] == digest
    assert [f["name"] for f in metadata["features"]] == GOLDEN["feature_names"]
    assert metadata["model"]["methods"] == GOLDEN["methods"]


def test_openapi_documents_every_prediction_route_and_feature(client: Client) -> None:
    document = client.request("GET", "/openapi.json").json()
    for method in GOLDEN["methods"]:
        assert f"/{method}" in document["paths"]
    instance = document["components"]["schemas"]["Instance"]
    assert list(instance["properties"]) == GOLDEN["feature_names"]


def test_docs_are_served_without_a_cdn(client: Client) -> None:
    page = client.request("GET", "/docs")
    assert page.status == 200
    # Relative to the page, so that it also works under ROOT_PATH.
    assert b'src="docs/swagger-ui-bundle.js"' in page.body
    assert b"http" not in page.body.split(b"<body>")[1]
    script = client.request("GET", "/docs/swagger-ui-bundle.js")
    assert script.status == 200
    assert b"SwaggerUIBundle" in script.body


def test_the_report_card_is_served_where_generation_made_one(client: Client) -> None:
    """`/report` draws the card `--eval` made at generation; without one the
    route does not exist."""
    card = client.request("GET", "/metadata").json()["report_card"]
    page = client.request("GET", "/report")
    if card is None:
        assert page.status == 404
        return
    assert page.status == 200
    assert f"{card['rows']:,}" in page.body.decode()


def test_the_librarys_own_report_is_served_as_written_where_one_was_given(
    client: Client,
) -> None:
    """`--report DIR`: each file of the folder the library wrote, byte for
    byte, under the path /metadata names; nothing else under it."""
    own = client.request("GET", "/metadata").json()["own_report"]
    if own is None:
        return
    folder = next(SOURCES.glob("*/model_files/own_report"))
    for written in folder.iterdir():
        answer = client.request("GET", own["path"] + written.name)
        assert answer.status == 200, written.name
        assert answer.body == written.read_bytes()
    page = client.request("GET", own["path"])
    assert page.status == 200 and b"<img" in page.body
    assert client.request("GET", own["path"] + "spec.json").status == 404


def test_the_model_page_shows_the_model_and_its_answers(client: Client) -> None:
    page = client.request("GET", "/")
    assert page.status == 200
    headers = {name.lower(): value for name, value in page.headers.items()}
    assert headers["content-type"].startswith("text/html")
    text = page.body.decode()
    metadata = client.request("GET", "/metadata").json()
    assert metadata["model"]["sha256"] in text
    for name in GOLDEN["feature_names"]:
        assert f'name="{html.escape(name)}"' in text
    # The model's answer to each golden example, as /predict gives it.
    answers = re.findall(r'<td class="answer">(.*?)</td>', text)
    assert len(answers) == len(GOLDEN["instances"])
    assert "(loading)" not in text
    # Everything it loads is its own: no address of another host.
    assert not re.search(r'(src|href)="(https?:)?//', text)


def test_unknown_path_is_a_json_404(client: Client) -> None:
    answer = client.request("GET", "/no/such/path")
    assert answer.status == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(client: Client) -> None:
    answer = client.request("GET", "/predict")
    assert answer.status == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"


def test_until_the_model_is_loaded_the_service_is_not_ready() -> None:
    service = importlib.import_module(f"{PACKAGE}.mljet.service")
    starting = service.PredictionService.from_env()
    assert starting.ready().status == 503
    answer = starting.predict("predict", b'{"instances": []}', "application/json")
    assert (answer.status, b'"not_ready"' in answer.body) == (503, True)
    starting.load()
    assert starting.ready().status == 200


def test_the_container_health_check_follows_the_server(
    live_client: SocketClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthcheck = importlib.import_module(f"{PACKAGE}.mljet.healthcheck")
    monkeypatch.setenv("PORT", live_client.base.rsplit(":", 1)[1])
    assert healthcheck.main() == 0
    monkeypatch.setenv("PORT", str(free_port()))  # nothing listens there
    assert healthcheck.main() == 1
