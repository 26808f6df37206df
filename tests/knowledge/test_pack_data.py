"""Keeps the bundled knowledge pack honest.

Every FAQ answer and every rule must rest on a verbatim clause of the policy text,
and no answer may state a number the policy text does not contain.
"""

import re
from pathlib import Path

import yaml

PACK = Path(__file__).resolve().parents[2] / "knowledge" / "pack"
DOCS = PACK / "documents"
PLAN_ID = "jiaozuo-ip-pilot-city-plan-2014"
PLAN_TEXT = (DOCS / f"{PLAN_ID}.txt").read_text(encoding="utf-8")

FAQ = yaml.safe_load((PACK / "faq.yaml").read_text(encoding="utf-8"))["entries"]
RULES = yaml.safe_load((PACK / "rules.yaml").read_text(encoding="utf-8"))["rules"]

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
# an amount of money: digits or Chinese numerals followed by 元 / 万元
MONEY_RE = re.compile(r"[\d零一二三四五六七八九十百千万亿两]\s*万?元")
MAX_QUOTE_CHARS = 300

# profile facts a rule may test, with the type of value each holds
FACT_TYPES = {
    "above_designated_size": bool,
    "patent_applications": int,
    "invention_patents": int,
    "granted_patents": int,
    "software_copyrights": int,
    "famous_trademark": bool,
    "gbt29490_certified": bool,
    "demonstration_level": str,
    "pilot_unit": bool,
    "industry": str,
    "county": str,
    "has_financing_need": bool,
    "high_tech": bool,
    "has_service_inventions": bool,
}
OPERATORS = {"equals", "at_least", "in"}
DEMONSTRATION_LEVELS = {"national", "provincial", "city", None}


def _documents():
    docs = {}
    for meta_path in DOCS.glob("*.meta.yaml"):
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        text_path = DOCS / (meta_path.name[: -len(".meta.yaml")] + ".txt")
        docs[meta["id"]] = text_path.read_text(encoding="utf-8")
    return docs


DOCUMENTS = _documents()


def _conditions(rule):
    return list(rule.get("conditions") or []) + list(rule.get("any_of") or [])


def test_plan_metadata_matches_its_file():
    meta = yaml.safe_load((DOCS / f"{PLAN_ID}.meta.yaml").read_text(encoding="utf-8"))
    assert meta["id"] == PLAN_ID
    assert meta["title"] and meta["title"] in {"焦作市国家知识产权试点城市建设实施方案"}
    assert "2014年1月22日" in PLAN_TEXT
    assert str(meta["issued_on"]) == "2014-01-22"
    assert meta["valid_until"] is None
    assert PLAN_ID in DOCUMENTS


def test_faq_entries_are_complete():
    assert len(FAQ) >= 60
    for entry in FAQ:
        for field in ("id", "question", "answer", "document", "quote"):
            assert isinstance(entry.get(field), str) and entry[field].strip(), (
                entry.get("id"),
                field,
            )
        paraphrases = entry.get("paraphrases") or []
        assert len(paraphrases) >= 3, entry["id"]
        assert all(isinstance(p, str) and p.strip() for p in paraphrases), entry["id"]
        assert isinstance(entry.get("tags"), list) and entry["tags"], entry["id"]


def test_rules_are_complete():
    assert 12 <= len(RULES) <= 18
    for rule in RULES:
        for field in ("id", "title", "benefit", "next_step", "document", "quote"):
            assert isinstance(rule.get(field), str) and rule[field].strip(), (rule.get("id"), field)
        assert _conditions(rule), f"{rule['id']} has no condition at all"


def test_ids_are_unique_kebab_case_ascii():
    for items in (FAQ, RULES):
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
        for item_id in ids:
            assert ID_RE.match(item_id), item_id


def test_every_quote_is_verbatim_in_its_document():
    for item in FAQ + RULES:
        assert item["document"] in DOCUMENTS, (item["id"], item["document"])
        quote = item["quote"]
        assert quote in DOCUMENTS[item["document"]], (item["id"], quote)
        assert len(quote) <= MAX_QUOTE_CHARS, (item["id"], len(quote))


def test_no_question_or_paraphrase_is_shared_between_faq_entries():
    seen = {}
    for entry in FAQ:
        for text in [entry["question"], *entry["paraphrases"]]:
            key = re.sub(r"[\s??!!。,,、]", "", text).lower()
            assert key not in seen or seen[key] == entry["id"], (text, seen.get(key), entry["id"])
            seen[key] = entry["id"]


def test_rule_conditions_use_known_facts_and_one_operator():
    for rule in RULES:
        for cond in _conditions(rule):
            fact = cond.get("fact")
            assert fact in FACT_TYPES, (rule["id"], fact)
            ops = OPERATORS & set(cond)
            assert len(ops) == 1, (rule["id"], cond)
            assert set(cond) == {"fact"} | ops, (rule["id"], cond)
            op = ops.pop()
            values = cond[op] if op == "in" else [cond[op]]
            if op == "in":
                assert isinstance(values, list) and values, (rule["id"], cond)
            if op == "at_least":
                assert FACT_TYPES[fact] is int, (rule["id"], cond)
            for value in values:
                if fact == "demonstration_level":
                    assert value in DEMONSTRATION_LEVELS, (rule["id"], value)
                    continue
                assert type(value) is FACT_TYPES[fact], (rule["id"], cond)


def test_answers_state_no_number_the_plan_does_not():
    plan_numbers = set(NUMBER_RE.findall(PLAN_TEXT))
    texts = [(e["id"], e["answer"]) for e in FAQ]
    texts += [(r["id"], r["benefit"]) for r in RULES]
    texts += [(r["id"], r["next_step"]) for r in RULES]
    for item_id, text in texts:
        for number in NUMBER_RE.findall(text):
            assert number in plan_numbers, (item_id, number)
        for money in MONEY_RE.findall(text):
            assert money in PLAN_TEXT, (item_id, money)
