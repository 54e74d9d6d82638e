"""Traditional Chinese is read as Simplified and Cantonese words as Mandarin, keeping every character's position."""
import pytest

from bot.core.script import read_as_mandarin, to_simplified


@pytest.mark.parametrize("traditional, simplified", [
    ("我是台灣人，在福建做個人備案，要按指紋嗎？", "我是台湾人，在福建做个人备案，要按指纹吗？"),
    ("備案需要上傳哪些資料", "备案需要上传哪些资料"),
    ("真實性核驗單怎麼簽字", "真实性核验单怎么签字"),
    ("廣東省可以用阿里雲APP上傳嗎", "广东省可以用阿里云APP上传吗"),
])
def test_traditional_text_becomes_simplified(traditional, simplified):
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize("text", ["备案需要上传哪些材料", "what formats can I upload?", "", "4 MB 以内"])
def test_simplified_and_latin_text_is_unchanged(text):
    assert to_simplified(text) == text


def test_the_length_never_changes_so_entity_positions_stay_right():
    text = "我在臺灣，護照可以嗎？網頁的備案號碼在哪裡顯示？"
    assert len(to_simplified(text)) == len(text)


@pytest.mark.parametrize("cantonese, mandarin", [
    ("我系外国人，要上载乜嘢证件？", "我是外国人，要上传什么证件？"),
    ("核验单点样填？要用咩颜色嘅笔？", "核验单怎样填？要用啥颜色的笔？"),
    ("我哋东莞用唔用得手机App？", "我们东莞能不能用手机App？"),
    ("備案要交邊啲文件？域名證書喺邊度打印？", "备案要交哪些文件？域名证书在哪里打印？"),
    # 系 is "to be" in Cantonese, but not in the words Mandarin shares: 系统 stays a system.
    ("佢系法人，系统话核验单唔啱", "他是法人，系统话核验单不对"),
])
def test_cantonese_words_are_read_as_mandarin(cantonese, mandarin):
    assert read_as_mandarin(cantonese) == mandarin


@pytest.mark.parametrize("text", [
    "这边个人备案要传什么",  # 边个 is "which one" only in Cantonese
    "系统提示上传失败，点上传没反应",  # no Cantonese marker: Mandarin is left alone
    "please list the documents",
])
def test_mandarin_is_never_read_as_cantonese(text):
    assert read_as_mandarin(text) == text


def test_every_cantonese_reading_keeps_the_length():
    import yaml
    from bot import settings

    entry = yaml.safe_load(settings.LEXICON_FILE.read_text(encoding="utf-8"))["cantonese"]
    assert all(len(str(k)) == len(str(v)) for k, v in entry["words"].items())
    assert all(len(str(reading)) == 1 for _, reading in entry["patterns"])
