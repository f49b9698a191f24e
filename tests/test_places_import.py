"""User-added gazetteer sources: GeoNames download (from a local server), the postal import on
the real Ukrainian file in ../shared, the supplement CSV, and the gazetteer command."""

from __future__ import annotations

import http.server
import io
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from khronika.places import Gazetteer, build_context, haversine_km, resolve, spot_places
from khronika.places.command import main
from khronika.places.imports import download, read_geonames, read_supplement, text_of

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTAL = SHARED / "gazetteer" / "UA-geonames-postal.txt"
# Two invented rows in GeoNames' full-dump layout (19 columns) and one that is no place.
DUMP_ROWS = [
    "9000001\tQwertivka\tQwertivka\tKvertivka,Квертівка\t48.1\t37.5\tP\tPPL\tUA\t\t05"
    "\t\t\t\t420\t\t150\tEurope/Kyiv\t2024-01-01",
    "9000002\tAsdfove\tAsdfove\t\t47.6\t35.9\tP\tPPL\tUA\t\t26\t\t\t\t0\t\t90\tEurope/Kyiv"
    "\t2024-01-01",
    "9000003\tQwerty River\tQwerty River\t\t48.0\t37.0\tH\tSTM\tUA\t\t05\t\t\t\t0\t\t90"
    "\tEurope/Kyiv\t2024-01-01",
]


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
        archive.writestr("readme.txt", "test")
    return buffer.getvalue()


@pytest.fixture()
def server() -> Iterator[str]:
    """A local HTTP server with /export/dump/UA.zip, standing in for GeoNames."""
    payload = _zip("UA.txt", "\n".join(DUMP_ROWS) + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
            body = payload if self.path == "/export/dump/UA.zip" else None
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_download_reads_the_dump_and_keeps_only_populated_places(server: str) -> None:
    data = download("UA", "dump", server)
    result = read_geonames(text_of(data, "test", "UA"), "test", "UA")
    assert [p.name for p in result.places] == ["Qwertivka", "Asdfove"]
    assert "Квертівка" in result.places[0].aliases
    assert result.places[0].admin1_code == "05" and result.places[0].population == 420


def test_a_missing_file_on_the_server_is_a_clear_error(server: str) -> None:
    with pytest.raises(OSError, match="export/dump/SO.zip"):
        download("SO", "dump", server)


def test_bad_inputs_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two-letter"):
        download("Ukraine", "dump")
    with pytest.raises(ValueError, match="7 tab-separated columns"):
        read_geonames("a\tb\tc\td\te\tf\tg\n", "odd.txt", "UA")
    with pytest.raises(ValueError, match="no UA.txt"):
        text_of(_zip("SO.txt", "x"), "so.zip", "UA")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,latitude,longitude,country\nNovyi Khutir,north,36.1,UA\n")
    with pytest.raises(ValueError, match=r"bad.csv:2: latitude/longitude"):
        read_supplement(bad)


@pytest.fixture(scope="module")
def imported_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir with the real postal file and a supplement imported through the command
    (one index build for the module)."""
    if not POSTAL.exists():
        pytest.skip(f"{POSTAL} is absent")
    home = tmp_path_factory.mktemp("khronika-imported")
    supplement = home.parent / "my-places.csv"
    supplement.write_text(
        "name,aliases,latitude,longitude,country,parent\n"
        "Zhovtyi Yar,Zhovtyi Iar|Жовтий Яр,48.31,37.41,UA,Donetsk\n",
        encoding="utf-8",
    )
    previous_home = os.environ.get("KHRONIKA_HOME")
    previous_default = Gazetteer._default
    os.environ["KHRONIKA_HOME"] = str(home)
    Gazetteer._default = None
    try:
        (home / "imports").mkdir()
        assert main(["add", "supplement", str(supplement)]) == 0
        assert main(["add", "geonames", "UA", "--file", str(POSTAL), "--source", "postal"]) == 0
        yield home
    finally:
        Gazetteer._default = previous_default
        if previous_home is None:
            os.environ.pop("KHRONIKA_HOME", None)
        else:
            os.environ["KHRONIKA_HOME"] = previous_home


def test_imports_are_saved_in_the_data_dir(imported_home: Path) -> None:
    names = sorted(p.name for p in (imported_home / "imports").iterdir())
    assert names == ["geonames-postal-UA.txt", "supplement-my-places.csv"]


def test_postal_villages_get_their_own_point(imported_home: Path) -> None:
    gaz = Gazetteer.default()
    before = [c for c in gaz.lookup("Robotyne") if c.admin1 == "Zaporizhia"]
    assert before and not before[0].approximate
    assert before[0].latitude is not None and before[0].longitude is not None
    # Robotyne lies south of Orikhiv, about 47.45 N 35.84 E.
    assert haversine_km(before[0].latitude, before[0].longitude, 47.45, 35.84) < 10


def test_postal_place_names_are_romanized(imported_home: Path) -> None:
    gaz = Gazetteer.default()
    assert gaz.approximate_count < 15000
    assert any(c.name == "Charivne" and c.admin1 == "Zaporizhia" for c in gaz.lookup("Чарівне"))


def test_supplement_place_resolves(imported_home: Path) -> None:
    text = "Shelling hit Zhovtyi Iar, Donetsk region."
    spans = spot_places(text)
    span = next(s for s in spans if s.surface == "Zhovtyi Iar")
    place = resolve(span, build_context(spans))
    assert (place.name, place.admin1, place.latitude) == ("Zhovtyi Yar", "Donetsk", 48.31)


def test_lookup_command_explains_the_winner(
    imported_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = "Russian artillery shelled Pokrovsk, the Donetsk regional governor said."
    assert main(["lookup", "Pokrovsk", "--context", context]) == 0
    out = capsys.readouterr().out
    assert out.startswith("'Pokrovsk' -> Pokrovsk (Donetsk, UA)")
    assert "Engels (Saratov, RU)" in out and "in Donetsk, named" in out


def test_info_and_unknown_names(imported_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    assert "geonames-postal-UA.txt" in capsys.readouterr().out
    assert main(["lookup", "Qqqxyzzy"]) == 1
    assert main(["add", "geonames", "UA", "--file", str(imported_home / "none.zip")]) == 1
    assert "none.zip" in capsys.readouterr().err


def test_lookup_date_adds_the_conflict_line_prior(
    imported_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = "Russian forces shelled Stepove, Zaporizhia."
    assert main(["lookup", "Stepove", "--context", context, "--date", "2023-03-16"]) == 0
    assert "km from the front line" in capsys.readouterr().out
    assert main(["lookup", "Stepove", "--context", context]) == 0
    assert "front line" not in capsys.readouterr().out
    assert main(["lookup", "Stepove", "--date", "16.03.2023"]) == 2
    assert "'16.03.2023' is not a date in YYYY-MM-DD form" in capsys.readouterr().err
