"""Import endpoints: upload a CSV, read the summary, fetch the error report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session, sessionmaker

from maitre.api.deps import SessionDep, SettingsDep, actor_name, require
from maitre.common.ids import IdPath
from maitre.config import Settings
from maitre.db.session import unit_of_work
from maitre.errors import NotFound, PermissionDenied
from maitre.imports import service
from maitre.imports.mapping import parse_mapping
from maitre.imports.models import Entity
from maitre.imports.reader import ImportFileError, resolve_encoding
from maitre.imports.runner import ImportOptions, run_import, start
from maitre.imports.schemas import ImportRead
from maitre.users.roles import allows
from maitre.users.service import Principal

router = APIRouter(prefix="/imports", tags=["imports"])
Reader = Annotated[Principal, Depends(require("imports:read"))]
Writer = Annotated[Principal, Depends(require("imports:write"))]
MAX_MAPPING_BYTES = 64 * 1024


def report_path(settings: Settings, import_id: int) -> Path:
    """Return where the error report of import ``import_id`` is kept."""
    return settings.data_dir / "imports" / f"{import_id}-errors.csv"


def _read(job_id: int, request: Request, session: Session) -> ImportRead:
    job = service.get(session=session, import_id=job_id)
    body = ImportRead.model_validate(job)
    body.errors_url = str(request.url_for("get_import_errors", import_id=job_id).path)
    return body


@router.post("", response_model=ImportRead, status_code=status.HTTP_201_CREATED)
def create_import(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    who: Writer,
    file: Annotated[UploadFile, File(description="The CSV file.")],
    entity: Annotated[Entity, Form(description="What the file holds.")],
    all_or_nothing: Annotated[
        bool, Form(description="Import nothing if any row is rejected.")
    ] = False,
    encoding: Annotated[
        str, Form(max_length=40, description="'auto' (UTF-8, BOM-aware) or a codec name.")
    ] = "auto",
    mapping: Annotated[UploadFile | None, File(description="Optional YAML column mapping.")] = None,
) -> ImportRead:
    """Import a CSV of customers, products or orders; rejected rows go to the error report.

    Good rows land even when others are rejected (unless ``all_or_nothing``); the summary
    counts created, updated, unchanged and rejected records, and ``errors_url`` serves the
    error report CSV. A file that cannot be imported at all (empty, missing or unknown
    columns, a bad mapping) is answered 422 before any row is written.
    """
    # The import commits batch by batch in sessions of its own; end the request's transaction
    # first so that it holds no lock (SQLite writers take the database lock up front).
    session.commit()
    if not allows(who.role, f"{entity.value}:write"):
        raise PermissionDenied(f"Role {who.role.value!r} may not write {entity.value}.")
    resolve_encoding(encoding)
    column_mapping = None
    if mapping is not None:
        raw = mapping.file.read(MAX_MAPPING_BYTES + 1)
        if len(raw) > MAX_MAPPING_BYTES:
            raise ImportFileError("The mapping file is larger than 64 KiB.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("The mapping file is not UTF-8 text.") from None
        column_mapping = parse_mapping(text)
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    options = ImportOptions(
        entity=entity.value,
        filename=file.filename or "",
        mapping=column_mapping,
        all_or_nothing=all_or_nothing,
        encoding=encoding,
        actor=actor_name(who),
    )
    job_id = start(factory=factory, options=options)
    try:
        run_import(
            factory=factory,
            stream=file.file,  # type: ignore[arg-type]
            options=options,
            report_path=report_path(settings, job_id),
            import_id=job_id,
            always_report=True,
        )
    except ImportFileError as exc:
        exc.extra["import_id"] = job_id
        raise
    # The import committed through its own sessions; read the outcome in a fresh one.
    with unit_of_work(factory) as fresh:
        return _read(job_id, request, fresh)


@router.get("/{import_id}", response_model=ImportRead)
def get_import(import_id: IdPath, request: Request, session: SessionDep, _: Reader) -> ImportRead:
    """Return an import's summary (its counts grow while it runs)."""
    return _read(import_id, request, session)


@router.get(
    "/{import_id}/errors",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The error report CSV."}},
)
def get_import_errors(
    import_id: IdPath, settings: SettingsDep, session: SessionDep, _: Reader
) -> FileResponse:
    """Download the error report: ``line``, ``column``, ``reason`` and the rejected row."""
    service.get(session=session, import_id=import_id)
    path = report_path(settings, import_id)
    if not path.is_file():
        raise NotFound(f"Import {import_id} has no error report (the file was refused as a whole).")
    return FileResponse(path, media_type="text/csv", filename=f"import-{import_id}-errors.csv")
