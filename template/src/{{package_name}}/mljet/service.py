# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Everything a request can get from the service, with no web framework.

A backend's glue registers `PredictionService.routes` and answers each
request through `answer` (or `answer_async` on an event loop), so status
codes, bodies and error messages are the same whichever framework serves
them.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from collections.abc import AsyncIterable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import orjson

from . import metrics, shutdown
from .access_control import OPTIONS, AccessControl
from .batching import Batcher, DirectCalls, ModelCalls
from .docs import SWAGGER_UI_DOCUMENT, docs_asset, docs_moved, docs_page
from .errors import NOT_READY, SHUTTING_DOWN, ClientError, body_too_large
from .explanations import Explaining
from .logs import Access, answering
from .logs import configure as configure_logging
from .metadata import metadata
from .model_page import model_page
from .openapi import build_openapi, with_own_routes
from .own_report import OwnReport
from .pages import ASSET_HEADERS, favicon, page_reply
from .predictions import MODEL_REFUSALS, Predictor, predict, predict_async
from .protocols import protocols
from .protocols.base import ExampleCall
from .report_page import report_page
from .routes import (
    GET,
    BodyLimit,
    Incoming,
    Reply,
    Route,
    error_reply,
    json_reply,
)
from .seam import Seam
from .server_errors import ServerErrors
from .settings import Settings
from .spec import ServiceSpec
from .threads import lowest_priority
from .validation import validated_rows

logger = logging.getLogger(__name__)
# Where blocking routes run (explanations): one at a time, beside the
# model's predictions, never on the event loop, at the lowest CPU priority:
# predictions come first when the CPU is short.
_BLOCKING = ThreadPoolExecutor(
    1, thread_name_prefix="mljet-blocking", initializer=lowest_priority
)


class PredictionService(ServerErrors):
    """The model behind HTTP-shaped methods; create it, `load()` it, call it.

    `spec` describes the model; `seam` is the owner's around it (`model.py`
    by default), and `self.spec` the service as its clients see it: the
    inputs they send, which the seam may have changed.
    """

    def __init__(
        self, model_spec: ServiceSpec, settings: Settings, seam: Seam | None = None
    ) -> None:
        self.model_spec = model_spec
        self.seam = Seam.of_owner() if seam is None else seam
        self.seam.check(model_spec)
        # Everything a client sees is of the inputs they send.
        spec = self.spec = self.seam.api_spec(model_spec)
        self.settings = settings
        self._predictor: Predictor | None = None
        self._protocols = protocols(spec, settings, self.not_ready_reason)
        self._spoken = {p.name: p.routes() for p in self._protocols}
        self._explaining = (
            None
            if model_spec.explanation is None
            else Explaining(
                spec,
                model_spec,
                self.seam,
                settings.max_explain_rows,
                self.not_ready_reason,
            )
        )
        parts = [p.document() for p in self._protocols]
        if self._explaining is not None:
            parts.append(self._explaining.document())
        self._use_document(build_openapi(spec, settings, parts))
        self._describe(answers=None)
        self.body_limit = BodyLimit(settings.max_body_bytes)
        self.access_control = AccessControl(settings.access)
        metrics.describe(spec)
        self._serving: Callable[[], bool] = lambda: True

    @classmethod
    def from_env(cls) -> PredictionService:
        """The service as the environment configures it, its log included
        (in every worker process, which imports the app on its own)."""
        spec = ServiceSpec.load()
        settings = Settings.from_env(spec)
        configure_logging(settings.log_level, settings.log_format)
        return cls(spec, settings)

    def load(self) -> None:
        """Load the model; until then `/ready` answers 503."""
        # The model's objects, like the libraries', live as long as the
        # process: no collections while it loads, and then none of them in
        # the collector's full passes, which otherwise walk them all (a
        # forest has hundreds of thousands) and stall requests for tens of
        # milliseconds. (A full collection first would take 0.1 s to free
        # a few hundred objects.)
        gc.disable()
        try:
            # The model's library is imported here, not with this module: a
            # process that supervises workers imports the app's modules to
            # serve it, and loads no model.
            from .runtime import ModelRuntime

            runtime = ModelRuntime.load(self.model_spec)
            gc.freeze()
        finally:
            gc.enable()
        run = metrics.timed(runtime.run)
        batching = self.settings.batching
        calls: ModelCalls
        if batching.enabled:
            calls = Batcher(run, batching.max_rows, batching.max_wait)
        else:
            calls = DirectCalls(run)
        features = tuple(self.model_spec.feature_names)
        # The page's examples are no client's: answered outside the metrics.
        unmetered = Predictor(
            DirectCalls(runtime.run, quiet=True), self.seam, features, False
        )
        self._describe(_example_answers(unmetered, self.spec))
        if self._explaining is not None:
            # Made now, not on a request: shap takes a second to import.
            _ = runtime.explainer
            self._explaining.explain = runtime.explain
        # A classifier's predicted labels are counted by class.
        self._predictor = Predictor(calls, self.seam, features, bool(self.spec.classes))
        logger.info("model %s loaded; %s", self.spec.model_file, batching.summary)

    async def load_async(self) -> None:
        """`load` from an event loop, which keeps serving meanwhile."""
        if not self.is_loaded:
            await asyncio.to_thread(self.load)

    def close(self) -> None:
        """Answer the requests still waiting for the model (at shutdown)."""
        if self._predictor is not None:
            self._predictor.calls.close()

    async def close_async(self) -> None:
        await asyncio.to_thread(self.close)

    @property
    def routes(self) -> list[Route]:
        """Every route of the API, for a backend to register."""
        fixed: dict[str, Callable[[], Reply]] = {
            "/health": self.health,
            "/ready": self.ready,
            "/metadata": self.metadata,
            "/openapi.json": self.openapi,
            "/metrics": self.metrics_text,
            "/docs": self.docs,
            "/docs/": docs_moved,
            "/favicon.ico": favicon,
            "/": self.model_page,
        }
        if self.spec.report_card is not None:
            fixed["/report"] = self.report_page
        found = [
            Route(GET, path, _ignoring_request(reply)) for path, reply in fixed.items()
        ]
        found.append(
            Route(
                GET, "/docs/{name}", lambda asked: self.docs_asset(asked.params["name"])
            )
        )
        for spoken in self._spoken.values():
            found.extend(spoken)
        found.extend(OwnReport(self.spec, self.not_found).routes())
        if self._explaining is not None:
            found.append(self._explaining.route())
        if self.access_control.cors:
            # Browsers ask before a cross-origin call (`access_control`).
            found = [replace(r, methods=(*r.methods, OPTIONS)) for r in found]
        return found

    async def answer_async(
        self,
        route: Route,
        incoming: Incoming,
        body: bytes | AsyncIterable[bytes] = b"",
        declared: int | str | None = None,
    ) -> Reply:
        """Answer on an event loop; the model runs on another thread.

        `body` is what the framework offers (its bytes, or a stream of
        chunks) and `declared` its Content-Length; both only for POST.
        """
        asked = (route.path, incoming.method, incoming.path, incoming.request_id)
        with answering(*asked, route.calls_model) as access:
            early = self.access_control.before(route, incoming)
            if early is not None:
                return self._finish(access, early, incoming)
            if route.reads_body:
                read = await self.body_limit.read(body, declared)
                if read is None:
                    return self._finish(access, self._too_large(route), incoming)
                incoming = incoming.with_body(read)
            if route.predicts is not None:
                reply = await predict_async(self._predictor, route, incoming)
            elif route.blocking:
                loop = asyncio.get_running_loop()
                reply = await loop.run_in_executor(
                    _BLOCKING, _answered, route, incoming
                )
            else:
                reply = _answered(route, incoming)
            return self._finish(access, reply, incoming)

    def answer(
        self,
        route: Route,
        incoming: Incoming,
        read: Callable[[int], bytes] | None = None,
        declared: int | str | None = None,
    ) -> Reply:
        """Answer on a server's own thread, reading the body with `read`."""
        asked = (route.path, incoming.method, incoming.path, incoming.request_id)
        with answering(*asked, route.calls_model) as access:
            early = self.access_control.before(route, incoming)
            if early is not None:
                return self._finish(access, early, incoming)
            if route.reads_body and read is not None:
                body = self.body_limit.read_blocking(read, declared)
                if body is None:
                    return self._finish(access, self._too_large(route), incoming)
                incoming = incoming.with_body(body)
            if route.predicts is not None:
                reply = predict(self._predictor, route, incoming)
            else:
                reply = _answered(route, incoming)
            return self._finish(access, reply, incoming)

    def _finish(self, access: Access, reply: Reply, incoming: Incoming) -> Reply:
        """The reply as sent: counted, logged, with its request ID and the
        CORS headers its origin needs."""
        return access.answered(self.access_control.after(reply, incoming))

    def document_routes(
        self,
        paths: Mapping[str, Mapping[str, Any]],
        schemas: Mapping[str, Any] | None = None,
    ) -> None:
        """Add routes registered with the framework itself to the OpenAPI
        document (and so to /docs): `paths` as OpenAPI writes them (path,
        then method, then operation), `schemas` the components they refer
        to. The service's own routes cannot be redefined (ValueError)."""
        self._use_document(with_own_routes(self._document, paths, schemas or {}))

    def _use_document(self, document: dict[str, Any]) -> None:
        """Serve `document`, as bytes."""
        self._document = document
        self._openapi = orjson.dumps(document)

    @property
    def is_loaded(self) -> bool:
        return self._predictor is not None

    @property
    def methods(self) -> tuple[str, ...]:
        return self.spec.methods

    def health(self) -> Reply:
        return json_reply(200, {"status": "ok"})

    def metrics_text(self) -> Reply:
        body, content_type = metrics.exposition()
        return Reply(200, body, content_type)

    def ready_only_while(self, serving: Callable[[], bool]) -> None:
        """Answer /ready 503 also while `serving()` is false (a server that
        answers before it can handle its signals)."""
        self._serving = serving

    def ready(self) -> Reply:
        reason = self.not_ready_reason()
        if reason is not None:
            return error_reply(reason)
        return json_reply(200, {"status": "ready"})

    def not_ready_reason(self) -> ClientError | None:
        """Why the service cannot predict now (a 503), or None."""
        if shutdown.started():
            return SHUTTING_DOWN
        if self._predictor is None or not self._serving():
            return NOT_READY
        return None

    def metadata(self) -> Reply:
        return Reply(200, self._metadata)

    def model_page(self) -> Reply:
        return self._model_page

    def report_page(self) -> Reply:
        """The report card's page (only routed when the spec has one)."""
        return self._report_page

    @functools.cached_property
    def _report_page(self) -> Reply:
        card = self.spec.report_card or {}
        root_path = self.settings.access.root_path
        return page_reply(report_page(self.spec.service, card, root_path))

    def _describe(self, answers: list[Any] | None) -> None:
        """`/metadata` and the model page, with the loaded model's answers to
        the examples once it is loaded."""
        described = metadata(self.spec, self.settings, self._spoken)
        self._metadata = orjson.dumps(described)
        access = self.settings.access
        first = [dict(example) for example in self.spec.examples[:1]]
        own = ExampleCall("REST", "/predict", {"instances": first})
        spoken = [p.example_call() for p in self._protocols]
        page = model_page(
            described,
            self.spec.examples,
            answers,
            access.root_path,
            needs_key=bool(access.api_keys),
            calls=[own, *(call for call in spoken if call is not None)],
        )
        self._model_page = page_reply(page)

    def openapi(self) -> Reply:
        return Reply(200, self._openapi)

    def docs(self) -> Reply:
        return page_reply(docs_page(self.spec.service))

    def docs_asset(self, name: str) -> Reply:
        if name == SWAGGER_UI_DOCUMENT:
            return self.openapi()
        asset = _cached_asset(name)
        if asset is None:
            return self.not_found("GET", f"/docs/{name}")
        return Reply(200, asset[0], asset[1], ASSET_HEADERS)

    def predict(self, method: str, body: bytes, content_type: str | None) -> Reply:
        """Answer a POST to `/<method>`; never raises for a client's mistake."""
        headers = {"Content-Type": content_type} if content_type else {}
        route = next(r for r in self.routes if r.path == f"/{method}")
        asked = Incoming("POST", f"/{method}", headers, body)
        return predict(self._predictor, route, asked)

    def _too_large(self, route: Route) -> Reply:
        return route.refuse(body_too_large(self.settings.max_body_bytes))


def _example_answers(predictor: Predictor, spec: ServiceSpec) -> list[Any] | None:
    """The service's `predict` for the examples, for the model page."""
    if not spec.examples:
        return None
    try:
        batch = validated_rows(list(spec.examples), spec)
        return predictor.answers(batch, ("predict",))["predict"]
    except (ClientError, *MODEL_REFUSALS):
        return None


def _answered(route: Route, incoming: Incoming) -> Reply:
    """A route's own answer; a ClientError it raises, in its protocol's shape."""
    try:
        return route.answer(incoming)
    except ClientError as error:
        return route.refuse(error)


def _ignoring_request(reply: Callable[[], Reply]) -> Callable[[Incoming], Reply]:
    return lambda _: reply()


@functools.cache
def _cached_asset(name: str) -> tuple[bytes, str] | None:
    return docs_asset(name)
