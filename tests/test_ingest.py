"""Readers: each format gives Reports with the input's own metadata and text kept exactly."""

from __future__ import annotations

import io
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

from khronika.ingest import ReadError, ReadOptions, file_identity, read_bytes, read_paths
from khronika.ingest.markup import html_to_text
from khronika.ingest.parse import parse_date_value
from khronika.ingest.text import file_id
from khronika.records import Report, content_id

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEFAULTS = ReadOptions()


def read_all(
    *paths: str | Path, options: ReadOptions = DEFAULTS
) -> tuple[list[Report], list[ReadError]]:
    results = list(read_paths(list(paths), options))
    reports = [item for item in results if isinstance(item, Report)]
    errors = [item for item in results if isinstance(item, ReadError)]
    assert len(reports) + len(errors) == len(results)
    return reports, errors


def read_one(path: str | Path, options: ReadOptions = DEFAULTS) -> Report:
    reports, errors = read_all(path, options=options)
    assert errors == []
    assert len(reports) == 1
    return reports[0]


# Plain text and Markdown


def test_text_keeps_the_file_content_and_reads_the_date_line() -> None:
    path = FIXTURES / "shelling-zaporizhzhia.txt"
    report = read_one(path, ReadOptions(published=datetime(2020, 1, 1), source="Given"))
    assert report.text == path.read_text(encoding="utf-8")
    assert report.published == datetime(2024, 3, 14)  # the file's date wins over the fallback
    assert report.source == "Given"
    assert report.id == file_id(file_identity(path.parent, path), "Given")  # not the content
    assert (report.format, report.encoding, report.origin) == ("text", "utf-8", str(path))
    assert report.title is None and report.language is None
    assert report.received is not None and report.received.tzinfo is None


def test_text_without_date_line_takes_the_fallback_date_and_language() -> None:
    options = ReadOptions(published=datetime(2024, 6, 1, 12), lang="en")
    report = read_one(FIXTURES / "no-date.txt", options)
    assert report.published == datetime(2024, 6, 1, 12)
    assert report.language == "en"


def test_utf8_byte_order_mark_is_removed_and_named(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfdate 2024-01-02\nShelling hit Kherson.")
    report = read_one(path)
    assert report.text == "date 2024-01-02\nShelling hit Kherson."
    assert report.encoding == "utf-8-sig"
    assert report.published == datetime(2024, 1, 2)


def test_markdown_front_matter_gives_metadata_and_the_text_stays_whole() -> None:
    path = FIXTURES / "front-matter.md"
    report = read_one(path, ReadOptions(source="Fallback outlet", lang="uk"))
    assert report.text == path.read_text(encoding="utf-8")
    assert report.title == "Missile strike on Odesa port: four injured"
    assert report.published == datetime(2024, 4, 2, 6, 30)  # +03:00 converted to UTC
    assert report.source == "Black Sea Monitor"
    assert report.url == "https://monitor.example/odesa-port-strike"
    assert report.language == "en"


def test_markdown_heading_is_the_title() -> None:
    report = read_one(FIXTURES / "heading.md")
    assert report.title == "Evacuation from Vovchansk continues"
    assert report.text.startswith("\n# Evacuation")


def test_invalid_date_line_keeps_the_report_without_a_date_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bad-date.txt"
    path.write_text("date 2024-02-30 Kyiv\nA drone fell on a house.", encoding="utf-8")
    reports, errors = read_all(path)
    assert errors == []
    [report] = reports
    assert report.published is None and report.text.endswith("A drone fell on a house.")
    assert len(report.warnings) == 1 and "2024-02-30" in report.warnings[0]


def test_seed_report_date_line() -> None:
    seed = SHARED / "seeds" / "kharkiv-2024-05-23.txt"
    if not seed.exists():
        pytest.skip("shared seeds are not beside the repository")
    report = read_one(seed)
    assert report.published == datetime(2024, 5, 23)
    assert report.text == seed.read_text(encoding="utf-8")


# Encodings


UKRAINIAN = (
    "Уночі російські війська обстріляли Херсон. Загинули двоє людей, ще п'ятеро поранені, "
    "повідомила обласна військова адміністрація.\n"
)


def test_cp1251_ukrainian_text_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "kherson-uk.txt"
    path.write_bytes(UKRAINIAN.encode("cp1251"))
    report = read_one(path)
    assert report.text == UKRAINIAN
    assert report.encoding == "cp1251"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark(tmp_path: Path, codec: str) -> None:
    text = "Explosions in Kharkiv: 3 injured.\n" + UKRAINIAN
    path = tmp_path / "utf16.txt"
    path.write_bytes("\ufeff".encode(codec) + text.encode(codec))
    report = read_one(path)
    assert report.text == text
    assert report.encoding == "utf-16"


def test_western_code_page_text_is_decoded(tmp_path: Path) -> None:
    text = "The mayor said “nine people” were injured — the café on Soborna street burned.\n"
    path = tmp_path / "cp1252.txt"
    path.write_bytes(text.encode("cp1252"))
    report = read_one(path)
    assert report.text == text
    assert report.encoding == "cp1252"


# HTML


def test_html_article_text_without_boilerplate() -> None:
    report = read_one(FIXTURES / "article.html")
    assert "Two people were killed and nine injured" in report.text
    assert "air defence units shot down four" in report.text
    for boilerplate in ("cookies", "Privacy policy", "Weather", "Copyright", "Football"):
        assert boilerplate not in report.text
    assert report.title == "Drone strike hits Sumy apartment block"
    assert report.url == "https://ledger.example/news/sumy-drone-strike"
    assert report.source == "Eastern Ledger"
    assert report.published == datetime(2024, 6, 4, 3, 30)
    assert report.language == "en"
    assert (report.format, report.origin) == ("html", str(FIXTURES / "article.html"))


def test_html_date_is_not_guessed_from_the_body_or_today(tmp_path: Path) -> None:
    page = (FIXTURES / "article.html").read_text(encoding="utf-8")
    page = page.replace(
        '<meta property="article:published_time" content="2024-06-04T06:30:00+03:00">', ""
    )
    page = page.replace("overnight,", "overnight on 2 June 2023,")
    path = tmp_path / "undated.html"
    path.write_text(page, encoding="utf-8")
    assert read_one(path).published is None
    fallback = datetime(2024, 6, 5)
    assert read_one(path, ReadOptions(published=fallback)).published == fallback


def test_html_time_element_gives_the_date(tmp_path: Path) -> None:
    path = tmp_path / "timed.html"
    path.write_text(
        "<html><body><article><time datetime='2024-06-04T07:10:00Z'>4 June</time>"
        "<p>Shelling damaged the railway station in Kupiansk, officials said.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    assert read_one(path).published == datetime(2024, 6, 4, 7, 10)


def test_html_falls_back_to_paragraphs_when_no_main_text_is_found(tmp_path: Path) -> None:
    path = tmp_path / "comments-only.htm"
    path.write_text(
        '<html><body><div class="comments"><p>Two shells hit a school in Kherson.</p>'
        "</div></body></html>",
        encoding="utf-8",
    )
    assert read_one(path).text == "Two shells hit a school in Kherson."


def test_html_without_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty-page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Live</title></head>"
        "<body><script>start()</script></body></html>",
        encoding="utf-8",
    )
    reports, errors = read_all(path)
    assert reports == []
    assert [str(error) for error in errors] == [f"{path}: no article text found"]


def test_html_to_text_keeps_paragraphs_and_line_breaks() -> None:
    fragment = (
        "<p>First  line<br>second\n line</p><script>x()</script><ul><li>item &amp; more</li></ul>"
    )
    assert html_to_text(fragment) == "First line\nsecond line\n\nitem & more"
    assert html_to_text("<div>menu<p>kept</p></div>", only="p") == "kept"


# JSON and JSON Lines


def test_json_array_reads_records_and_reports_the_one_without_text() -> None:
    path = FIXTURES / "reports.json"
    reports, errors = read_all(path, options=ReadOptions(source="Fallback"))
    assert [str(error) for error in errors] == [
        f"{path}#3: no text field (expected one of text, content, body)"
    ]
    first, second = reports
    assert first.id == "ledger-1042"
    assert first.title == "Shelling in Kherson"
    assert first.url == "https://ledger.example/1042"
    assert first.published == datetime(2024, 2, 10, 18, 20)
    assert first.source == "Eastern Ledger"
    assert first.language == "en"
    assert (first.origin, first.format) == (f"{path}#1", "json")
    assert second.text.startswith("A guided aerial bomb")  # from "content"
    assert second.id == content_id(second.text)
    assert second.published == datetime(2024, 2, 11, 6, 0)  # RFC 2822, +0200 to UTC
    assert second.source == "Fallback"


def test_json_single_object() -> None:
    report = read_one(FIXTURES / "single.json")
    assert report.id == "monitor-7"
    assert report.text == "Two civilians were injured by a mine near Izium while clearing a field."
    assert report.source == "Black Sea Monitor"


def test_json_lines_go_on_after_a_malformed_line() -> None:
    path = FIXTURES / "reports.jsonl"
    reports, errors = read_all(path)
    assert [report.id for report in reports] == ["j-1", "j-4"]
    assert [report.origin for report in reports] == [f"{path}:1", f"{path}:5"]
    assert reports[0].published == datetime(2024, 1, 15)
    assert reports[1].language == "en"
    assert [error.origin for error in errors] == [f"{path}:2", f"{path}:3"]
    assert errors[0].message.startswith("malformed JSON (")
    assert errors[1].message == "no text field (expected one of text, content, body)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": 5}', "field 'text' should be a string, got number"),
        (b"[]", "no records (empty JSON array)"),
        (b'"just a string"', "expected a JSON object or an array of objects, got string"),
        (b'{"text": "unterminated', "malformed JSON (Unterminated string"),
        (b"[1]", "record is not a JSON object (got number)"),
        (b"[" * 100_000, "malformed JSON (nested too deeply)"),
    ],
)
def test_json_bad_records_give_one_error(content: bytes, message: str) -> None:
    results = list(read_bytes(content, "bad.json"))
    assert len(results) == 1
    assert isinstance(results[0], ReadError)
    assert message in results[0].message


def test_json_lines_in_a_json_file_are_read_line_by_line() -> None:
    data = b'{"text": "A drone hit Sumy."}\n{"text": "A shell hit Kherson."}\n'
    reports = [item for item in read_bytes(data, "misnamed.json") if isinstance(item, Report)]
    assert [(report.text, report.origin) for report in reports] == [
        ("A drone hit Sumy.", "misnamed.json:1"),
        ("A shell hit Kherson.", "misnamed.json:2"),
    ]


# CSV and TSV


def test_csv_auto_columns_keep_multiline_text() -> None:
    path = FIXTURES / "reports.csv"
    reports, errors = read_all(path, options=ReadOptions(lang="uk"))
    assert [str(error) for error in errors] == [f"{path}:3: no text in column 'body'"]
    first, third = reports
    assert first.text == (
        "A missile struck central Kramatorsk on Wednesday, killing three people.\n\n"
        "Officials said 12 more were injured, two of them children."
    )
    assert (first.id, first.title, first.source, first.language) == (
        "c-1",
        "Strike on Kramatorsk",
        "Eastern Ledger",
        "en",
    )
    assert first.published == datetime(2024, 5, 1, 14)
    assert (first.origin, first.format) == (f"{path}:2", "csv")
    assert third.text.endswith('damaged a "high-rise" building.')
    assert third.published == datetime(2024, 5, 2, 23, 10)
    assert third.language == "uk"  # empty lang cell: the user's language


def test_tsv_needs_a_mapping_for_an_unusual_text_column() -> None:
    path = FIXTURES / "reports.tsv"
    reports, errors = read_all(path)
    assert reports == []
    assert len(errors) == 1
    assert "story, headline, date" in errors[0].message
    options = ReadOptions(columns={"text": "story", "title": "headline"})
    report = read_one(path, options)
    assert report.text.startswith("An explosion was heard in Melitopol")
    assert report.title == "Blast in Melitopol"
    assert report.published == datetime(2024, 6, 9)


def test_csv_mapping_to_a_missing_column_names_the_columns() -> None:
    path = FIXTURES / "reports.csv"
    reports, errors = read_all(path, options=ReadOptions(columns={"text": "article"}))
    assert reports == []
    assert [str(error) for error in errors] == [
        f"{path}: column 'article' (for text) not found; "
        "the columns are: id, title, published, source, body, lang"
    ]


def test_csv_mapping_with_an_unknown_field_is_an_error() -> None:
    results = list(
        read_bytes(b"body\nA shell hit Kherson.\n", "x.csv", ReadOptions(columns={"txt": "body"}))
    )
    assert len(results) == 1 and isinstance(results[0], ReadError)
    assert "unknown field txt" in results[0].message


def test_csv_large_fields_and_semicolons(tmp_path: Path) -> None:
    long_text = "Shelling continued along the front line. " * 5000  # over csv's 128 KiB default
    path = tmp_path / "long.csv"
    path.write_text(f'title;text\nLong;"{long_text}"\n', encoding="utf-8")
    report = read_one(path)
    assert report.text == long_text
    assert report.title == "Long"


def test_csv_row_longer_than_the_header_is_an_error() -> None:
    results = list(read_bytes(b"id,text\n1,A shell hit Kherson.,extra\n", "rows.csv"))
    assert [str(item) for item in results] == ["rows.csv:2: row has 3 fields, the header has 2"]


def test_news_csv_reads_every_row() -> None:
    path = SHARED / "eval" / "news-en-2022-2024.csv"
    if not path.exists():
        pytest.skip("shared evaluation data is not beside the repository")
    reports, errors = read_all(path, options=ReadOptions(columns={"text": "content"}))
    assert errors == []
    assert len(reports) == 447
    assert all(report.text.strip() and report.language == "en" for report in reports)


# Telegram


def test_telegram_export_flattens_entities_and_skips_service_messages() -> None:
    path = FIXTURES / "telegram" / "result.json"
    reports, errors = read_all(path)
    assert errors == []
    assert [report.id for report in reports] == [
        "telegram:1987654321:2",
        "telegram:1987654321:3",
        "telegram:1987654321:5",
    ]
    entities = reports[1]
    assert entities.text == (
        "Kharkiv: a missile hit a printing house, seven people killed. "
        "Details: regional police #Kharkiv"
    )
    assert entities.published == datetime(2024, 5, 21, 19, 2, 40)
    assert entities.source == "Frontline Watch"
    assert entities.title is None
    assert entities.url == "https://t.me/frontline_watch/3"
    assert (entities.origin, entities.format) == (f"{path}#3", "telegram")


def test_telegram_export_is_found_by_content_whatever_its_name(tmp_path: Path) -> None:
    export = (FIXTURES / "telegram" / "result.json").read_text(encoding="utf-8")
    export = export.replace('"username": "frontline_watch",', "")
    path = tmp_path / "channel-dump.json"
    path.write_text(export, encoding="utf-8")
    reports, errors = read_all(path)
    assert errors == [] and len(reports) == 3
    assert all(report.format == "telegram" and report.url is None for report in reports)
    sniffed = list(read_bytes(export.encode("utf-8"), "export-without-extension"))
    assert [item.format for item in sniffed if isinstance(item, Report)] == ["telegram"] * 3


def test_forcing_telegram_on_other_json_is_an_error() -> None:
    results = list(read_bytes(b'{"text": "x"}', "a.json", ReadOptions(format="telegram")))
    assert [str(item) for item in results] == [
        "a.json: not a Telegram export (expected an object with a messages list)"
    ]


# RSS and Atom


def test_rss_entries() -> None:
    path = FIXTURES / "feed.rss"
    reports, errors = read_all(path)
    assert errors == []
    first, second = reports
    assert first.text == (
        "A ballistic missile hit a residential building in Kryvyi Rih on Tuesday evening, "
        "killing four people.\n\nRescuers are still searching the rubble.\n"
        "The city declared a day of mourning."
    )
    assert first.id == "ledger-2024-0312-01"
    assert first.url == "https://ledger.example/kryvyi-rih-strike"
    assert first.title == "Strike on Kryvyi Rih kills four"
    assert first.published == datetime(2024, 3, 12, 19, 15)
    assert first.source == "Eastern Ledger: Ukraine"
    assert (first.origin, first.format) == (f"{path}#1", "feed")
    assert second.id == "https://ledger.example/sumy-power"  # no guid: the link
    assert second.text.startswith("Drones hit an energy facility in Sumy")


def test_atom_entries() -> None:
    reports, errors = read_all(FIXTURES / "feed.atom")
    assert errors == []
    first, second = reports
    assert first.id == "urn:monitor:entry:881"
    assert first.text == (
        "Explosions were heard near Sevastopol bay early on Wednesday.\n\n"
        "The Russian-installed governor said one sailor was injured."
    )
    assert first.published == datetime(2024, 4, 3, 8, 40)  # only <updated>, +01:00 to UTC
    assert second.published == datetime(2024, 4, 2, 22, 5)  # <published> wins
    assert second.source == "Black Sea Monitor"
    assert second.url == "https://monitor.example/882"


def test_malformed_feed_still_gives_its_entries() -> None:
    feed = (
        b"<rss version='2.0'><channel><title>Ledger</title>"
        b"<item><title>Strike</title><description>A drone hit Odesa &amp; Mykolaiv."
        b"</description></item><item><title>Broken</description></channel>"
    )
    reports = [item for item in read_bytes(feed, "broken.xml") if isinstance(item, Report)]
    assert [report.text for report in reports][:1] == ["A drone hit Odesa & Mykolaiv."]


def test_feed_without_entries_is_an_error() -> None:
    results = list(read_bytes(b"<rss version='2.0'><channel><title>x</title>", "empty.rss"))
    assert len(results) == 1 and isinstance(results[0], ReadError)
    assert results[0].origin == "empty.rss"


# Picking a reader


@pytest.mark.parametrize(
    ("data", "reader"),
    [
        (b"<!DOCTYPE html><html><body><p>Shelling hit Kupiansk.</p></body></html>", "html"),
        ((FIXTURES / "feed.atom").read_bytes(), "feed"),
        (b'[{"text": "A shell hit Kherson."}]', "json"),
        (b"[Update] A shell hit Kherson.", "text"),
        (b"A shell hit Kherson.", "text"),
    ],
)
def test_inputs_without_extension_are_sniffed(data: bytes, reader: str) -> None:
    results = list(read_bytes(data, "<stdin>"))
    assert [item.format for item in results if isinstance(item, Report)][:1] == [reader]


def test_forced_format_wins_over_the_extension() -> None:
    path = FIXTURES / "article.html"
    report = read_one(path, ReadOptions(format="text"))
    assert report.format == "text"
    assert report.text == path.read_text(encoding="utf-8")


def test_unknown_format_is_an_error() -> None:
    results = list(read_bytes(b"text", "a.txt", ReadOptions(format="pdf")))
    assert [str(item) for item in results] == [
        "a.txt: unknown format 'pdf' "
        "(formats: text, html, json, jsonl, csv, telegram, feed, channel, parquet)"
    ]


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"date 2024-07-08\nA drone hit Odesa port."))
    monkeypatch.setattr(sys, "stdin", stdin)
    (report,) = read_paths(["-"])
    assert isinstance(report, Report)
    assert report.published == datetime(2024, 7, 8)
    assert report.origin == "<stdin>"


def test_directory_is_read_in_sorted_order(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "in")
    (tmp_path / "in" / ".cache.txt").write_text("hidden note", encoding="utf-8")
    results = list(read_paths([tmp_path / "in"]))
    origins = [item.origin or "" for item in results]
    assert origins == sorted(origins, key=lambda origin: origin.split("#")[0].split(":")[0])
    assert not any(".cache" in origin for origin in origins)
    assert any(origin.endswith("telegram/result.json#5") for origin in origins)


def test_parse_date_value_forms() -> None:
    assert parse_date_value("2024-05-23") == datetime(2024, 5, 23)
    assert parse_date_value("2024-05-23T10:00:00Z") == datetime(2024, 5, 23, 10)
    assert parse_date_value("Thu, 23 May 2024 13:00:00 +0300") == datetime(2024, 5, 23, 10)
    assert parse_date_value(1716458400) == datetime(2024, 5, 23, 10)
    for bad in ("23/05/2024", "yesterday", True, None, [2024]):
        with pytest.raises(ValueError):
            parse_date_value(bad)


def test_front_matter_with_windows_line_endings() -> None:
    data = b"---\r\ntitle: Night attack\r\ndate: 2024-01-02\r\n---\r\nA drone hit Lviv.\r\n"
    (report,) = read_bytes(data, "crlf.md")
    assert isinstance(report, Report)
    assert (report.title, report.published) == ("Night attack", datetime(2024, 1, 2))
    assert report.text == data.decode("utf-8")
