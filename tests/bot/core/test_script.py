"""Traditional Chinese is read as Simplified, keeping every character's position."""
import pytest

from bot.core.script import to_simplified


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
