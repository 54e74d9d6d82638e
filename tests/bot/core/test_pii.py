"""Personal data masking (bot/core/pii.py), in both languages."""
from __future__ import annotations

import pytest

from bot.core import pii
from bot.core.pii import id_checksum_ok, mask, note


def with_check(first17: str) -> str:
    """An 18-character number with the right check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


ID = with_check("11010519491231002")  # the GB 11643 example: 11010519491231002X
HK_RESIDENCE = with_check("81000019900101123")


def test_the_standard_example_has_a_valid_checksum() -> None:
    assert ID == "11010519491231002X"
    assert id_checksum_ok(ID) and id_checksum_ok(ID.lower())
    assert not id_checksum_ok("110105194912310021")
    assert not id_checksum_ok("1101051949123100")


@pytest.mark.parametrize(
    "text, masked, kinds",
    [
        (f"我的身份证号是{ID}，可以用App上传吗", "我的身份证号是[身份证号]，可以用App上传吗", ("id_card",)),
        (f"my ID number is {ID}, which photo?", "my ID number is [ID card number], which photo?", ("id_card",)),
        (f"港澳居民居住证 {HK_RESIDENCE}", "港澳居民居住证 [通行证/居住证号]", ("permit",)),
        ("回乡证号码H12345678", "回乡证号码[通行证/居住证号]", ("permit",)),
        ("my home return permit is M1234567890", "my home return permit is [permit number]", ("permit",)),
        ("台胞证 12345678 能用吗", "台胞证 [通行证/居住证号] 能用吗", ("permit",)),
        ("my MTP is 87654321", "my MTP is [permit number]", ("permit",)),
        ("passport E12345678 ok?", "passport [passport number] ok?", ("passport",)),
        ("护照号EA1234567", "护照号[护照号]", ("passport",)),
        ("call me on +86 138-1234-5678", "call me on [mobile number]", ("mobile",)),
        ("电话 008613812345678 谢谢", "电话 [手机号] 谢谢", ("mobile",)),
        ("手机 139 1234 5678", "手机 [手机号]", ("mobile",)),
        ("mail me: li.wei+icp@example.com.cn!", "mail me: [e-mail address]!", ("email",)),
        ("邮箱是wang@qq.com谢谢", "邮箱是[邮箱地址]谢谢", ("email",)),
        ("13812345678", "[***]", ("mobile",)),
        (
            f"ID {ID}, phone 13812345678",
            "ID [ID card number], phone [mobile number]",
            ("id_card", "mobile"),
        ),
    ],
)
def test_personal_data_is_masked_with_a_label_in_the_message_language(
    text: str, masked: str, kinds: tuple
) -> None:
    result = mask(text)
    assert (result.text, result.kinds) == (masked, kinds)
    assert result.changed


@pytest.mark.parametrize(
    "text",
    [
        "110105194912310021 is my order number",  # 18 digits, wrong checksum
        "京ICP备12345678号",  # filing number
        "order 12345678 was rejected",  # 8 digits without a permit word
        "ICP12345678",  # letters and digits run together
        "12345678901234567890",  # a long reference number contains no mobile number
        "the file is 4 MB, 1024 x 768",
        "上传失败，错误码 403",
        "which documents do I need?",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask(text) == pii.Masked(text, ())
    assert not mask(text).changed


def test_the_note_names_what_was_hidden_in_the_users_language() -> None:
    assert "ID card number, mobile number" in note(("id_card", "mobile"), "en")
    assert "身份证号、手机号" in note(("id_card", "mobile"), "zh")
    both = note(("email",), None)
    assert "e-mail address" in both and "邮箱地址" in both
