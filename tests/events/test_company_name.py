"""Company names: one rule for the API, the web form and the bot (issue 17, item 8: "焦"
was accepted as a company name)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from events.errors import InvalidCompanyName
from events.schemas import CompanyIn, CompanyPatch
from events.validators import normalise_company_name

CODE = "91440300708461136T"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("焦作市某某科技有限公司", "焦作市某某科技有限公司"),
        ("  焦作  宏达   机械厂 ", "焦作 宏达 机械厂"),
        ("焦作", "焦作"),  # two characters: short, but a name
        ("3M中国有限公司", "3M中国有限公司"),
        ("ABC Ltd.", "ABC Ltd."),
    ],
)
def test_plausible_names_are_kept_trimmed(typed: str, kept: str) -> None:
    assert normalise_company_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("焦", "errors.input.company_name"),
        ("  焦  ", "errors.input.company_name"),
        ("", "errors.input.company_name"),
        ("字" * 201, "errors.input.company_name"),
        ("123456", "errors.input.company_name_letters"),
        ("——……", "errors.input.company_name_letters"),
        ("12-34。", "errors.input.company_name_letters"),
    ],
)
def test_implausible_names_are_refused_in_the_users_language(typed: str, key: str) -> None:
    with pytest.raises(InvalidCompanyName) as caught:
        normalise_company_name(typed)
    assert caught.value.key == key
    zh, en = caught.value.explain("zh"), caught.value.explain("en")
    assert zh.startswith("企业名称：") and "company_name" not in zh
    assert en.startswith("Company name")


def test_the_shared_input_models_apply_the_rule() -> None:
    with pytest.raises(ValidationError, match="2-200"):
        CompanyIn(name="焦", credit_code=CODE)
    with pytest.raises(ValidationError, match="2-200"):
        CompanyPatch(name="焦")
    assert CompanyIn(name=" 焦作  科技 ", credit_code=CODE).name == "焦作 科技"
    assert CompanyPatch().name is None
