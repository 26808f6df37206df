"""Knowledge packs: an office's starting documents, FAQ and subsidy rules, as files.

A pack is a folder with ``documents/`` (policy texts, each with an optional
``<stem>.meta.yaml``), ``faq.yaml``, ``rules.yaml`` and ``lexicon.yaml`` (the office's own
everyday words for the search), all optional. ``POLICYDESK_PACK``
chooses it: the name of a bundled pack (``jiaozuo-2014``, the default: the demo office),
``none`` (start empty: officers upload their own documents), or the path of a folder.

The rules file only seeds the rules table (``benefits.seed``); matching and the search
index read the table, which officers maintain."""

from __future__ import annotations

from pathlib import Path

from core.errors import InvalidInput

PACK_DIR = Path(__file__).parent / "pack"
BUNDLED = {"jiaozuo-2014": PACK_DIR}
DEFAULT_PACK = "jiaozuo-2014"
NO_PACK = "none"


def resolve_pack(name: str = DEFAULT_PACK) -> Path | None:
    """The folder of a pack setting; None for ``none``. An unknown name or a missing
    folder is refused with a message that says what is accepted."""
    value = (name or DEFAULT_PACK).strip()
    if value.lower() == NO_PACK:
        return None
    if value in BUNDLED:
        return BUNDLED[value]
    folder = Path(value).expanduser()
    if folder.is_dir():
        return folder
    choices = ", ".join([*BUNDLED, NO_PACK])
    raise InvalidInput(
        f"POLICYDESK_PACK={value!r} is neither a bundled pack ({choices}) nor a folder",
        field="pack",
    )


def pack_files(folder: Path | None = PACK_DIR) -> list[Path]:
    """Documents first, then the FAQ, in a stable order ([] for no pack)."""
    if folder is None:
        return []
    documents = sorted(
        p
        for p in (folder / "documents").glob("*")
        if p.is_file() and not p.name.endswith(".meta.yaml")
    )
    faq = folder / "faq.yaml"
    return [*documents, *([faq] if faq.exists() else [])]


def pack_rules_file(folder: Path | None = PACK_DIR) -> Path | None:
    return folder / "rules.yaml" if folder is not None else None


def pack_lexicon_file(folder: Path | None) -> Path | None:
    """The office's own everyday words (``lexicon.yaml``, the format of the bundled
    ``knowledge/lexicon/synonyms.yaml``), if its pack has one."""
    return folder / "lexicon.yaml" if folder is not None else None
