"""Reading policy documents and FAQ sets from files, with clear refusals for bad files."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from core.errors import IngestError
from knowledge.chunking import starts_a_heading
from knowledge.doc_dates import document_dates

MAX_FILE_BYTES = 20 * 1024 * 1024
# A .docx or .xlsx is a zip archive: a small file may unpack to gigabytes (a "zip bomb").
# Its table of contents is checked before anything is unpacked. Python's zip reader stops
# at each entry's declared size, so the declared sizes bound what parsing can unpack.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 5_000
MAX_PDF_PAGES = 3_000
MAX_TEXT_CHARS = 5_000_000  # about 3,000 pages of Chinese text
DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}
FAQ_SUFFIXES = {".yaml", ".yml", ".csv", ".xlsx"}
META_SUFFIX = ".meta.yaml"


@dataclass
class DocumentFile:
    slug: str
    title: str
    text: str
    content_hash: str
    source_name: str
    issuer: str | None = None
    doc_number: str | None = None
    issued_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    url: str | None = None


@dataclass
class FaqRecord:
    slug: str
    question: str
    answer: str
    paraphrases: list[str] = field(default_factory=list)
    document_slug: str | None = None
    quote: str | None = None
    tags: list[str] = field(default_factory=list)


def slugify(name: str) -> str:
    slug = re.sub(r"[^\w\-]+", "-", name.strip().lower()).strip("-")
    return slug[:120] or hashlib.sha256(name.encode()).hexdigest()[:16]


def _decode(name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{name}: the text is neither UTF-8 nor GB18030")


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
# A line of PDF text that ends inside a sentence continues on the next line.
_SENTENCE_CLOSE = '。；;：:！!？?）)》”"】'


def check_archive(name: str, data: bytes) -> None:
    """Refuse a zip-based file (.docx, .xlsx) that is not a zip archive, has too many
    entries or would unpack to more than ``MAX_UNPACKED_BYTES``."""
    suffix = Path(name).suffix.lower()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise IngestError(f"{name}: 文件已损坏 (cannot read this {suffix} file: {exc})") from exc
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise IngestError(
            f"{name}: 文件内部条目过多 (the file holds {len(entries):,} parts, "
            f"more than the {MAX_ARCHIVE_ENTRIES:,} allowed)"
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise IngestError(
            f"{name}: 文件解压后超过{limit} MB，拒绝读取 (it unpacks to "
            f"{unpacked // (1024 * 1024):,} MB, more than the {limit} MB allowed)"
        )


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if len(reader.pages) > MAX_PDF_PAGES:
        raise IngestError(
            f"{name}: PDF超过{MAX_PDF_PAGES}页，请拆分后上传 (it has {len(reader.pages):,} pages, "
            f"more than the {MAX_PDF_PAGES:,} allowed: split it)"
        )
    pages: list[str] = []
    chars = 0
    for page in reader.pages:
        pages.append(page.extract_text() or "")
        chars += len(pages[-1])
        if chars > MAX_TEXT_CHARS:
            raise _too_much_text(name)
    return _unwrap("\n".join(pages))


def _too_much_text(name: str) -> IngestError:
    return IngestError(
        f"{name}: 文字超过{MAX_TEXT_CHARS:,}字，请拆分后上传 (more than "
        f"{MAX_TEXT_CHARS:,} characters of text: split it)"
    )


def _docx_text(data: bytes) -> str:
    """Paragraphs and tables in document order; Title and Heading styles become Markdown
    headings (``#`` for the title), so that the chunker sees the document's structure."""
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))
                lines.append(" | ".join(c for c in cells if c))
            continue
        text = block.text.strip()
        style = (block.style.name if block.style is not None else "") or ""
        heading = _HEADING_STYLE.match(style.strip())
        if text and style.strip().lower() in ("title", "标题"):
            text = f"# {text}"
        elif text and heading:
            text = f"{'#' * (int(heading.group(1)) + 1)} {text}"
        lines.append(text)
    return "\n".join(lines)


def _unwrap(text: str) -> str:
    """Join the hard line breaks of extracted PDF text inside sentences."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        joins = out and out[-1] and line and not out[-1].endswith(tuple(_SENTENCE_CLOSE))
        if joins and not starts_a_heading(line):
            out[-1] += line
            continue
        out.append(line)
    return "\n".join(out)


def _text_of(name: str, suffix: str, data: bytes) -> str:
    try:
        if suffix in {".txt", ".md", ".markdown"}:
            return _HTML_COMMENT.sub("", _decode(name, data))
        if suffix in {".html", ".htm"}:
            from bs4 import BeautifulSoup

            soup = BeautifulSoup(_decode(name, data), "html.parser")
            for tag in soup(["script", "style", "nav", "header", "footer"]):
                tag.decompose()
            return soup.get_text("\n")
        if suffix == ".docx":
            check_archive(name, data)
            return _docx_text(data)
        if suffix == ".pdf":
            return _pdf_text(name, data)
    except (IngestError, MemoryError):  # running out of memory is not a corrupt file
        raise
    except Exception as exc:  # any other parser failure means the file is corrupt for us
        raise IngestError(
            f"{name}: cannot read this {suffix} file ({type(exc).__name__}: {exc})"
        ) from exc
    raise IngestError(f"{name}: unsupported file type {suffix!r}")


def _check_size(name: str, data: bytes) -> None:
    if not data:
        raise IngestError(f"{name}: the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise IngestError(f"{name}: the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _date(value: Any, name: str, key: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise IngestError(f"{name}: metadata field {key!r} is not a date (YYYY-MM-DD)") from None


def read_document(name: str, data: bytes, meta: dict[str, Any] | None = None) -> DocumentFile:
    """A policy document from its file name and bytes, with optional metadata."""
    suffix = Path(name).suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise IngestError(f"{name}: unsupported file type {suffix or '(none)'!r}")
    _check_size(name, data)
    text = _text_of(name, suffix, data).replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise _too_much_text(name)
    if not text:
        raise IngestError(f"{name}: no text found (a scanned PDF without a text layer?)")
    meta = meta or {}
    found = document_dates(text)
    return DocumentFile(
        slug=str(meta.get("id") or slugify(Path(name).stem)),
        title=str(meta.get("title") or _title(text, name)),
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_name=Path(name).name,
        issuer=meta.get("issuer"),
        doc_number=meta.get("doc_number"),
        issued_on=_date(meta.get("issued_on"), name, "issued_on") or found.issued_on,
        valid_from=_date(meta.get("valid_from"), name, "valid_from") or found.valid_from,
        valid_until=_date(meta.get("valid_until"), name, "valid_until") or found.valid_until,
        url=meta.get("url"),
    )


def _title(text: str, name: str) -> str:
    """The first Markdown heading, else a short first line, else the file name."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:40]:
        if line.startswith("#"):
            return line.lstrip("#").strip()[:300]
    first = lines[0] if lines else ""
    return first if 0 < len(first) <= 60 else Path(name).stem


def read_meta(path: Path) -> dict[str, Any]:
    """The ``<stem>.meta.yaml`` beside a document, if there is one."""
    meta_path = path.with_name(path.stem + META_SUFFIX)
    if not meta_path.exists():
        return {}
    try:
        data = yaml.safe_load(meta_path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{meta_path.name}: invalid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise IngestError(f"{meta_path.name}: metadata must be a mapping")
    return data


def _faq_rows(name: str, suffix: str, data: bytes) -> list[dict[str, Any]]:
    if suffix in {".yaml", ".yml"}:
        try:
            loaded = yaml.safe_load(_decode(name, data))
        except yaml.YAMLError as exc:
            raise IngestError(f"{name}: invalid YAML ({exc})") from exc
        rows = loaded.get("entries") if isinstance(loaded, dict) else loaded
        if not isinstance(rows, list):
            raise IngestError(f"{name}: expected a list of FAQ entries under 'entries'")
        return rows
    if suffix == ".csv":
        return list(csv.DictReader(io.StringIO(_decode(name, data))))
    if suffix == ".xlsx":
        check_archive(name, data)
        try:
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(data), read_only=True).active
            values = list(sheet.iter_rows(values_only=True))
        except MemoryError:
            raise
        except Exception as exc:
            raise IngestError(
                f"{name}: cannot read this .xlsx file ({type(exc).__name__})"
            ) from exc
        if not values:
            return []
        header = [str(h or "").strip() for h in values[0]]
        return [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]
    raise IngestError(f"{name}: unsupported FAQ file type {suffix!r}")


def _listify(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[|\n;]", str(value)) if part.strip()]


def read_faq(name: str, data: bytes) -> list[FaqRecord]:
    """FAQ entries from YAML (``entries:``), CSV or XLSX (columns: id, question, answer,
    paraphrases separated by '|', document, quote, tags)."""
    suffix = Path(name).suffix.lower()
    _check_size(name, data)
    records: list[FaqRecord] = []
    for number, row in enumerate(_faq_rows(name, suffix, data), start=1):
        if not isinstance(row, dict):
            raise IngestError(f"{name}: entry {number} is not a mapping")
        question = str(row.get("question") or "").strip()
        answer = str(row.get("answer") or "").strip()
        if not question or not answer:
            raise IngestError(f"{name}: entry {number} needs both 'question' and 'answer'")
        records.append(
            FaqRecord(
                slug=str(row.get("id") or slugify(question)),
                question=question,
                answer=answer,
                paraphrases=_listify(row.get("paraphrases")),
                document_slug=str(row["document"]) if row.get("document") else None,
                quote=str(row["quote"]).strip() if row.get("quote") else None,
                tags=_listify(row.get("tags")),
            )
        )
    if not records:
        raise IngestError(f"{name}: no FAQ entries found")
    return records
