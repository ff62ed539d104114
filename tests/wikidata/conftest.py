"""A small Wikidata: the project's entity fixtures served over real HTTP.

``fixtures/Q….json`` are entity documents in the shape of Wikidata's
``Special:EntityData/Q….json``, written for these tests. The server answers
``/w/api.php?action=wbgetentities`` from them as Wikidata does: only the props and
languages asked for, an item merged into another one answered under its new id with
``redirects``, an unknown id refused with ``no-such-entity``. A few other paths fail on
purpose (``/status500/``, ``/notjson/``, ``/huge/``).

The client under test keeps its real ``SafeFetcher``: the host name resolves to a public
address, as ``www.wikidata.org`` would, and only the last hop, the TCP connection, is
rerouted to this server on the loopback interface (``Rerouted``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from communs.publiccode.network import SafeFetcher
from communs.wikidata.client import WikidataClient

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC_ADDRESS = "93.184.216.34"
API_URL = "http://www.wikidata.org/w/api.php"


def fixture_entities(qid: str) -> dict[str, Any] | None:
    path = FIXTURES / f"{qid}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["entities"]


def wbgetentities(query: dict[str, list[str]]) -> dict[str, Any]:
    """What Wikidata's ``wbgetentities`` answers, from the fixtures."""
    ids = query.get("ids", [""])[0].split("|")
    props = set(
        query.get("props", ["info|labels|descriptions|aliases|claims|sitelinks"])[0].split("|")
    )
    languages = set(query.get("languages", [""])[0].split("|")) - {""}
    answer: dict[str, Any] = {}
    for qid in ids:
        entities = fixture_entities(qid)
        if entities is None:
            return {
                "error": {
                    "code": "no-such-entity",
                    "info": f'Could not find an entity with the ID "{qid}".',
                    "id": qid,
                },
                "servedby": "mw-api-ext.test",
            }
        for key, entity in entities.items():
            kept = {name: entity[name] for name in ("type", "id") if name in entity}
            for prop in ("labels", "descriptions", "aliases", "claims", "sitelinks"):
                if prop in props and prop in entity:
                    value = entity[prop]
                    if languages and prop in ("labels", "descriptions", "aliases"):
                        value = {k: v for k, v in value.items() if k in languages}
                    kept[prop] = value
            if key != qid:
                kept["redirects"] = {"from": qid, "to": key}
            answer[key] = kept
    return {"entities": answer, "success": 1}


class Handler(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path.startswith("/status500/"):
            self.answer(500, b"<html>Internal error</html>", "text/html")
        elif parts.path.startswith("/notjson/"):
            self.answer(200, b"<html>maintenance</html>", "text/html")
        elif parts.path.startswith("/huge/"):
            self.answer(200, b'{"entities": {"Q1": "' + b"x" * 200_000 + b'"}}')
        elif parts.path == "/w/api.php":
            query = parse_qs(parts.query)
            if query.get("action") != ["wbgetentities"]:
                self.answer(400, b'{"error": {"code": "badvalue"}}')
            else:
                self.answer(200, json.dumps(wbgetentities(query)).encode())
        else:
            self.answer(404, b"not found", "text/plain")

    def answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class FakeWikidata:
    """The running server: its port, and the paths it was asked for."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        handler = type("BoundHandler", (Handler,), {"requests": self.requests})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeWikidata:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class Rerouted(httpx.BaseTransport):
    """A real HTTP transport whose connections all go to one local port.

    ``SafeFetcher`` has already checked the host's addresses and put the chosen one in
    the URL; this only swaps that last hop, so the guard runs as it does in production.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def wikidata() -> Iterator[FakeWikidata]:
    with FakeWikidata() as server:
        yield server


@pytest.fixture
def client(wikidata: FakeWikidata) -> Iterator[WikidataClient]:
    fetcher = SafeFetcher(
        resolver=lambda host, port: [PUBLIC_ADDRESS], transport=Rerouted(wikidata.port)
    )
    with WikidataClient(api_url=API_URL, fetcher=fetcher) as wikidata_client:
        yield wikidata_client
    fetcher.close()
