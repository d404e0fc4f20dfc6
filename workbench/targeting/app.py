"""The reference targeting service over HTTP (FastAPI), for loopback use with a bearer token.

=======  ================================  ==========================================================
GET      /health                           alive; no token needed; says whether a bundle is active
GET      /bundles                          bundles received, which is active
POST     /bundles                          receive a packed bundle (verified; activated unless
                                           ``?activate=false``); a bundle received before: 200
POST     /bundles/{bundle_id}/activate     make a received bundle the active one
POST     /rollback                         re-activate the bundle active before this one
POST     /score                            one declaration, or ``{"declarations": [...]}``; or a
                                           batch as an Arrow IPC stream (``Content-Type:
                                           application/vnd.apache.arrow.stream``, one row per
                                           declaration: :mod:`workbench.targeting.bulk`),
                                           answered in JSON or, with ``Accept: application/
                                           vnd.apache.arrow.stream``, as an Arrow stream of
                                           the decisions (``decisions.DECISIONS``)
=======  ================================  ==========================================================

A JSON batch of more than a few declarations is read by Arrow's JSON reader when that reads it
exactly as the schema does, and scored on columns (:mod:`workbench.targeting.bulk`); the answer
is the same either way.

Every error is ``{"error": "<one line>"}`` with its status: 401 token, 400 malformed JSON or
a bad bundle, 413 a body over the limit, 422 a message that breaks the schema, 409 no active
bundle. A rejected bundle leaves the active one as it was.
"""


import hmac
import json
import re
from pathlib import Path
from typing import Any

import orjson

from workbench.export.manifest import BundleError
from workbench.targeting.bulk import ARROW_STREAM, arrow_stream, read_stream
from workbench.targeting.decisions import DecisionLog
from workbench.targeting.message import MessageError, parse
from workbench.targeting.shelf import Shelf

MAX_BODY = 64 * 1024 * 1024
LONG_NUMBER = re.compile(rb"[0-9]{20}")
INLINE = 10
"""Requests of at most this many declarations on the scorer's Python path run on the event loop."""
COLUMNS_FROM = 64 * 1024
"""A JSON body of at least this many bytes (some twenty declarations) is first offered to
Arrow's JSON reader: below it, decoding in Python costs less than the columns' set-up."""


def decode(data: bytes) -> Any:
    """The body as the standard library's ``json.loads`` reads it, through orjson where the two
    read alike: orjson refuses what is not strict JSON (NaN, a lone surrogate, a byte-order
    mark), which ``json`` then reads or refuses with its own message, and reads integers past 64
    bits as floats, so a body with a run of 20 digits goes to ``json`` directly."""
    if not LONG_NUMBER.search(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def create_app(state_dir: str | Path, *, token: str, public_keys: dict[str, Any], max_body: int = MAX_BODY):
    """The FastAPI application; ``public_keys`` (key id -> key) are the signers it trusts."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response
    from starlette.concurrency import run_in_threadpool

    if not token or len(token) < 16:
        raise ValueError("the service needs a token of at least 16 characters")
    if not public_keys:
        raise ValueError("the service needs at least one trusted public key")
    state_dir = Path(state_dir).expanduser()
    shelf = Shelf(state_dir, public_keys, max_bytes=max_body)
    log = DecisionLog(state_dir / "decisions.csv")
    app = FastAPI(title="Reference targeting service", version="1", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.shelf, app.state.log = shelf, log
    expected = f"Bearer {token}".encode()

    @app.exception_handler(_Refused)
    async def _refused(request: Request, exc: _Refused):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    def _check_token(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise _Refused(401, "missing or wrong bearer token")

    async def _body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            raise _Refused(413, f"body of {int(declared):,} bytes is over the limit of {max_body:,}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                raise _Refused(413, f"body is over the limit of {max_body:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _active():
        scorer = shelf.scorer
        if scorer is None:
            raise _Refused(409, "no active bundle: POST one to /bundles first")
        return scorer

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "active": shelf.state["active"]}

    @app.get("/bundles")
    def bundles(request: Request) -> dict[str, Any]:
        _check_token(request)
        return {"active": shelf.state["active"], "history": shelf.state["history"], "bundles": shelf.received()}

    @app.post("/bundles")
    async def receive(request: Request, activate: bool = True):
        _check_token(request)
        data = await _body(request)
        try:
            bundle, new = await run_in_threadpool(shelf.receive, data, activate=activate)
        except BundleError as exc:
            raise _Refused(400, f"bundle rejected: {exc}; the active bundle is unchanged") from None
        m = bundle.manifest
        body = {"status": "received" if new else "already received", "bundle_id": m.bundle_id,
                "profiles": len(m.profiles), "lists": len(m.lists), "active": shelf.state["active"]}
        return JSONResponse(body, status_code=201 if new else 200)

    @app.post("/bundles/{bundle_id}/activate")
    async def activate_bundle(bundle_id: str, request: Request) -> dict[str, Any]:
        _check_token(request)
        try:
            await run_in_threadpool(shelf.activate, bundle_id)
        except BundleError as exc:
            raise _Refused(404 if "no bundle" in str(exc) else 400, str(exc)) from None
        return {"active": shelf.state["active"]}

    @app.post("/rollback")
    async def rollback(request: Request) -> dict[str, Any]:
        _check_token(request)
        try:
            previous = await run_in_threadpool(shelf.rollback)
        except BundleError as exc:
            raise _Refused(409, str(exc)) from None
        return {"active": previous}

    def _as_columns(data: bytes, arrow: bool, explain: bool, answer_arrow: bool) -> Response | None:
        """A batch scored on columns, or None for the JSON the exact way must read."""
        scorer = shelf.scorer
        if scorer is None:
            if arrow:
                raise _Refused(409, "no active bundle: POST one to /bundles first")
            return None
        try:
            table = read_stream(data, scorer.indicators) if arrow else scorer.read_json(data)
            if table is None:
                return None
            decisions = scorer.score_table(table, explain=explain, as_table=answer_arrow)
        except MessageError as exc:
            if not arrow:
                return None          # a JSON batch the schema refuses: the exact way words the error
            raise _Refused(422, str(exc)) from None
        if answer_arrow:
            return Response(arrow_stream(log.record_table(decisions)), media_type=ARROW_STREAM)
        log.record(decisions)
        return Response(orjson.dumps({"bundle_id": scorer.bundle_id, "decisions": decisions}),
                        media_type="application/json")

    @app.post("/score")
    async def score(request: Request, explain: bool = True):
        _check_token(request)
        data = await _body(request)
        arrow = request.headers.get("content-type", "").split(";")[0].strip().lower() == ARROW_STREAM
        if arrow or len(data) >= COLUMNS_FROM:
            answer_arrow = ARROW_STREAM in request.headers.get("accept", "").lower()
            answered = await run_in_threadpool(_as_columns, data, arrow, explain, answer_arrow)
            if answered is not None:
                return answered
        try:
            doc = decode(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Refused(400, f"body is not JSON: {exc}") from None
        try:
            declarations, batch = parse(doc)
        except MessageError as exc:
            raise _Refused(422, str(exc)) from None
        scorer = _active()

        def work() -> list[dict[str, Any]]:
            decisions = scorer.score(declarations, explain=explain)
            log.record(decisions)
            return decisions

        try:
            # a few declarations on the Python path take a few milliseconds: a hop to a worker
            # thread would cost more than it frees the loop for; anything longer goes to the pool
            inline = len(declarations) <= INLINE and scorer.takes_python(declarations)
            decisions = work() if inline else await run_in_threadpool(work)
        except ValueError as exc:
            raise _Refused(422, str(exc)) from None
        body = {"bundle_id": scorer.bundle_id, "decisions": decisions} if batch else decisions[0]
        return Response(orjson.dumps(body), media_type="application/json")

    return app


def serve(state_dir: str | Path, *, port: int, token: str, public_keys: dict[str, Any], host: str = "127.0.0.1",
          max_body: int = MAX_BODY) -> None:
    """Run the service until interrupted (loopback only unless ``host`` says otherwise)."""
    import gc

    import uvicorn

    app = create_app(state_dir, token=token, public_keys=public_keys, max_body=max_body)
    # what is loaded now lives as long as the service: kept out of the collector's sweeps, which
    # otherwise walk it again and again while a batch makes its thousands of decisions
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)     # a batch's decisions are thousands of short-lived objects
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
