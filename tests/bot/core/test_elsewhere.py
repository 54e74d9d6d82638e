"""Telling a message about another procedure (a bank, 12306, a shop) from an ICP Filing one."""
from __future__ import annotations

import pytest

from bot.core.elsewhere import in_icp_world, neighbouring_filing, other_procedure
from bot.core.phrases import compile_phrases


@pytest.mark.parametrize("text, procedure", [
    ("社保APP上传身份证照片，格式和大小有要求吗", "社保"),
    ("拼多多开旗舰店，品牌授权书在哪一步上传", "拼多多"),
    ("12306人脸核验老是失败，到底啥原因", "12306"),
    ("阿里云盘传照片老是失败是咋回事", "阿里云盘"),
    ("My Amazon seller account wants a brand authorization letter, where do I upload it?", "Amazon"),
    ("what size can photos be for a visa application", "visa application"),
    ("Which documents do banks want for a bank account?", "bank account"),
    # A domain name alone does not make it ICP Filing: SSL certificates are for domains too.
    ("How many domain names can I put on one multi-domain SSL certificate?", "SSL certificate"),
    ("SSL证书申请要验证域名，怎么弄", "SSL证书"),
    # A procedure named with 备案 in its own name is still that procedure.
    ("外籍法人刚来中国，需要去派出所做境外人员住宿登记备案吗？", "境外人员住宿登记备案"),
])
def test_messages_about_another_procedure(text: str, procedure: str) -> None:
    assert other_procedure(text) == procedure


@pytest.mark.parametrize("text", [
    # No other procedure named.
    "身份证照片格式和大小有什么要求",
    "what documents do I upload for the filing?",
    "人脸核验老是失败怎么办",
    # Another procedure, but in ICP Filing's world.
    "我们是银行卡业务的公司，网站备案要传哪些资料",
    "our bank account details aren't on the verification form, is that a problem?",
    "淘宝买的域名能备案吗",
    "用阿里云APP拍的照片能传吗",
    "我们网站负责人是外国人，刚做了住宿登记，备案要传什么证件？",
    # Applicants that share a word with a procedure: a hospital or a school files too.
    "We're a hospital in Beijing, who signs the form?",
    "",
])
def test_messages_that_may_be_about_icp_filing(text: str) -> None:
    assert other_procedure(text) is None


def test_latin_phrases_match_whole_words_with_a_plural() -> None:
    pattern = compile_phrases({"en": ["exam"], "zh": ["考公"]}, plurals=True)
    assert pattern.search("two Exams this week")
    assert not pattern.search("for example")
    assert pattern.search("考公照片")


def test_longer_phrases_win() -> None:
    pattern = compile_phrases({"zh": ["阿里云", "阿里云盘"]})
    assert pattern.search("阿里云盘传不上去").group(0) == "阿里云盘"


@pytest.mark.parametrize("text, neighbour", [
    ("公安备案要传什么材料？", "公安备案"),
    ("ICP备案下来以后，公安备案要在多少天内办？要准备啥", "公安备案"),
    ("What documents does the PSB filing need?", "PSB filing"),
    ("gongan beian docs?", "gongan beian"),  # "beian" inside its name is not ICP Filing
    ("公安备案和ICP备案分别要什么材料", None),  # ICP Filing named last: may be about it
    ("做完公安备案还要传核验单吗", None),
    ("ICP这边核验单又该怎么签", None),
])
def test_the_neighbouring_filing_a_question_is_about(text, neighbour) -> None:
    assert neighbouring_filing(text) == neighbour


@pytest.mark.parametrize(
    "text, neighbour",
    [
        ("用港澳通行证备案 短信核验那个证件号后6位填哪个？", "短信核验"),
        ("Got the text from the ministry, where do I enter the SMS code?", "SMS code"),
        # Named before the ICP words: context, not the subject.
        ("短信核验过了，核验单还要重新签吗", None),
    ],
)
def test_the_text_message_check_is_a_step_next_to_the_documents(text, neighbour) -> None:
    assert neighbouring_filing(text) == neighbour


def test_a_wechat_account_verification_is_another_procedure() -> None:
    assert other_procedure("服务号认证要传营业执照和法人身份证，图片有大小限制吗") == "服务号认证"


def test_applying_for_a_business_licence_is_another_procedure() -> None:
    assert other_procedure("个体户营业执照网上怎么办？身份证要传正反面吗") == "营业执照网上怎么办"
    # A licence that is about to expire is the filing's business.
    assert other_procedure("营业执照快过期了，备案还能用吗") is None


@pytest.mark.parametrize("text, of_a_filing_message, expected", [
    # ICP Filing's world named: a question the FAQ does not answer, not an unrelated one.
    ("域名实名认证一直审核失败，提示证件电子信息核验不合格，怎么处理", False, True),
    ("户口不在本省，个人备案要不要补居住证", False, True),
    ("My .cn domain is stuck on 'real-name verification pending'. How do I finish it?", False, True),
    ("公安备案要多久", False, True),
    # Broad filing words are not enough on their own: the cloud's other services are out of scope.
    ("阿里云服务器怎么续费", False, False),
    ("今天天气怎么样", False, False),
    # A thing the filing uploads counts in a message that asks about the filing...
    ("护照要拍哪几页上传", True, True),
    ("营业执照传正本还是副本", True, True),
    # ...not alone, and not when the question names nothing of it.
    ("护照要拍哪几页上传", False, False),
    ("顺便问下今天天气怎么样", True, False),
])
def test_questions_put_out_of_scope_that_are_about_icp_filing(text, of_a_filing_message, expected) -> None:
    assert in_icp_world(text, of_a_filing_message=of_a_filing_message) is expected
