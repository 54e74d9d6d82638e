"""bot.core.parts: what each question of a compound message asks, with its own details."""
from bot.core.parts import key, own_details, resolve


def part(text, name, confident=True, **details):
    return {
        "text": text,
        "intent": {"name": name, "confidence": 0.9},
        "entities": [{"entity": k, "value": v} for k, v in details.items()] + [{"entity": "language", "value": "en"}],
        "confident": confident,
    }


def test_own_details_are_the_applicants_details_the_part_names():
    assert own_details(part("what about Hunan as a company?", "inform", province="hunan",
                            applicant_type="organization")) == {"province": "hunan", "applicant_type": "organization"}


def test_the_same_intent_for_other_details_is_another_question():
    assert key(part("macao?", "foreign_credentials", residency="macao")) != key(
        part("taiwan?", "foreign_credentials", residency="taiwan"))
    assert key(part("how do I sign", "authenticity_form")) == key(part("fingerprint?", "authenticity_form"))


def test_a_bare_follow_up_asks_the_question_before_it_again():
    parts = resolve([part("which ID do Macao residents upload?", "foreign_credentials", residency="macao"),
                     part("what about foreigners?", "inform", residency="foreign")])
    assert [p["intent"]["name"] for p in parts] == ["foreign_credentials", "foreign_credentials"]
    assert parts[1]["follow_up"] is True


def test_statements_unclear_parts_and_leading_follow_ups_stay_as_they_are():
    statement = resolve([part("which ID?", "foreign_credentials"), part("I'm from Macao.", "inform", residency="macao")])
    assert statement[1]["intent"]["name"] == "inform"
    unclear_before = resolve([part("uh?", "faq_documents", confident=False),
                              part("what about Hunan?", "inform", province="hunan")])
    assert unclear_before[1]["intent"]["name"] == "inform"
    first = resolve([part("what about Hunan?", "inform", province="hunan")])
    assert first[0]["intent"]["name"] == "inform"


def _weak(text, name, confidence):
    p = part(text, name)
    p["intent"]["confidence"] = confidence
    return p


def test_a_bare_question_after_a_declined_one_asks_about_the_declined_subject():
    parts = resolve([part("ICP备案下来以后，公安备案要在多少天内办？", "icp_other"),
                     _weak("要准备啥", "faq_documents", 0.54)])
    assert [p["intent"]["name"] for p in parts] == ["icp_other", "icp_other"]
    assert parts[1]["follow_up"] is True
    parts = resolve([part("Do we also need the PSB filing?", "icp_other"),
                     _weak("How soon after?", "app_upload_howto", 0.35)])
    assert parts[1]["intent"]["name"] == "icp_other"
    # Uploading and the app are no things of their own: the question is still bare.
    parts = resolve([part("公众号企业认证的授权书要盖公章吗？", "out_of_scope"),
                     _weak("在哪上传？", "authorization_letter", 0.52)])
    assert parts[1]["intent"]["name"] == "out_of_scope"


def test_a_question_after_a_declined_one_keeps_its_answer_when_it_has_a_subject_or_is_clear():
    # It names a thing of the FAQ (the backdrop, carried by the splitter)...
    named = resolve([part("幕布去哪申请邮寄？", "icp_other"),
                     _weak("幕布拍照背景必须是白色的吗", "face_verification_tips", 0.55)])
    assert named[1]["intent"]["name"] == "face_verification_tips"
    # ...or is clearly a question of its own...
    clear = resolve([part("Can she do the face check from another city?", "icp_other"),
                     _weak("what should she wear for it?", "face_verification_tips", 0.83)])
    assert clear[1]["intent"]["name"] == "face_verification_tips"
    # ...or follows an answered question.
    answered = resolve([part("where is the statement template?", "faq_authenticity_statement"),
                        _weak("how soon?", "app_upload_howto", 0.4)])
    assert answered[1]["intent"]["name"] == "app_upload_howto"


def test_the_same_question_again_for_other_details_is_the_question_before():
    parts = resolve([part("江西个人要按手印吗？", "authenticity_form", province="jiangxi"),
                     _weak("新疆也一样吗", "authenticity_form", 0.35) | {"confident": False,
                                                                      "entities": [{"entity": "province", "value": "xinjiang"}]}])
    assert [p["intent"]["name"] for p in parts] == ["authenticity_form", "authenticity_form"]
    assert parts[1]["confident"] is True and parts[1]["follow_up"] is True
    assert key(parts[0]) != key(parts[1])  # answered again, for Xinjiang
    same = resolve([part("Which ID do Hong Kong owners upload?", "foreign_credentials", residency="hong_kong"),
                    part("Same for Macao?", "out_of_scope", residency="macao")])
    assert same[1]["intent"]["name"] == "foreign_credentials"
