"""IcpEntityExtractor: provinces, applicant types and residencies with canonical values."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
import yaml

from bot.nlu.entities import IcpEntityExtractor, build_patterns, osa_distance
from tests.bot.nlu.components import LEXICON_PATH, PROVINCES_PATH, Built, build, messages

Extract = Callable[..., List[Dict[str, Any]]]

PROVINCES = yaml.safe_load(PROVINCES_PATH.read_text(encoding="utf-8"))["provinces"]


def _province_phrases() -> List[Tuple[str, str]]:
    phrases = []
    for province in PROVINCES:
        names = [province["name_en"], province["name_zh"], province["pinyin"]]
        for phrase in dict.fromkeys([*names, *province["aliases"]]):
            phrases.append((province["key"], phrase))
    return phrases


PROVINCE_PHRASES = _province_phrases()
SHORT_FORMS = [(key, phrase) for key, phrase in PROVINCE_PHRASES if len(phrase) == 1]
LONG_PHRASES = [(key, phrase) for key, phrase in PROVINCE_PHRASES if len(phrase) > 1]


def _is_chinese(phrase: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in phrase)


def values(found: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    return [(e["entity"], e["value"]) for e in found]


def spans(text: str, found: List[Dict[str, Any]]) -> List[str]:
    return [text[e["start"] : e["end"]] for e in found]


def test_data_has_31_provinces() -> None:
    assert len(PROVINCES) == 31


@pytest.mark.parametrize("key, phrase", LONG_PHRASES, ids=[p for _, p in LONG_PHRASES])
def test_every_province_name_and_alias(extract: Extract, key: str, phrase: str) -> None:
    sentence = f"我在{phrase}" if _is_chinese(phrase) else f"I'm in {phrase}."
    for text, surface in ((phrase, phrase), (phrase.lower(), phrase.lower()), (sentence, phrase)):
        found = extract(text)
        assert values(found) == [("province", key)], text
        assert spans(text, found) == [surface]
        assert found[0]["confidence_entity"] == 1.0
        assert found[0]["extractor"] == "IcpEntityExtractor"


@pytest.mark.parametrize("key, char", SHORT_FORMS, ids=[p for _, p in SHORT_FORMS])
def test_one_character_short_forms_in_context(extract: Extract, key: str, char: str) -> None:
    for text in (
        char,
        f"{char}。",
        f" {char}省 ",
        f"{char}地区",
        f"{char}ICP备12345678号",
        f"我们是{char}icp备",
        f"{char}备2021000001号-1",
    ):
        assert values(extract(text)) == [("province", key)], text


@pytest.mark.parametrize("key, char", SHORT_FORMS, ids=[p for _, p in SHORT_FORMS])
def test_one_character_short_forms_alone_in_a_sentence_are_ignored(
    extract: Extract, key: str, char: str
) -> None:
    for text in (f"这个{char}字是什么意思", f"{char}备案", f"{char}备份", f"我用{char}ICP"):
        assert extract(text, "province") == [], text


@pytest.mark.parametrize(
    "text",
    ["阿里云备案资料上传都需要哪些材料", "阿里云ICP备案怎么做", "阿里云ICP怎么做", "阿里云备份"],
)
def test_alibaba_cloud_is_not_yunnan(extract: Extract, text: str) -> None:
    assert extract(text) == []


@pytest.mark.parametrize(
    "text, key, city",
    [
        ("我在深圳", "guangdong", "深圳"),
        ("I'm in Shenzhen", "guangdong", "Shenzhen"),
        ("renting an apartment in Hefei", "anhui", "Hefei"),
        ("Yinchuan", "ningxia", "Yinchuan"),
        ("Zhenjiang", "jiangsu", "Zhenjiang"),
        ("Huizhou", "guangdong", "Huizhou"),
        ("xi'an", "shaanxi", "xi'an"),
        ("乌鲁木齐", "xinjiang", "乌鲁木齐"),
    ],
)
def test_cities_stand_for_their_province(
    extract: Extract, text: str, key: str, city: str
) -> None:
    found = extract(text)
    assert values(found) == [("province", key)]
    assert spans(text, found) == [city]
    assert found[0]["confidence_entity"] == 1.0


@pytest.mark.parametrize(
    "text, key, typo",
    [
        ("guangdon", "guangdong", "guangdon"),
        ("I'm in sichaun province", "sichuan", "sichaun"),
        ("zhejaing", "zhejiang", "zhejaing"),
        ("we are in heilongjang", "heilongjiang", "heilongjang"),
        ("Inner Mongloia", "inner_mongolia", "Inner Mongloia"),
        ("from xinjian", "xinjiang", "xinjian"),
        ("innermongloia", "inner_mongolia", "innermongloia"),
        ("Guang Dong", "guangdong", "Guang Dong"),
        ("hei long jiang", "heilongjiang", "hei long jiang"),
        ("Chongquing", "chongqing", "Chongquing"),
    ],
)
def test_typos_of_province_names(extract: Extract, text: str, key: str, typo: str) -> None:
    found = extract(text)
    assert values(found) == [("province", key)]
    assert spans(text, found) == [typo]
    assert 0.5 < found[0]["confidence_entity"] < 1.0


@pytest.mark.parametrize(
    "text, key",
    [
        ("Shanxi", "shanxi"),
        ("shanxi province", "shanxi"),
        ("山西", "shanxi"),
        ("晋", "shanxi"),
        ("Shaanxi", "shaanxi"),
        ("I'm in shaanxi", "shaanxi"),
        ("陕西省", "shaanxi"),
        ("陕", "shaanxi"),
        ("秦ICP备", "shaanxi"),
    ],
)
def test_shanxi_and_shaanxi_never_cross(extract: Extract, text: str, key: str) -> None:
    assert values(extract(text)) == [("province", key)]


@pytest.mark.parametrize("typo", ["shannxi", "shaenxi", "shhanxi", "Shannxi"])
def test_typos_equally_close_to_shanxi_and_shaanxi_stay_unresolved(
    extract: Extract, typo: str
) -> None:
    assert osa_distance(typo.lower(), "shanxi") == osa_distance(typo.lower(), "shaanxi")
    assert extract(f"I'm in {typo}") == []


@pytest.mark.parametrize(
    "text, key",
    [
        ("Tibet", "tibet"),
        ("Xizang", "tibet"),
        ("西藏", "tibet"),
        ("Tibet Autonomous Region", "tibet"),
        ("西藏自治区", "tibet"),
        ("Inner Mongolia", "inner_mongolia"),
        ("Nei Mongol", "inner_mongolia"),
        ("内蒙古", "inner_mongolia"),
        ("内蒙古自治区", "inner_mongolia"),
        ("Inner Mongolia Autonomous Region", "inner_mongolia"),
        ("Guangxi Zhuang Autonomous Region", "guangxi"),
        ("新疆维吾尔自治区", "xinjiang"),
    ],
)
def test_longest_match_gives_one_entity(extract: Extract, text: str, key: str) -> None:
    found = extract(text)
    assert values(found) == [("province", key)]
    assert spans(text, found) == [text]


@pytest.mark.parametrize(
    "text, value, surface",
    [
        ("I'm German", "foreign", "German"),
        ("we are from Germany", "foreign", "Germany"),
        ("US citizen", "foreign", "US citizen"),
        ("I'm from the U.S.", "foreign", "U.S."),
        ("I am American", "foreign", "American"),
        ("the owner is a foreign national", "foreign", "foreign national"),
        ("foreigner", "foreign", "foreigner"),
        ("passport holder", "foreign", "passport holder"),
        ("I'm Japanese", "foreign", "Japanese"),
        ("Singaporean", "foreign", "Singaporean"),
        ("外籍", "foreign", "外籍"),
        ("我是外国人", "foreign", "外国人"),
        ("我是德国人", "foreign", "德国人"),
        ("美国人", "foreign", "美国人"),
        ("外国公民", "foreign", "外国公民"),
        ("from Hong Kong", "hong_kong", "Hong Kong"),
        ("I'm a Hongkonger", "hong_kong", "Hongkonger"),
        ("HK", "hong_kong", "HK"),
        ("我是香港居民", "hong_kong", "香港居民"),
        ("港人", "hong_kong", "港人"),
        ("Macau", "macao", "Macau"),
        ("I live in Macao", "macao", "Macao"),
        ("澳门", "macao", "澳门"),
        ("Taiwanese", "taiwan", "Taiwanese"),
        ("台湾同胞", "taiwan", "台湾同胞"),
        ("台胞", "taiwan", "台胞"),
        ("mainland Chinese", "mainland", "mainland Chinese"),
        ("I'm a Chinese citizen", "mainland", "Chinese citizen"),
        ("大陆居民", "mainland", "大陆居民"),
        ("我是中国公民", "mainland", "中国公民"),
        ("内地", "mainland", "内地"),
    ],
)
def test_residency(extract: Extract, text: str, value: str, surface: str) -> None:
    found = extract(text)
    assert values(found) == [("residency", value)]
    assert spans(text, found) == [surface]


def test_hong_kong_is_never_a_province(extract: Extract) -> None:
    for text in ("Hong Kong", "hongkong", "香港", "香港特别行政区"):
        assert extract(text, "province") == []
        assert values(extract(text)) == [("residency", "hong_kong")]


@pytest.mark.parametrize(
    "text, value",
    [
        ("individual", "individual"),
        ("I'm an individual", "individual"),
        ("it's a personal website", "individual"),
        ("personal filing", "individual"),
        ("just me", "individual"),
        ("个人", "individual"),
        ("我是个人备案", "individual"),
        ("company", "organization"),
        ("we are a company", "organization"),
        ("our organisation", "organization"),
        ("organization", "organization"),
        ("an enterprise", "organization"),
        ("a small business", "organization"),
        ("corporate site", "organization"),
        ("企业", "organization"),
        ("我们是公司", "organization"),
        ("单位", "organization"),
        ("组织", "organization"),
        ("机构", "organization"),
    ],
)
def test_applicant_type(extract: Extract, text: str, value: str) -> None:
    assert values(extract(text)) == [("applicant_type", value)]


@pytest.mark.parametrize(
    "text",
    [
        "how do I upload my business license",
        "business licence photo",
        "upload the personal ID card",
        "personal ID",
        "company certificate",
        "a name change certificate",
        "the company name change certificate",
        "上传营业执照",
        "个人身份证",
        "公司营业执照",
        "每个人都要上传吗",
        "主体负责人和网站负责人不是同一个人 两个人的身份证都要传吗",
        "证件要传哪几个人的",
        "不想跟机器人聊 找个人",
    ],
)
def test_document_names_are_not_applicant_types(extract: Extract, text: str) -> None:
    assert extract(text, "applicant_type") == []


@pytest.mark.parametrize(
    "text",
    [
        "the owner is not a Chinese national",
        "owner is not chinese national",
        "not a Chinese citizen",
        "what if I'm a non-Chinese national",
        "the owner isn’t a Chinese citizen",
        "网站负责人非中国籍",
        "不是中国公民怎么办",
        "非大陆居民的证件",
        "香港人没有大陆身份证怎么备案",
        "港澳居民来往内地通行证",
    ],
)
def test_negated_nationality_is_not_mainland(extract: Extract, text: str) -> None:
    assert all(e["value"] != "mainland" for e in extract(text, "residency"))


@pytest.mark.parametrize(
    "text, kept",
    [
        ("we are not a company, just me", [("applicant_type", "individual")]),
        ("I'm not German, I'm French", [("residency", "foreign")]),
        ("not in Guangdong but in Hunan", [("province", "hunan")]),
        ("sorry i meant shaanxi not shanxi", [("province", "shaanxi")]),
        ("其实是公司备案 不是个人", [("applicant_type", "organization")]),
        ("我们不是企业", []),
        ("是不是企业才要盖章", [("applicant_type", "organization")]),
        ("Why can I not upload in Guangdong", [("province", "guangdong")]),
        ("I cannot find Hunan", [("province", "hunan")]),
    ],
)
def test_negated_phrases_are_dropped(
    extract: Extract, text: str, kept: List[Tuple[str, str]]
) -> None:
    assert values(extract(text)) == kept


NO_ENTITY_SENTENCES = [
    "china",
    "Chinese",
    "Can you answer in Chinese?",
    "new",
    "I need a new photo",
    "cloud",
    "I bought a cloud server",
    "What documents do I need to upload?",
    "How do I download the authenticity statement template?",
    "Is 4MB the maximum image size?",
    "my images will not upload",
    "I want to talk to a human",
    "I'm learning how to do this",
    "I am changing the photo",
    "standing in front of a white background",
    "help us please",
    "and then an error appeared",
    "here I am again",
    "can I run an app on my phone",
    "what is a domain name certificate",
    "hi there",
    "thanks, bye",
    "the order was rejected, what now",
    "how many domain names fit on one form",
    "where do I scan the QR code",
    "the upload keeps failing, then an error shows",
    "he is peeking at the screen",
    "put the documents in a carton",
    "I'm standing by",
    "云服务器",
    "我买了一台云服务器",
    "新的",
    "我要换一张新的照片",
    "黑色",
    "要用黑色墨水签字吗",
    "宁可多传一张",
    "青年",
    "吉利",
    "太贵了",
    "川流不息",
    "需要上传哪些材料",
    "真实性核验单怎么填写",
    "图片上传不了怎么办",
    "人脸核验要注意什么",
    "被驳回了怎么重新上传",
    "多个域名怎么填",
    "中国",
    "你好",
    "谢谢",
]


@pytest.mark.parametrize("text", NO_ENTITY_SENTENCES)
def test_ordinary_sentences_have_no_entities(extract: Extract, text: str) -> None:
    assert extract(text) == []


def test_several_entities_with_offsets(extract: Extract) -> None:
    text = "I'm in Guangdong, we are a company and the owner is Taiwanese"
    found = extract(text)
    assert values(found) == [
        ("province", "guangdong"),
        ("applicant_type", "organization"),
        ("residency", "taiwan"),
    ]
    assert [(e["start"], e["end"]) for e in found] == [(7, 16), (27, 34), (52, 61)]


def test_mixed_script_offsets(extract: Extract) -> None:
    text = "我在Guangdong，是个人，owner是美国人"
    found = extract(text)
    assert values(found) == [
        ("province", "guangdong"),
        ("applicant_type", "individual"),
        ("residency", "foreign"),
    ]
    assert spans(text, found) == ["Guangdong", "个人", "美国人"]


def test_patterns_do_not_cross_punctuation(extract: Extract) -> None:
    assert extract("Hong, Kong") == []


def test_existing_entities_are_kept(trained_extractor: Built) -> None:
    [message] = messages("Hunan")
    message.set("entities", [{"entity": "language", "value": "en", "start": 0, "end": 0}])
    trained_extractor.component.process([message])
    assert [e["entity"] for e in message.get("entities")] == ["language", "province"]


ROUND_TRIP_TEXTS = [
    "I'm in Guangdong",
    "inner mongloia",
    "粤ICP备12345678号",
    "我是香港居民，企业备案",
    "business license",
    "shannxi",
    "US citizen from 西藏",
]


def test_persistence_round_trip(
    trained_extractor: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = trained_extractor.load(
        provinces_path="missing/provinces.yml", lexicon_path="missing/lexicon.yml"
    )
    for text in ROUND_TRIP_TEXTS:
        [trained] = trained_extractor.component.process(messages(text))
        [reloaded] = loaded.process(messages(text))
        assert reloaded.get("entities") == trained.get("entities"), text


def test_patterns_of_another_format_version_are_refused(tmp_path: Path) -> None:
    built = build(
        IcpEntityExtractor,
        tmp_path,
        provinces_path=str(PROVINCES_PATH),
        lexicon_path=str(LEXICON_PATH),
    )
    with built.storage.write_to(built.resource) as directory:
        path = directory / "patterns.json"
        patterns = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**patterns, "version": 0}), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        built.load()


def test_untrained_extractor_adds_nothing(tmp_path: Path) -> None:
    extractor = build(IcpEntityExtractor, tmp_path, train=False).component
    [message] = extractor.process(messages("Guangdong"))
    assert message.get("entities", []) == []


def test_conflicting_meanings_are_rejected(tmp_path: Path) -> None:
    lexicon = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    lexicon["residency"]["foreign"]["en"].append("Guangdong")
    path = tmp_path / "lexicon.yml"
    path.write_text(yaml.safe_dump(lexicon, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="guangdong"):
        build_patterns(str(PROVINCES_PATH), str(path))


def test_fingerprint_follows_data_files(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_bytes(LEXICON_PATH.read_bytes())
    config = {"provinces_path": str(PROVINCES_PATH), "lexicon_path": str(lexicon)}
    before = IcpEntityExtractor.fingerprint_addon(config)
    lexicon.write_bytes(LEXICON_PATH.read_bytes() + b"\n# edited\n")
    assert IcpEntityExtractor.fingerprint_addon(config) != before


@pytest.mark.parametrize(
    "first, second, distance",
    [("sichaun", "sichuan", 1), ("guangdon", "guangdong", 1), ("abc", "abc", 0), ("ca", "abc", 3)],
)
def test_osa_distance(first: str, second: str, distance: int) -> None:
    assert osa_distance(first, second) == distance


def test_processing_time(trained_extractor: Built) -> None:
    batch = messages(*NO_ENTITY_SENTENCES, *ROUND_TRIP_TEXTS)
    # CPU time: wall-clock time on a busy 2-core machine measures the neighbours.
    start = time.process_time()
    trained_extractor.component.process(batch)
    per_message = (time.process_time() - start) / len(batch)
    assert per_message < 0.005
