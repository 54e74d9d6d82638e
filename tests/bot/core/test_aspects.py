"""bot.core.aspects: questions about what the FAQ does not say of the thing they name."""
from __future__ import annotations

import pytest
import yaml

from bot.core.aspects import LEXICON_FILE, uncovered_aspect
from bot.core.topics import faq_answers


@pytest.mark.parametrize(
    "question, answer, aspect",
    [
        ("授权书上要不要盖章", "authorization_letter", "盖章"),
        ("Does the authorization letter need a company stamp?", "authorization_letter", "stamp"),
        ("核验单有没有有效期", "authenticity_form", "有效期"),
        ("刷脸核验没通过的话后果是什么", "face_verification_tips", "后果"),
        ("幕布要花钱买吗", "face_verification_tips", "花钱"),
        ("授权书模板在哪下载", "authorization_letter", "模板"),
        ("退回以后多久能重新提交", "rejected_reupload", "多久"),
        ("那块背景布咋申请？", "face_verification_tips", "申请"),
        ("Do I have to mail the backdrop back after the photo?", "face_verification_tips", "mail"),
        # Only the form and its domain list are stamped in the FAQ.
        ("营业执照扫描件上需要另外盖章吗？", "faq_image_requirements", "盖章"),
        # The FAQ says the owner adds a fingerprint in Jiangxi and Xinjiang, not with which finger.
        ("江西个人备案按手印用哪个手指？", "authenticity_form", "哪个手指"),
        ("Which finger do I use for the fingerprint on the form?", "authenticity_form", "Which finger"),
        # It never asks for a photo of the owner holding the ID.
        ("个人备案要不要手持身份证的照片？", "faq_documents", "手持身份证"),
        ("证件照片上可以加水印写仅供备案使用吗", "faq_image_requirements", "水印"),
        ("Can I watermark the ID scans before uploading?", "faq_image_requirements", "watermark"),
        ("Do I need a selfie holding my ID card?", "faq_documents", "selfie holding"),
        # Accounts, appeals, passport pages, site names, hosting abroad, other registrars and an
        # administration's own app: none is in the FAQ.
        ("国际站的账号能用阿里云app传资料吗？", "app_upload_availability", "国际站"),
        ("我用的国际站账号，能用app传资料吗？", "app_upload_availability", "国际站"),
        ("另外申诉入口在哪", "app_upload_howto", "申诉"),
        ("那护照要拍哪几页", "foreign_credentials", "哪几页"),
        ("个人网站名称到底怎么起才不会被当成企业站？", "multi_domain", "网站名称"),
        ("腾讯云买的域名，证书在哪打印？", "faq_domain_certificate", "腾讯云"),
        ("上海是不是得用管局那个app核验", "app_upload_availability", "管局那个app"),
        # Nor how many tries a step allows.
        ("App人脸核验失败太多次会被锁吗？", "face_verification_tips", "被锁"),
        ("How many attempts do I get at the face check?", "face_verification_tips", "How many attempts"),
        # A domain's real-name verification is a step the FAQ never covers.
        ("域名实名认证可以用护照做吗？", "foreign_credentials", "域名实名"),
        ("how do I finish the real-name verification of the domain itself?", "faq_domain_certificate",
         "real-name verification"),
        # Doing a step from abroad: the FAQ never says from where.
        ("Can the face check be done while I'm overseas?", "face_verification_tips", "while I'm overseas"),
        ("人在国外能刷脸吗", "app_upload_howto", "人在国外"),
        ("人脸核验能不能人在香港用手机做", "face_verification_tips", "人在香港"),
        # The clauses after the one that asks, up to its question mark, are asked too.
        ("上海是不是不能用阿里云App核验，得下管局自己的App？", "app_upload_availability", "管局自己的App"),
        # Where a mainland owner's household is registered: the credentials of owners from
        # outside the mainland never answer it.
        ("我人在北京工作，但户籍在广东，可以在北京做个人备案吗？", "foreign_credentials", "户籍"),
        ("My ID card is from Shanghai but I work in Chengdu. Can I file in Sichuan?", "foreign_credentials",
         "ID card is from"),
        # How one card's two sides are laid out, and an English version of the form: not in it.
        ("身份证正反面要分开传还是一张", "faq_image_requirements", "正反面要分"),
        ("Can I combine the front and back into one picture?", "faq_image_requirements", "front and back into one"),
        ("核验单有没有英文版", "authenticity_form", "英文版"),
        # One person in both roles: whether the ID goes up twice, the FAQ does not say.
        ("主体负责人和网站负责人都是我 身份证要传两遍吗", "faq_documents", "传两遍"),
        ("If it's the same person do I still upload the ID twice?", "faq_documents", "upload the ID twice"),
        # A condition right before the clause that asks is part of the question.
        ("要是服务器买香港的，是不是就不用传这一堆资料了？", "faq_documents", "服务器买香港"),
        ("If we host it in Hong Kong, do we still upload all these documents?", "faq_documents",
         "host it in Hong Kong"),
        # The form's date line, printing colour, seal colour, signature script and corrections:
        # the FAQ says black ink, a seal for organisations and a clear signature, nothing more.
        ("核验单最下面那个日期写哪天", "authenticity_form", "日期"),
        ("what date do I write on the hexiaodan, the day I sign it or the day I submit?", "authenticity_form",
         "what date"),
        ("核验单要彩色打印吗 家里只有黑白打印机", "faq_authenticity_statement", "彩色打印"),
        ("does the verification form have to be printed in colour or is b/w printing fine", "authenticity_form",
         "printed in colour"),
        ("核验单上盖的章一定要是红色的吗", "authenticity_form", "章一定要是红"),
        ("Does the company chop on the form have to be a red seal?", "authenticity_form", "red seal"),
        ("company seal on the form must be red colour?", "authenticity_form", "be red"),
        ("核验单上他签英文名行不行", "authenticity_form", "签英文"),
        ("Can my co-founder sign the form in pinyin or with his English name?", "authenticity_form", "English name"),
        ("核验单写错一个字可以涂改吗", "authenticity_form", "涂改"),
        ("can I just cross out a typo on the form", "authenticity_form", "cross out"),
        ("还有核验单签名写繁体还是简体", "authenticity_form", "写繁体"),
        # The face check's mismatch with the police records, minimum months of validity, and a
        # template for materials the FAQ names no template of.
        ("app人脸核验一直提示采集的人脸和公安库不一致，怎么破", "face_verification_tips", "公安库"),
        ("The face check says my face doesn't match the police database, what now?", "face_verification_tips",
         "face doesn't match"),
        ("身份证有效期至少得剩几个月才能拿来备案？", "faq_image_requirements", "至少得剩"),
        ("At least how many months of validity does the passport need?", "faq_image_requirements",
         "At least how many months"),
        ("网站主办者承诺书要去哪里下载模板", "faq_authenticity_statement", "模板"),
        ("请问网站建设方案书的模板在哪里下载？", "faq_authenticity_statement", "模板"),
        # A translation of a foreign document: the FAQ names the IDs, never a translation.
        ("外籍，护照要不要翻译成中文的", "foreign_credentials", "翻译"),
        ("Does the passport need a certified translation?", "foreign_credentials", "certified translation"),
    ],
)
def test_an_aspect_the_answer_does_not_cover(question, answer, aspect) -> None:
    assert uncovered_aspect(question, answer) == aspect


@pytest.mark.parametrize(
    "question, answer",
    [
        # The FAQ speaks to these: the form's seal, the documents' validity, the form's samples.
        ("核验单要盖公章吗", "authenticity_form"),
        ("身份证快过期了还能用吗", "faq_image_requirements"),
        # A date of the documents' validity, the app's date of availability, a scan in colour,
        # a white backdrop and a passport in English are the FAQ's own.
        ("身份证有效期截止日期快到了还能传吗", "faq_image_requirements"),
        ("When is the date the app will work in other provinces?", "app_upload_availability"),
        ("黑白打印机扫的营业执照能传吗", "faq_image_requirements"),
        ("刷脸的背景必须是红色的吗", "face_verification_tips"),
        ("can I sign the form in red colour?", "authenticity_form"),
        ("我护照上只有英文名，传护照可以吗", "foreign_credentials"),
        # The FAQ says the form is completed in black ink and stamped with the official seal.
        ("核验单上的日期要不要手写", "authenticity_form"),
        # "Two months left, will it do?" is the FAQ's "sufficient validity"; the form's template
        # is the FAQ's, named with another material too.
        ("身份证还剩两个月就到期了，还能用吗", "faq_image_requirements"),
        ("承诺书和核验单的模板在哪下", "faq_authenticity_statement"),
        ("核验单上的公章必须是红色鲜章吗，复印上去的章行不行", "authenticity_form"),
        ("核验单模板在哪下载", "faq_authenticity_statement"),
        # The aspect is in a statement, not in what is asked.
        ("授权书盖好章了，传在哪一栏？", "authorization_letter"),
        ("人在国外，法人要传什么证件？", "foreign_credentials"),
        ("I stamped the authorization letter already, where do I upload it?", "authorization_letter"),
        # "in charge of" is no charge.
        ("The guy in charge of the website is British - which ID does he use?", "foreign_credentials"),
        # A stamped copy: "colour scans or photos of the originals" answers it.
        ("营业执照原件不在手上，拿复印件盖个章拍照传上去可以吗", "faq_image_requirements"),
        ("can the business license be a stamped photocopy or must be the original?", "faq_image_requirements"),
        # Where to get the certificate is in the FAQ.
        ("域名证书在哪申请", "faq_domain_certificate"),
        # No aspect at all.
        ("授权书传到哪一栏？", "authorization_letter"),
        # A domain transferred in is an Alibaba Cloud domain: the FAQ's steps apply.
        ("域名原来在腾讯云，转入阿里云以后证书在哪打印？", "faq_domain_certificate"),
        # Another registrar is named, but the question is not about the certificate.
        ("腾讯云买的域名，备案要传哪些资料？", "faq_documents"),
        # A residence permit the administration asks for goes with the ID (the letter's answer);
        # an owner from outside the mainland has no mainland household registration.
        ("身份证是外省的，管局要的居住证怎么传？", "authorization_letter"),
        ("负责人不是大陆户籍的话，证件传什么？", "foreign_credentials"),
        # In a long message's background the household is the setting of the question.
        ("I'm a mainland citizen and my hukou is in Henan. I work in Guangzhou now. I want to do a personal "
         "filing in Guangdong. The administration asked for my residence permit. How do I upload it?",
         "foreign_credentials"),
        # The domain's real-name verification done, in a statement.
        ("域名实名也过了，现在上传资料要传哪些？", "faq_documents"),
        # The server abroad is a statement, not a condition of the question.
        ("我们服务器以前在香港，现在迁到阿里云了。核验单怎么签？", "authenticity_form"),
    ],
)
def test_a_covered_or_unasked_aspect_is_no_reason(question, answer) -> None:
    assert uncovered_aspect(question, answer) is None


def test_the_answers_named_are_faq_answers() -> None:
    aspects = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))["aspects"]
    named = {answer for entry in aspects.values() for answer in entry.get("answered_by") or []}
    assert named <= faq_answers()


def test_the_thing_named_decides_as_well_as_the_answer() -> None:
    # Read as the form's signing rules, which speak of seals; asked about the letter.
    assert uncovered_aspect("授权书上除了法人签字，还必须盖公章吗？", "authenticity_form") == "盖公章"
    # Both things named: the form's seal answers it.
    assert uncovered_aspect("授权书和核验单都要盖公章吗？", "authenticity_form") is None


def test_the_things_answers_are_faq_answers() -> None:
    objects = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))["topic_objects"]
    assert {entry["answer"] for entry in objects.values() if entry.get("answer")} <= faq_answers()


def test_a_question_naming_no_thing_is_about_the_thing_asked_before() -> None:
    # "打出来还要盖公章吗" after a question about the certificate asks about stamping the
    # certificate, which the FAQ does not say; after one about the form it is the form's seal.
    assert uncovered_aspect("打出来还要盖公章吗", "authenticity_form", before="证书去哪打印？") == "盖公章"
    assert uncovered_aspect("打出来还要盖公章吗", "authenticity_form", before="核验单在哪下载？") is None
    # A question naming a thing of its own is about that thing.
    assert uncovered_aspect("身份证有效期有要求吗", "faq_image_requirements", before="核验单除了签名还要弄啥？") is None


def test_one_question_of_a_compound_message_asks_as_a_whole() -> None:
    # Asked after a question, "the fingerprint use red ink pad or any color" has no cue of its
    # own; as one of the message's questions, the whole of it asks.
    question = "Xinjiang个人，the fingerprint use red ink pad or any color"
    assert uncovered_aspect(question, "authenticity_form") is None
    assert uncovered_aspect(question, "authenticity_form", a_question=True) == "red ink"
