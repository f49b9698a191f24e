"""Telegram channel previews (t.me/s/<channel>): posts become Reports, the page's markup does not.

The fixture pages are invented posts laid out like the public preview.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from khronika.ingest import READERS, ReadError, ReadOptions, read_bytes
from khronika.ingest.base import BadInput, Input
from khronika.ingest.channel_page import older_page, read_channel_page
from khronika.records import Report

FIXTURES = Path(__file__).parent / "fixtures" / "channel"
URL = "https://t.me/s/Khronika_Demo"
OPTIONS = ReadOptions(format="channel")
RECEIVED = datetime(2024, 3, 16, 9, 0)
HEADER = (
    '<html><head><meta property="og:title" content="Demo"></head><body>'
    '<div class="tgme_channel_info"><div class="tgme_channel_info_header_title">'
    "<span>Demo</span></div></div><section>{}</section></body></html>"
)


def page_input(markup: str, origin: str = URL) -> Input:
    return Input(origin, markup.encode("utf-8"), markup, "utf-8", RECEIVED)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def read(
    markup: str, origin: str = URL, options: ReadOptions = OPTIONS
) -> tuple[list[Report], list[ReadError]]:
    results = list(read_channel_page(page_input(markup, origin), options))
    reports = [item for item in results if isinstance(item, Report)]
    errors = [item for item in results if isinstance(item, ReadError)]
    assert len(reports) + len(errors) == len(results)
    return reports, errors


def post(number: str, text_div: str, when: str = "2024-03-14T04:00:00+00:00") -> str:
    return (
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message" '
        f'data-post="Demo/{number}"><div class="tgme_widget_message_bubble">{text_div}'
        f'<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" '
        f'href="https://t.me/Demo/{number}"><time datetime="{when}">04:00</time></a></span>'
        "</div></div></div>"
    )


def test_a_page_of_posts_gives_one_report_per_text_post_in_page_order() -> None:
    reports, errors = read(fixture("page.html"))
    assert errors == []
    assert [report.id for report in reports] == [
        "telegram:khronika_demo:102",
        "telegram:khronika_demo:104",
        "telegram:khronika_demo:105",
        "telegram:khronika_demo:106",
    ]
    assert [report.url for report in reports] == [
        f"https://t.me/khronika_demo/{number}" for number in (102, 104, 105, 106)
    ]
    assert [report.origin for report in reports] == [
        f"{URL}#{number}" for number in (102, 104, 105, 106)
    ]
    assert [report.published for report in reports] == [
        datetime(2024, 3, 14, 4, 12, 45),
        datetime(2024, 3, 14, 6, 30),  # +03:00
        datetime(2024, 3, 14, 7, 5, 10),
        datetime(2024, 3, 15, 0, 59, 59),  # -01:00, the next day in UTC
    ]
    for report in reports:
        assert report.source == "Хроніка · тестовий канал"
        assert (report.format, report.encoding, report.received) == ("channel", "utf-8", RECEIVED)
        assert report.edited is None and report.title is None and report.language is None


def test_post_text_keeps_line_breaks_link_text_and_emoji_and_no_markup() -> None:
    reports, _ = read(fixture("page.html"))
    by_number = {report.id.rsplit(":", 1)[1]: report.text for report in reports}
    assert by_number["102"] == (
        "Харків, 14 березня.\n"
        "Унаслідок ракетного удару по Салтівському району загинули 2 людини, ще 7 поранені.\n"
        "\n"
        "Деталі: сайт ОВА ❗"
    )
    assert by_number["106"] == "Odesa: drone debris injured 1 person overnight 🚨"


def test_forwarded_post_is_read_without_its_forwarded_from_line() -> None:
    reports, _ = read(fixture("page.html"))
    forwarded = next(report for report in reports if report.id.endswith(":104"))
    assert (
        forwarded.text
        == "В Белгородской области при обстреле пострадали три человека.\nПогибших нет."
    )


def test_reply_keeps_its_own_text_not_the_quote_of_the_post_it_answers() -> None:
    reports, _ = read(fixture("page.html"))
    reply = next(report for report in reports if report.id.endswith(":105"))
    assert (
        reply.text
        == "Update: the death toll in Kharkiv rose to 3, regional officials said.\n#Kharkiv"
    )


def test_a_quote_sharing_the_text_class_and_a_doubled_text_div_are_read_once() -> None:
    quoted = (
        '<a class="tgme_widget_message_reply" href="https://t.me/Demo/1">'
        '<div class="tgme_widget_message_text js-message_reply_text">Quoted post</div></a>'
        '<div class="tgme_widget_message_text js-message_text">Own text</div>'
    )
    doubled = (
        '<div class="tgme_widget_message_text">'
        '<div class="tgme_widget_message_text js-message_text">Caption</div></div>'
    )
    reports, _ = read(HEADER.format(post("2", quoted) + post("3", doubled)))
    assert [report.text for report in reports] == ["Own text", "Caption"]


def test_media_only_and_service_posts_are_not_reports() -> None:
    reports, errors = read(fixture("page.html"))
    numbers = {report.id.rsplit(":", 1)[1] for report in reports}
    assert errors == [] and not numbers & {"101", "103"}  # 101 service, 103 photo only
    assert all("Channel photo updated" not in report.text for report in reports)
    assert all("Please open Telegram" not in report.text for report in reports)


def test_an_edited_post_read_again_keeps_its_id_with_the_new_text() -> None:
    first, _ = read(fixture("page.html"))
    later, errors = read(fixture("page-later.html"), origin=f"{URL}?before=108")
    assert errors == []
    before = next(report for report in first if report.id == "telegram:khronika_demo:105")
    after = next(report for report in later if report.id == "telegram:khronika_demo:105")
    assert "rose to 3" in before.text and "rose to 4" in after.text
    assert (after.url, after.published) == (before.url, before.published)
    assert after.origin == f"{URL}?before=108#105"
    assert after.edited is None  # the page says "edited" but not when
    assert [report.id for report in later] == [
        "telegram:khronika_demo:105",
        "telegram:khronika_demo:107",
    ]


def test_a_malformed_post_is_one_error_and_the_others_are_still_read() -> None:
    reports, errors = read(fixture("malformed.html"))
    assert [report.id for report in reports] == [
        "telegram:khronika_demo:201",
        "telegram:khronika_demo:206",
    ]
    assert [str(error) for error in errors] == [
        f"{URL}#202: post date is not an ISO date-time: 'yesterday'",
        f"{URL}#203: post has no date (a.tgme_widget_message_date time[datetime])",
        f"{URL}#4: post 4 of the page has no <channel>/<number> data-post: 'Khronika_Demo/20x'",
        f"{URL}#205: post date has no UTC offset: '2024-03-15T12:00:00'",
    ]
    edge = post("5", '<div class="tgme_widget_message_text">x</div>', "0001-01-01T00:00:00+01:00")
    _, errors = read(HEADER.format(edge))
    assert [str(error) for error in errors] == [
        f"{URL}#5: post date is out of range in UTC: '0001-01-01T00:00:00+01:00'"
    ]


def test_a_page_that_is_not_a_channel_preview_is_refused_clearly() -> None:
    with pytest.raises(BadInput, match=r"^not a Telegram channel preview page \(t\.me/s/…\)"):
        list(read_channel_page(page_input(fixture("not-channel.html")), OPTIONS))


def test_a_channel_page_without_posts_yields_nothing() -> None:
    assert read(HEADER.format("")) == ([], [])


def test_scripts_and_markup_inside_a_post_come_out_as_plain_text() -> None:
    text_div = (
        '<div class="tgme_widget_message_text js-message_text">'
        "<script>alert(1)</script>Київ: 2 загиблих<style>b{color:red}</style>"
        '<img src="x" onerror="alert(2)"><!-- note --><br>'
        '&lt;script&gt;alert(3)&lt;/script&gt; <b onclick="alert(4)">и</b> '
        '<a href="javascript:alert(5)">ссылка</a><noscript>hidden</noscript>.</div>'
    )
    reports, errors = read(HEADER.format(post("7", text_div)))
    assert errors == []
    # Escaped markup is what the author typed, so it stays as those characters; real tags go.
    assert [report.text for report in reports] == [
        "Київ: 2 загиблих\n<script>alert(3)</script> и ссылка."
    ]


def test_spaces_inside_the_text_are_kept_and_the_page_indentation_around_it_is_not() -> None:
    text_div = (
        '<div class="tgme_widget_message_text">\n    Lviv:\u00a0one  injured<br/>\n    </div>'
    )
    reports, _ = read(HEADER.format(post("8", text_div)))
    assert [report.text for report in reports] == ["Lviv:\u00a0one  injured"]


def test_the_header_title_wins_and_the_open_graph_title_is_the_fallback() -> None:
    markup = (
        '<html><head><meta property="og:title" content="  OG   title "></head><body>'
        + post("9", '<div class="tgme_widget_message_text">Kherson: one killed.</div>')
        + "</body></html>"
    )
    reports, _ = read(markup)
    assert [report.source for report in reports] == ["OG title"]
    reports, _ = read(HEADER.format(post("9", '<div class="tgme_widget_message_text">x</div>')))
    assert [report.source for report in reports] == ["Demo"]


def test_user_fallbacks_fill_what_the_page_does_not_say() -> None:
    markup = "<html><body>" + post("3", '<div class="tgme_widget_message_text">x</div>') + "</body>"
    reports, _ = read(markup, options=ReadOptions(format="channel", source="Given", lang="uk"))
    assert [(report.source, report.language) for report in reports] == [("Given", "uk")]


def test_older_page_is_the_before_cursor_of_the_prev_link() -> None:
    assert older_page(fixture("page.html")) == "101"
    assert older_page(fixture("page-later.html")) == "105"
    assert older_page(fixture("malformed.html")) is None  # the oldest page has no prev link
    assert older_page('<link rel="prev" href="/s/Demo?before=abc">') is None
    assert older_page('<link rel="prev" href="/s/Demo?after=12">') is None
    assert older_page("") is None


def test_through_read_bytes_a_non_channel_page_is_one_error() -> None:
    assert READERS["channel"] is read_channel_page
    data = (FIXTURES / "not-channel.html").read_bytes()
    results = list(read_bytes(data, "https://t.me/s/nobody", OPTIONS))
    assert [str(item) for item in results] == [
        "https://t.me/s/nobody: not a Telegram channel preview page (t.me/s/…): "
        "no posts and no channel header"
    ]
    page = list(read_bytes((FIXTURES / "page.html").read_bytes(), URL, OPTIONS))
    assert [item.id for item in page if isinstance(item, Report)][0] == "telegram:khronika_demo:102"
