"""Tests for bot.rules.repository: every rule of every province, name lookups, failures."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.stores.db import create_engine_for, reset_engine
from bot.rules.loader import DEFAULT_RULES_FILE
from bot.rules.models import ProvinceRule
from bot.core.provinces_text import provinces_in_set
from bot.rules.repository import ProvinceInfo, RuleInfo, RulesRepository, RulesUnavailable

APP_SECTION = "Upload documents with the Alibaba Cloud application and verify the website owner."
FORM_SECTION = "Considerations for completing the authenticity verification form"

# Written from the FAQ independently of data/provinces.yml:
# (app_upload, individual_signing, organization_signing, multi_domain)
AVAILABLE, TBD = "available", "to_be_determined"
SIGN, FINGERPRINT, DECLARATION = "sign", "sign_with_fingerprint", "sign_with_declaration"
SEAL = "official_seal"
SINGLE, WIDENED, ATTACH = "single_form", "widened_form", "attach_list"
EXPECTED = {
    "anhui": (AVAILABLE, SIGN, SEAL, ATTACH),
    "beijing": (TBD, SIGN, SEAL, ATTACH),
    "chongqing": (AVAILABLE, SIGN, SEAL, SINGLE),
    "fujian": (AVAILABLE, SIGN, SEAL, ATTACH),
    "gansu": (TBD, SIGN, SEAL, WIDENED),
    "guangdong": (AVAILABLE, DECLARATION, SEAL, ATTACH),
    "guangxi": (TBD, SIGN, SEAL, ATTACH),
    "guizhou": (TBD, SIGN, SEAL, ATTACH),
    "hainan": (TBD, SIGN, SEAL, SINGLE),
    "hebei": (TBD, SIGN, SEAL, ATTACH),
    "heilongjiang": (TBD, SIGN, SEAL, SINGLE),
    "henan": (TBD, SIGN, SEAL, ATTACH),
    "hubei": (TBD, SIGN, SEAL, ATTACH),
    "hunan": (TBD, SIGN, SEAL, WIDENED),
    "inner_mongolia": (TBD, SIGN, SEAL, SINGLE),
    "jiangsu": (TBD, SIGN, SEAL, ATTACH),
    "jiangxi": (TBD, FINGERPRINT, SEAL, WIDENED),
    "jilin": (TBD, SIGN, SEAL, ATTACH),
    "liaoning": (AVAILABLE, SIGN, SEAL, ATTACH),
    "ningxia": (TBD, SIGN, SEAL, ATTACH),
    "qinghai": (TBD, SIGN, SEAL, ATTACH),
    "shaanxi": (TBD, SIGN, SEAL, ATTACH),
    "shandong": (TBD, SIGN, SEAL, ATTACH),
    "shanghai": (TBD, SIGN, SEAL, ATTACH),
    "shanxi": (TBD, SIGN, SEAL, ATTACH),
    "sichuan": (TBD, SIGN, SEAL, SINGLE),
    "tianjin": (TBD, SIGN, SEAL, ATTACH),
    "tibet": (TBD, SIGN, SEAL, ATTACH),
    "xinjiang": (TBD, FINGERPRINT, SEAL, SINGLE),
    "yunnan": (TBD, SIGN, SEAL, ATTACH),
    "zhejiang": (TBD, SIGN, SEAL, ATTACH),
}
TOPICS = ("app_upload", "individual_signing", "organization_signing", "multi_domain")
SOURCES = {
    "app_upload": APP_SECTION,
    "individual_signing": FORM_SECTION,
    "organization_signing": FORM_SECTION,
    "multi_domain": FORM_SECTION,
}


def test_expected_table_covers_the_31_provinces() -> None:
    assert len(EXPECTED) == 31


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_rule_of_every_province(repo: RulesRepository, key: str) -> None:
    province = repo.province(key)

    assert province is not None
    assert set(province.rules) == set(TOPICS)
    for topic, value in zip(TOPICS, EXPECTED[key]):
        assert province.rules[topic] == RuleInfo(topic, value, SOURCES[topic])


def test_provinces_are_all_listed_in_key_order(repo: RulesRepository) -> None:
    assert [p.key for p in repo.provinces()] == sorted(EXPECTED)


@pytest.mark.parametrize("topic_index", range(len(TOPICS)), ids=TOPICS)
def test_province_sets_match_the_table(repo: RulesRepository, topic_index: int) -> None:
    topic = TOPICS[topic_index]
    for value in {row[topic_index] for row in EXPECTED.values()}:
        expected = sorted(k for k, row in EXPECTED.items() if row[topic_index] == value)
        assert [p.key for p in provinces_in_set(repo.provinces(), topic, value)] == expected


def test_app_upload_is_available_in_the_faq_provinces(repo: RulesRepository) -> None:
    keys = [p.key for p in provinces_in_set(repo.provinces(), "app_upload", "available")]
    assert keys == ["anhui", "chongqing", "fujian", "guangdong", "liaoning"]


def test_unknowns_give_none_or_empty(repo: RulesRepository) -> None:
    assert repo.province("hong_kong") is None
    assert repo.province("Guangdong") is None  # keys are canonical; names go to find_province
    assert "fax_upload" not in repo.province("guangdong").rules
    assert provinces_in_set(repo.provinces(), "app_upload", "maybe") == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("guangdong", "guangdong"),
        ("Guangdong", "guangdong"),
        ("  GUANGDONG ", "guangdong"),
        ("广东", "guangdong"),
        ("广东省", "guangdong"),
        ("粤", "guangdong"),
        ("Canton", "guangdong"),
        ("Peking", "beijing"),
        ("京", "beijing"),
        ("Tibet", "tibet"),
        ("Xizang", "tibet"),
        ("xizang autonomous region", "tibet"),
        ("西藏", "tibet"),
        ("西藏自治区", "tibet"),
        ("藏", "tibet"),
        ("Inner Mongolia", "inner_mongolia"),
        ("inner_mongolia", "inner_mongolia"),
        ("Nei Mongol", "inner_mongolia"),
        ("NeiMongol", "inner_mongolia"),
        ("Inner Mongolia Autonomous Region", "inner_mongolia"),
        ("内蒙古", "inner_mongolia"),
        ("内蒙古自治区", "inner_mongolia"),
        ("蒙", "inner_mongolia"),
        ("Shanxi", "shanxi"),
        ("山西", "shanxi"),
        ("晋", "shanxi"),
        ("Shaanxi", "shaanxi"),
        ("陕西", "shaanxi"),
        ("陕", "shaanxi"),
        ("秦", "shaanxi"),
        ("蜀", "sichuan"),
        ("川", "sichuan"),
        ("黔", "guizhou"),
        ("滇", "yunnan"),
        ("陇", "gansu"),
        ("Xinjiang Uyghur Autonomous Region", "xinjiang"),
        ("新疆维吾尔自治区", "xinjiang"),
        ("广西壮族自治区", "guangxi"),
        ("宁夏回族自治区", "ningxia"),
        ("重庆市", "chongqing"),
        ("ｇｕａｎｇｄｏｎｇ", "guangdong"),
    ],
)
def test_find_province_by_any_name(repo: RulesRepository, name: str, key: str) -> None:
    province = repo.find_province(name)
    assert province is not None and province.key == key


@pytest.mark.parametrize("name", ["Hong Kong", "香港", "Taiwan", "Shan", "", "   ", "%", "_"])
def test_find_province_unknown(repo: RulesRepository, name: str) -> None:
    assert repo.find_province(name) is None


def test_shanxi_and_shaanxi_are_distinct(repo: RulesRepository) -> None:
    shanxi, shaanxi = repo.find_province("Shanxi"), repo.find_province("Shaanxi")
    assert (shanxi.key, shanxi.name_zh) == ("shanxi", "山西")
    assert (shaanxi.key, shaanxi.name_zh) == ("shaanxi", "陕西")
    assert not set(shanxi.aliases) & set(shaanxi.aliases)


def test_province_info_is_complete_and_immutable(repo: RulesRepository) -> None:
    province = repo.province("tibet")

    assert province == ProvinceInfo(
        key="tibet",
        name_en="Tibet",
        name_zh="西藏",
        pinyin="Xizang",
        kind="autonomous_region",
        aliases=province.aliases,
        rules=province.rules,
    )
    assert {"西藏自治区", "藏"} <= set(province.aliases)
    with pytest.raises(dataclasses.FrozenInstanceError):
        province.key = "xizang"
    with pytest.raises(TypeError):
        province.rules["app_upload"] = RuleInfo("app_upload", "available", APP_SECTION)


@pytest.mark.parametrize(
    ("key", "kind"),
    [("beijing", "municipality"), ("chongqing", "municipality"), ("guangxi", "autonomous_region"),
     ("ningxia", "autonomous_region"), ("hainan", "province")],
)
def test_kinds(repo: RulesRepository, key: str, kind: str) -> None:
    assert repo.province(key).kind == kind


def test_valid_as_of_is_the_shipped_date(repo: RulesRepository) -> None:
    shipped = yaml.safe_load(Path(DEFAULT_RULES_FILE).read_text(encoding="utf-8"))["valid_as_of"]
    assert isinstance(shipped, datetime.date)
    assert repo.valid_as_of() == shipped


def test_ping_succeeds_on_a_loaded_database(repo: RulesRepository) -> None:
    repo.ping()


def test_default_engine_follows_rules_db_url(monkeypatch, loaded_engine) -> None:
    monkeypatch.setenv("RULES_DB_URL", str(loaded_engine.url))
    reset_engine()
    try:
        assert RulesRepository().find_province("粤").key == "guangdong"
    finally:
        reset_engine()


def test_provinces_cache_until_cleared(loaded_engine) -> None:
    cached = RulesRepository(loaded_engine, cache_ttl=60)
    uncached = RulesRepository(loaded_engine, cache_ttl=0)
    assert cached.provinces() == uncached.provinces()

    with Session(loaded_engine) as session, session.begin():
        session.execute(
            update(ProvinceRule)
            .where(ProvinceRule.topic == "app_upload")
            .values(value="available")
        )

    assert any(p.rules["app_upload"].value == "to_be_determined" for p in cached.provinces())
    assert all(p.rules["app_upload"].value == "available" for p in uncached.provinces())
    cached.clear_cache()
    assert all(p.rules["app_upload"].value == "available" for p in cached.provinces())


# Databases that cannot be queried, as URL templates over the test's tmp_path.
UNREACHABLE_URLS = {
    "missing directory": "sqlite:///{tmp}/no/such/dir.db",
    "read-only missing file": "sqlite:///file:{tmp}/missing.db?mode=ro&uri=true",
    "no schema": "sqlite:///{tmp}/empty.db",
}


@pytest.mark.parametrize("url", UNREACHABLE_URLS.values(), ids=UNREACHABLE_URLS.keys())
@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.ping(),
        lambda r: r.province("guangdong"),
        lambda r: r.provinces(),
        lambda r: r.find_province("广东"),
        lambda r: r.valid_as_of(),
    ],
    ids=["ping", "province", "provinces", "find_province", "valid_as_of"],
)
def test_unreachable_database_raises_rules_unavailable(tmp_path: Path, url: str, call) -> None:
    engine = create_engine_for(url.format(tmp=tmp_path))
    try:
        with pytest.raises(RulesUnavailable, match="rules database unavailable") as raised:
            call(RulesRepository(engine))
    finally:
        engine.dispose()

    assert isinstance(raised.value, RuntimeError)
    assert isinstance(raised.value.__cause__, DBAPIError)


def test_database_lost_after_loading(loaded_engine, tmp_path: Path) -> None:
    repo = RulesRepository(loaded_engine, cache_ttl=0)
    repo.ping()
    loaded_engine.dispose()
    (tmp_path / "rules.db").unlink()
    (tmp_path / "rules.db").mkdir()  # a directory where the database file was: cannot be opened

    with pytest.raises(RulesUnavailable):
        repo.provinces()
