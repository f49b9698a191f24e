"""The shapes of the API's answers, for the OpenAPI document (and the schema tests that hold
the server to it). The handlers build their bodies directly; these only describe them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Event = dict[str, Any]


class ErrorDetail(BaseModel):
    status: int
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class EventsPage(BaseModel):
    events: list[Event] = Field(description="events as `khronika show --json` prints them")
    count: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class ReportRef(BaseModel):
    id: str
    title: str | None
    url: str | None
    source: str | None
    published: str | None
    language: str | None
    origin: str | None


class EventWithReports(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    reports: list[ReportRef] = Field(description="the event's reports in time order")


class Points(BaseModel):
    fields: list[str]
    rows: list[list[Any]]
    unplaced: int = Field(description="matching events without coordinates, left out")
    seq: int = Field(description="the change these points are current to: /api/stream?after=")


class Totals(BaseModel):
    events: int
    killed: int
    injured: int


class DayTotals(Totals):
    date: str


class TypeTotals(Totals):
    type: str | None


class Admin1Totals(Totals):
    admin1: str | None


class Stats(BaseModel):
    total: Totals
    by_day: list[DayTotals]
    by_type: list[TypeTotals]
    by_admin1: list[Admin1Totals]


class Revision(BaseModel):
    model_config = ConfigDict(extra="allow")

    revision: int
    text: str


class MentionRef(BaseModel):
    id: str
    revision: int
    event_id: str | None


class StoredReportBody(BaseModel):
    id: str
    text: str
    title: str | None
    url: str | None
    published: str | None
    source: str | None
    language: str | None
    origin: str | None
    status: str
    error: str | None
    revisions: list[Revision]
    mentions: list[MentionRef]
    event_ids: list[str]


class IngestResult(BaseModel):
    id: str | None
    origin: str | None
    status: str = Field(description="new, revised, unchanged or failed")
    error: str | None = None
    events: list[str]


class IngestResults(BaseModel):
    results: list[IngestResult]
