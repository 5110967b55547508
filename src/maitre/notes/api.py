"""Note endpoints: parse, call the service, return schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from maitre.api.deps import PageDep, SessionDep, actor_name, require
from maitre.common.ids import IdPath, IdQuery
from maitre.notes import service
from maitre.notes.models import NoteSubject
from maitre.notes.schemas import NoteCreate, NotePage, NoteRead, NoteUpdate
from maitre.users.service import Principal

router = APIRouter(prefix="/notes", tags=["notes"])
Reader = Annotated[Principal, Depends(require("notes:read"))]
Writer = Annotated[Principal, Depends(require("notes:write"))]
Id = IdQuery
NoteId = IdPath


@router.get("", response_model=NotePage)
def list_notes(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    customer_id: Id = None,
    subject_type: NoteSubject | None = None,
    subject_id: Id = None,
) -> NotePage:
    filters = service.NoteFilter(
        customer_id=customer_id, subject_type=subject_type, subject_id=subject_id
    )
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(NotePage, NoteRead.model_validate)


@router.post("", response_model=NoteRead, status_code=status.HTTP_201_CREATED)
def create_note(body: NoteCreate, session: SessionDep, who: Writer) -> NoteRead:
    if body.author is None:
        body = body.model_copy(update={"author": who.name})
    note = service.create(session=session, data=body, actor=actor_name(who))
    return NoteRead.model_validate(note)


@router.get("/{note_id}", response_model=NoteRead)
def get_note(note_id: NoteId, session: SessionDep, _: Reader) -> NoteRead:
    return NoteRead.model_validate(service.get(session=session, note_id=note_id))


@router.patch("/{note_id}", response_model=NoteRead)
def update_note(note_id: NoteId, body: NoteUpdate, session: SessionDep, who: Writer) -> NoteRead:
    note = service.update(session=session, note_id=note_id, data=body, actor=actor_name(who))
    return NoteRead.model_validate(note)


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: NoteId, session: SessionDep, who: Writer) -> Response:
    service.delete(session=session, note_id=note_id, actor=actor_name(who))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
