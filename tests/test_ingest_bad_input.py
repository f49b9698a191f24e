"""Bad input: each bad file gives exactly one ReadError naming it, and reading goes on."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from khronika.ingest import ReadError, ReadOptions, read_bytes, read_paths
from khronika.records import Report

GOOD_TEXT = (
    "date 2024-05-23\nA missile hit a printing house in Kharkiv; seven people were killed.\n"
)


def errors_of(results: list[Report | ReadError]) -> list[str]:
    return [str(item) for item in results if isinstance(item, ReadError)]


def only_error(path: Path, options: ReadOptions | None = None) -> str:
    """The one error reading ``path`` gives, with the good file after it still read."""
    good = path.parent / "zz-good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    results = list(read_paths([path, good], options or ReadOptions()))
    assert len(results) == 2
    assert isinstance(results[1], Report) and results[1].origin == str(good)
    assert isinstance(results[0], ReadError) and results[0].origin == str(path)
    return results[0].message


@pytest.mark.parametrize(
    "content", [b"", b"   \n\t\r\n  ", "\ufeff  \n".encode("utf-16-le"), b"\xef\xbb\xbf\n"]
)
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert only_error(path) == "empty file"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
    ],
)
def test_binary_file_with_known_magic(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    assert only_error(path).startswith(f"binary file, not text (looks like {kind}")


def test_binary_file_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"Kharkiv\x00\x01\x02 report")
    assert only_error(path).startswith("binary file, not text")


def test_binary_file_of_control_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.dat"
    path.write_bytes(bytes(range(1, 32)) * 20 + b"some words")
    assert only_error(path).startswith("binary file, not text")


def test_too_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as sparse:
        sparse.truncate(50_000_000)
    assert only_error(path) == "too large: 50.0 MB, the limit is 10.0 MB (--max-bytes)"


def test_limit_follows_the_option(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    options = ReadOptions(max_bytes=20)
    size = len(GOOD_TEXT.encode())
    expected = f"too large: {size} bytes, the limit is 20 bytes (--max-bytes)"
    assert errors_of(list(read_paths([path], options))) == [f"{path}: {expected}"]
    assert errors_of(list(read_bytes(GOOD_TEXT.encode(), "x.txt", options))) == [
        f"x.txt: {expected}"
    ]


def test_too_large_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 101)))
    results = list(read_paths(["-"], ReadOptions(max_bytes=100)))
    assert errors_of(results) == ["<stdin>: too large: over the limit of 100 bytes (--max-bytes)"]


def test_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "mystery.txt"
    path.write_bytes(bytes(range(128, 256)) * 4)
    assert only_error(path).startswith("undecodable text")


@pytest.mark.parametrize(
    ("content", "text", "warning"),
    [
        (b"\xff\xfeK\x00y\x00i\x00v", "Kyi\ufffd", "utf-16 byte-order mark but byte 8"),
        (b"\xef\xbb\xbfKyiv \xff\xfe", "Kyiv яю", "UTF-8 byte-order mark but is not UTF-8"),
    ],
)
def test_text_its_byte_order_mark_lies_about_is_kept_with_a_warning(
    content: bytes, text: str, warning: str
) -> None:
    [report] = read_bytes(content, "mystery.txt")
    assert isinstance(report, Report) and report.text == text
    assert any(warning in note for note in report.warnings), report.warnings


def test_missing_path(tmp_path: Path) -> None:
    assert only_error(tmp_path / "nowhere.txt") == "no such file or directory"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert only_error(path) == "cannot read: Permission denied"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_file_without_read_permission(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    path.chmod(0)
    assert only_error(path) == "cannot read: Permission denied"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    assert only_error(path) == "a pipe or socket, not a file (give it as - on stdin)"


def test_directory_with_good_and_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a-good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "b-empty.txt").write_bytes(b"")
    (tmp_path / "c-photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.txt").write_bytes(b"")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_bytes(b"\x00")
    nested = tmp_path / "d-nested"
    nested.mkdir()
    (nested / "reports.jsonl").write_text(
        '{"text": "Shelling hit Kherson."}\n{"text": \n{"text": "A drone hit Sumy."}\n',
        encoding="utf-8",
    )
    with (nested / "huge.txt").open("wb") as sparse:
        sparse.truncate(11_000_000)
    (tmp_path / "e-last.md").write_text("# Title\n\nA shell hit Nikopol.", encoding="utf-8")

    results = list(read_paths([tmp_path]))

    assert [item.origin for item in results] == [
        str(tmp_path / "a-good.txt"),
        str(tmp_path / "b-empty.txt"),
        str(tmp_path / "c-photo.png"),
        str(nested / "huge.txt"),
        f"{nested / 'reports.jsonl'}:1",
        f"{nested / 'reports.jsonl'}:2",
        f"{nested / 'reports.jsonl'}:3",
        str(tmp_path / "e-last.md"),
    ]
    assert [type(item).__name__ for item in results] == [
        "Report",
        "ReadError",
        "ReadError",
        "ReadError",
        "Report",
        "ReadError",
        "Report",
        "Report",
    ]
