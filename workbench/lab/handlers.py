"""The server extension's HTTP API under ``/workbench/api/``: templates, profiles, target lists,
export.

Every handler is authenticated (Jupyter's token or cookie; a named user through
:mod:`workbench.lab.identity`) and acts as that user: the work runs with
:func:`workbench.identity.acting_as`, so the store records the authenticated name as author,
approver or exporter. The rules are the CLI's own functions; a refusal comes back as JSON::

    {"error": {"status": 400, "message": "…what is wrong…", "where": "body.reason"}}

400 bad input (with where), 403 a rule refused it (roles, four eyes, lifecycle), 404 unknown
template/profile/list/version, 409 export without a signing key, 503 store busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from workbench.access import AccessDenied
from workbench.identity import IdentityError, acting_as
from workbench.lab import panel
from workbench.lab.gate import GATE
from workbench.profiles.lifecycle import LifecycleError
from workbench.profiles.spec import SpecError
from workbench.store.connection import StoreBusy, StoreError, open_store
from workbench.templates import TemplateError

API = "/workbench/api"
MAX_REASON = 2000
EXPORT_FORMATS = ["json", "csv", "rules"]


class BadInput(ValueError):
    """A request that does not say what the handler needs; ``where`` names the part."""

    def __init__(self, message: str, where: str):
        super().__init__(message)
        self.where = where


class Conflict(RuntimeError):
    """The request is fine but the workbench is not set up for it yet (e.g. no signing key)."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _status_of(exc: BaseException) -> int | None:
    from workbench.export import BundleError, ExportError, SigningKeyError
    from workbench.profiles.backtest import BacktestError
    from workbench.profiles.frame import FrameError

    if isinstance(exc, BadInput | SpecError | IdentityError | BacktestError | FrameError):
        return 400
    if isinstance(exc, panel.NotFound):
        return 404
    if isinstance(exc, AccessDenied | LifecycleError):
        return 403
    if isinstance(exc, Conflict | SigningKeyError | ExportError | BundleError):
        return 409
    if isinstance(exc, StoreBusy | StoreError):
        return 503
    if isinstance(exc, TemplateError):
        return 400
    return None


class WorkbenchHandler(APIHandler):
    """Shared by every handler: the acting user, JSON in and out, errors as JSON."""

    @property
    def user_name(self) -> str:
        return self.current_user.username

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=_plain, ensure_ascii=False))

    def fail(self, status: int, message: str, where: str | None = None) -> None:
        error: dict[str, Any] = {"status": status, "message": message}
        if where:
            error["where"] = where
        self.reply({"error": error}, status)

    def body(self) -> dict[str, Any]:
        raw = self.request.body or b"{}"
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInput(f"the body is not JSON ({exc})", "body") from None
        if not isinstance(data, dict):
            raise BadInput("the body must be a JSON object", "body")
        return data

    def version(self, value: Any, where: str) -> int | None:
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise BadInput(f"version must be a whole number, not {value!r}", where) from None
        if isinstance(value, bool) or number < 1 or str(number) != str(value).strip():
            raise BadInput(f"version must be a whole number from 1, not {value!r}", where)
        return number

    def reason(self, data: dict[str, Any]) -> str:
        reason = data.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise BadInput("say why: a reason is recorded with every change", "body.reason")
        if len(reason) > MAX_REASON:
            raise BadInput(f"the reason is longer than {MAX_REASON} characters", "body.reason")
        return reason.strip()

    def date_arg(self, name: str) -> dt.datetime | None:
        value = self.get_query_argument(name, "")
        if not value:
            return None
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise BadInput(f"{name} must be a date YYYY-MM-DD, not {value!r}", f"query.{name}") from None

    @property
    def root_dir(self) -> Path:
        return Path(self.contents_manager.root_dir)

    async def act(self, work: Callable[[], Any], status: int = 200) -> None:
        """Run ``work`` off the event loop as the authenticated user; reply with its result or
        with the error a user can act on."""
        user = self.user_name

        def as_user() -> Any:
            with acting_as(user):
                return work()

        try:
            result = await asyncio.get_running_loop().run_in_executor(None, as_user)
        except Exception as exc:
            code = _status_of(exc)
            if code is None:
                raise
            self.fail(code, str(exc), getattr(exc, "where", None))
            return
        self.reply(result, status)

    @contextlib.contextmanager
    def store(self, *, read_only: bool) -> Iterator[Any]:
        """The store for one action, through the process's gate (readers together, a writer alone)."""
        from workbench.settings import load_settings

        with GATE.reading() if read_only else GATE.writing(), \
                open_store(load_settings().db_path, read_only=read_only) as con:
            yield con


def _catalogue_template(name: str):
    from workbench.templates import load_catalogue

    catalogue = load_catalogue()
    if name not in catalogue.templates:
        raise panel.NotFound(f"no template named {name!r} (known: {', '.join(catalogue.names()) or 'none'})")
    return catalogue.templates[name]


def _parameters(data: dict[str, Any]) -> dict[str, Any]:
    given = data.get("parameters", {})
    if not isinstance(given, dict):
        raise BadInput("parameters must be an object of name: value", "body.parameters")
    return given


class MeHandler(WorkbenchHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        def work() -> dict[str, Any]:
            with self.store(read_only=True) as con:
                return panel.user_view(con, self.user_name)

        await self.act(work)


class TemplatesHandler(WorkbenchHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        def work() -> dict[str, Any]:
            from workbench.templates import load_catalogue

            catalogue = load_catalogue()
            templates = []
            for name in catalogue.names():
                described = catalogue.templates[name].describe()
                described.pop("path")
                templates.append(described)
            return {"templates": templates,
                    "left_out": [{"file": path.name, "reason": why} for path, why in catalogue.problems]}

        await self.act(work)


class TemplateNotebookHandler(WorkbenchHandler):
    """POST {parameters, folder?}: a new notebook from the template, parameters injected."""

    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        root = self.root_dir

        def work() -> dict[str, Any]:
            from workbench.lab.notebooks import create_notebook

            data = self.body()
            given, folder = _parameters(data), data.get("folder")
            if folder is not None and not isinstance(folder, str):
                raise BadInput("folder must be text (a folder under the server's root)", "body.folder")
            template = _catalogue_template(name)
            try:
                path, values = create_notebook(template, given, root, folder)
            except TemplateError as exc:
                where = "body.folder" if str(exc).startswith("folder") else "body.parameters"
                raise BadInput(str(exc), where) from None
            return {"path": path.as_posix(), "template": name, "parameters": values}

        await self.act(work, status=201)


class TemplateReportHandler(WorkbenchHandler):
    """POST {parameters}: run the template headless into <root>/reports/…; the report's paths."""

    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        root = self.root_dir

        def work() -> dict[str, Any]:
            from workbench.templates import run_template

            given = _parameters(self.body())
            template = _catalogue_template(name)
            try:
                template.bind(given)
            except TemplateError as exc:
                raise BadInput(str(exc), "body.parameters") from None
            run = run_template(template, given, out=root / "reports")
            prov = run.provenance
            return {"ok": run.ok, "template": name, "html": run.html.relative_to(root).as_posix(),
                    "notebook": run.notebook.relative_to(root).as_posix(), "status": prov["status"],
                    "seconds": prov["seconds"], "failure": prov["failure"], "parameters": prov["parameters"]}

        await self.act(work)


class OverviewHandler(WorkbenchHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        def work() -> dict[str, Any]:
            with self.store(read_only=True) as con:
                return panel.overview(con, self.user_name)

        await self.act(work)


class PerformanceHandler(WorkbenchHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        def work() -> dict[str, Any]:
            months = self.get_query_argument("months", "3")
            if not months.isdigit() or not 1 <= int(months) <= 36:
                raise BadInput(f"months must be a whole number from 1 to 36, not {months!r}", "query.months")
            with self.store(read_only=True) as con:
                return panel.last_hit_rates(con, months=int(months))

        await self.act(work)


class ItemHandler(WorkbenchHandler):
    """GET a profile or target list version (``?version=``)."""

    @tornado.web.authenticated
    async def get(self, kind: str, obj_id: str) -> None:
        detail = panel.profile_detail if kind == "profiles" else panel.list_detail

        def work() -> dict[str, Any]:
            version = self.version(self.get_query_argument("version", None), "query.version")
            with self.store(read_only=True) as con:
                return detail(con, obj_id, version, self.user_name)

        await self.act(work)


class ItemActionHandler(WorkbenchHandler):
    """GET …/backtest of a profile; POST …/<submit|reject|approve|activate|retire> {reason, version?}."""

    @tornado.web.authenticated
    async def get(self, kind: str, obj_id: str, what: str) -> None:
        def work() -> dict[str, Any]:
            if kind != "profiles" or what != "backtest":
                raise panel.NotFound(f"nothing at {what!r}: a profile has …/backtest")
            version = self.version(self.get_query_argument("version", None), "query.version")
            start, end = self.date_arg("from"), self.date_arg("to")
            with self.store(read_only=True) as con:
                try:
                    return panel.profile_backtest(con, obj_id, version, start=start, end=end)
                except ValueError as exc:
                    if _status_of(exc) is not None:
                        raise
                    raise BadInput(str(exc), "query") from None

        await self.act(work)

    @tornado.web.authenticated
    async def post(self, kind: str, obj_id: str, action: str) -> None:
        ledger = panel.KINDS[kind]
        detail = panel.profile_detail if kind == "profiles" else panel.list_detail

        def work() -> dict[str, Any]:
            from workbench.profiles.registry import transition as move_profile
            from workbench.profiles.targets import transition as move_list

            if action not in panel.ACTIONS:
                raise panel.NotFound(f"unknown action {action!r}: one of {', '.join(panel.ACTIONS)}")
            data = self.body()
            reason = self.reason(data)
            version = self.version(data.get("version"), "body.version")
            move = move_profile if kind == "profiles" else move_list
            with self.store(read_only=False) as con:
                if ledger.latest(con, obj_id) is None:
                    raise panel.NotFound(f"no {ledger.kind.replace('_', ' ')} {obj_id!r} in the store")
                row = move(con, action, obj_id, version=version, reason=reason)
                return detail(con, obj_id, row["version"], self.user_name)

        await self.act(work)


class ExportHandler(WorkbenchHandler):
    """POST {reason, reference_date?}: sign a bundle of what is live, deliver it to
    $WORKBENCH_HOME/exports (as ``workbench export bundle --to <home>/exports`` does)."""

    @tornado.web.authenticated
    async def post(self) -> None:
        def work() -> dict[str, Any]:
            from workbench.export import deliver, enqueue, make_bundle
            from workbench.settings import load_settings

            data = self.body()
            reason = self.reason(data)
            ref = data.get("reference_date")
            try:
                reference = dt.date.fromisoformat(ref) if ref else None
            except (TypeError, ValueError):
                raise BadInput(f"reference_date must be a date YYYY-MM-DD, not {ref!r}",
                               "body.reference_date") from None
            settings = load_settings()
            key = settings.signing_key or settings.home / "keys" / "export-signing.key"
            if not Path(key).exists():
                raise Conflict(f"no signing key at {key}: run `workbench export keygen` once")
            folder = (settings.home / "exports").resolve()
            with self.store(read_only=False) as con:
                result = make_bundle(con, signing_key=key, reference_date=reference, formats=EXPORT_FORMATS,
                                     reason=reason)
                delivery = enqueue(con, result.bundle_id, str(folder), "folder")
            with GATE.writing():   # the outbox opens the store itself
                delivered = deliver(settings.db_path, token=settings.endpoint_token, delivery_ids=[delivery])
            m = result.bundle.manifest
            return {"bundle_id": m.bundle_id, "created": result.created, "reference_date": m.reference_date,
                    "profiles": [f"{p.id}@{p.version}" for p in m.profiles],
                    "lists": [f"{t.id}@{t.version}" for t in m.lists], "notes": result.notes,
                    "deliveries": delivered}

        await self.act(work)


def routes(base_url: str) -> list[tuple[str, type[WorkbenchHandler]]]:
    """The handlers and their URL patterns under the server's base URL."""
    item = r"(profiles|target-lists)/([A-Za-z0-9][A-Za-z0-9._@-]{0,99})"
    table = [
        ("me", MeHandler),
        ("templates", TemplatesHandler),
        (r"templates/([^/]+)/notebook", TemplateNotebookHandler),
        (r"templates/([^/]+)/report", TemplateReportHandler),
        ("profiles", OverviewHandler),
        ("profiles/performance", PerformanceHandler),
        ("export", ExportHandler),
        (item, ItemHandler),
        (item + r"/([^/]+)", ItemActionHandler),
    ]
    return [(url_path_join(base_url, API, pattern), handler) for pattern, handler in table]
