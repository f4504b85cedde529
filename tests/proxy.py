"""A reverse proxy that serves a service under a path prefix, as an ingress
or `nginx location /prefix/ { proxy_pass http://service/; }` does: it
strips the prefix before forwarding, and answers 404 outside it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import ClientSession, web

from servers import free_port

SESSION = web.AppKey("session", ClientSession)

# Hop-by-hop headers, and those the proxy's own framing sets.
NOT_FORWARDED = {
    "connection", "keep-alive", "transfer-encoding", "content-length", "host",
    "upgrade", "te", "trailer", "proxy-authorization", "proxy-connection",
}  # fmt: skip


@contextmanager
def prefix_proxy(target: str, prefix: str) -> Iterator[str]:
    """`target` (a base URL) served under `prefix`; the proxy's base URL."""
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner: list[web.AppRunner] = []

    async def forward(request: web.Request) -> web.StreamResponse:
        path = request.path
        if not path.startswith(prefix + "/"):
            return web.Response(status=404, text="not under the prefix")
        upstream = (
            target
            + path.removeprefix(prefix)
            + (f"?{request.query_string}" if request.query_string else "")
        )
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in NOT_FORWARDED
        }
        headers["X-Forwarded-Prefix"] = prefix
        session = request.app[SESSION]
        async with session.request(
            request.method, upstream, headers=headers, data=await request.read()
        ) as answer:
            body = await answer.read()
            kept = {
                name: value
                for name, value in answer.headers.items()
                if name.lower() not in NOT_FORWARDED
            }
            return web.Response(status=answer.status, body=body, headers=kept)

    async def start() -> None:
        app = web.Application()
        app[SESSION] = ClientSession(auto_decompress=False)
        app.router.add_route("*", "/{tail:.*}", forward)

        async def close_session(app: web.Application) -> None:
            await app[SESSION].close()

        app.on_cleanup.append(close_session)
        runner.append(web.AppRunner(app, access_log=None))
        await runner[0].setup()
        await web.TCPSite(runner[0], "127.0.0.1", port).start()
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner[0].cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
