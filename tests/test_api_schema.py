"""The API against its own OpenAPI document: schemathesis generates requests (valid and
invalid) for every operation and checks each answer's status, content type, headers and body
against the schema, over a small store of hand-built events.

One built-in check is made precise rather than dropped: a request the schema allows must be
accepted, except for the few rules an OpenAPI document cannot state, each refused with a 400
naming its parameter (tested one by one in test_serve.py): an opaque cursor this server did
not give out, a country no table knows, ``since`` after ``until``, a box whose south edge is
above its north edge.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from khronika.serving.app import create_app  # noqa: E402
from khronika.store import Store  # noqa: E402
from test_store import make_event, stored_with  # noqa: E402

# schemathesis reads the schema when the module is collected, so the store is made here, in a
# directory of its own that the fixture below removes.
_FOLDER = Path(tempfile.mkdtemp(prefix="khronika-schema-"))
with Store(_FOLDER / "k.db") as _store:
    stored_with(_store, "Kharkiv strike", make_event("r-aaaaaaaaaa", killed=(3,), injured=(9,)))
    stored_with(_store, "Kyiv drones", make_event("r-bbbbbbbbbb", place="Kyiv"))
    stored_with(_store, "Nowhere", make_event("r-cccccccccc", place=None, event_date=None))


@schemathesis.serializer("application/x-ndjson")
def _json_lines(ctx: object, value: object) -> bytes:
    """A generated JSON Lines body: the string as it is, else the value as one JSON line."""
    return value.encode() if isinstance(value, str) else (json.dumps(value) + "\n").encode()


# The stream never ends by design; test_serve.py reads it over a real socket.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_FOLDER / "k.db")).exclude(
    path="/api/stream"
)


@pytest.fixture(scope="module", autouse=True)
def _remove_store() -> Iterator[None]:
    yield
    shutil.rmtree(_FOLDER, ignore_errors=True)


ACCEPTABLE = (401, 403, 404, 409, 429)  # as positive_data_acceptance: no such id, read-only
UNSTATED = (
    "argument cursor: not a cursor",
    "argument country: unknown country",
    "argument since: ",  # ... is after until
    "argument bbox: south is above north",
)


def valid_requests_are_accepted(ctx: object, response: object, case: schemathesis.Case) -> None:
    """positive_data_acceptance, with the refusals listed in UNSTATED allowed."""
    meta = case.meta
    status = response.status_code  # type: ignore[attr-defined]
    if meta is None or not meta.generation.mode.is_positive or status in ACCEPTABLE:
        return
    if status < 400 or status >= 500:  # 5xx: not_a_server_error reports those
        return
    message = response.json()["error"]["message"] if status == 400 else ""  # type: ignore[attr-defined]
    assert status == 400 and message.startswith(UNSTATED), (
        f"a schema-valid request was refused: {status} {response.text}"  # type: ignore[attr-defined]
    )


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance], additional_checks=[valid_requests_are_accepted]
    )
