"""Province lists for answers (bot/core/provinces_text.py)."""
from __future__ import annotations

import pytest

from bot.core.provinces_text import (
    PROVINCE_SETS,
    join_names,
    province_list_values,
    template_variables,
)
from tests.actions.province_matrix import (
    APP_UPLOAD, DECLARATION, FINGERPRINT, ONE_FORM, WIDENED_FORM,
)


@pytest.mark.parametrize(
    ("names", "language", "expected"),
    [
        ([], "en", ""),
        (["Hainan"], "en", "Hainan"),
        (["Jiangxi", "Xinjiang"], "en", "Jiangxi and Xinjiang"),
        (["Jiangxi", "Gansu", "Hunan"], "en", "Jiangxi, Gansu and Hunan"),
        (["江西", "新疆"], "zh", "江西和新疆"),
        (["江西", "甘肃", "湖南"], "zh", "江西、甘肃和湖南"),
    ],
)
def test_join_names(names, language, expected):
    assert join_names(names, language) == expected


def test_join_names_refuses_unknown_languages():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        join_names(["Hainan"], "fr")


def test_values_name_the_databases_provinces_in_both_languages(rules_repo):
    provinces = rules_repo.provinces()
    values = province_list_values(provinces)
    assert sorted(values) == sorted(template_variables())
    by_en = {p.name_en: p.key for p in provinces}
    by_zh = {p.name_zh: p.key for p in provinces}
    expected = {
        "app_provinces": APP_UPLOAD,
        "fingerprint_provinces": FINGERPRINT,
        "declaration_provinces": DECLARATION,
        "single_form_provinces": ONE_FORM,
        "widened_form_provinces": WIDENED_FORM,
    }
    assert set(expected) == set(PROVINCE_SETS)
    for name, keys in expected.items():
        en = values[f"{name}_en"].replace(" and ", ", ").split(", ")
        zh = values[f"{name}_zh"].replace("和", "、").split("、")
        assert {by_en[n] for n in en} == keys, name
        assert {by_zh[n] for n in zh} == keys, name
