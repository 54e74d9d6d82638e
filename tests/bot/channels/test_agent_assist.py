"""Agent assist without a server: validation, tokens, ranking, tailoring and rendering.

The agent is a fake (fixed parse results), but the rendering uses the real domain and NLG, the
tailored actions run on a throwaway rules database, and the tracker store is Rasa's in-memory
store, so the read-only promise is checked against the real store API.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urljoin

import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine

import bot.channels.agent_assist.auth as assist
import bot.channels.agent_assist.channel as channel
from bot.channels.agent_assist import AgentAssistInput, AgentConsole
from bot.channels.agent_assist.auth import authorize, configured_token
from bot.channels.agent_assist.channel import json_response
from bot.channels.agent_assist.requests import parse_chosen, parse_suggest
from bot.channels.agent_assist.suggester import Suggester, customer_language
from bot.core import tailoring
from bot.core.details import merged_details
from bot.core.suggest import agent_candidates as candidates
from bot.core.topics import load_topics
from bot.channels.http import RequestError
from bot.feedback.repository import FeedbackRepository, FeedbackUnavailable
from bot.rules.repository import RulesUnavailable

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = Domain.load(str(ROOT / "domain"))
TOPICS = load_topics()
TOKEN = "s3cret-token"


def body(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def parse_result(
    text: str, ranking: List[tuple], entities: Optional[List[Dict[str, Any]]] = None
) -> Dict[str, Any]:
    intent_ranking = [{"name": name, "confidence": conf} for name, conf in ranking]
    return {
        "text": text,
        "intent": intent_ranking[0],
        "intent_ranking": intent_ranking,
        "entities": entities or [],
    }


def province(value: str) -> Dict[str, Any]:
    return {"entity": "province", "value": value, "start": 0, "end": 1}


class FakeAgent:
    """The parts of rasa.core.agent.Agent that agent assist uses."""

    def __init__(self, parses: Dict[str, Dict[str, Any]], ready: bool = True) -> None:
        self.parses = parses
        self.ready = ready
        self.tracker_store = InMemoryTrackerStore(DOMAIN)
        self.nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)

    def is_ready(self) -> bool:
        return self.ready

    async def parse_message(self, text: str) -> Dict[str, Any]:
        return self.parses[text]

    def save_conversation(self, sender_id: str, slots: Dict[str, Any]) -> None:
        events = [ActionExecuted("action_listen"), UserUttered("hello")]
        events += [SlotSet(name, value) for name, value in slots.items()]
        tracker = DialogueStateTracker.from_events(sender_id, events, slots=DOMAIN.slots)
        asyncio.run(self.tracker_store.save(tracker))


class BrokenRepository:
    """A rules repository whose database is down."""

    def province(self, key: str) -> None:
        raise RulesUnavailable("down")


@pytest.fixture
def suggester(rules_repo) -> Suggester:
    return Suggester(repository=rules_repo)


@pytest.fixture
def token(monkeypatch, tmp_path) -> str:
    monkeypatch.setenv(assist.TOKEN_ENV, TOKEN)
    monkeypatch.setattr(assist, "TOKEN_FILE", tmp_path / "no-token-file")
    return TOKEN


def suggest(suggester: Suggester, agent: FakeAgent, text: str, sender_id=None, k=3):
    return asyncio.run(suggester.suggest(agent, text, sender_id, k))


# --- Request validation ------------------------------------------------------------------------


def test_a_suggest_request_needs_only_text():
    request = parse_suggest(body({"text": "  which documents?  "}))
    assert (request.text, request.sender_id, request.k) == ("which documents?", None, 3)
    request = parse_suggest(body({"text": "hi", "sender_id": "conv-1", "k": 10}))
    assert (request.sender_id, request.k) == ("conv-1", 10)


@pytest.mark.parametrize(
    "raw, status, fragment",
    [
        (b"", 400, "not valid JSON"),
        (b"{broken", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "UTF-8"),
        (body(["text"]), 400, "JSON object"),
        (body("which documents?"), 400, "JSON object"),
        (body({}), 400, "'text' (the customer's message) is required"),
        (body({"text": None}), 400, "is required"),
        (body({"text": ""}), 400, "'text' is empty"),
        (body({"text": " \n\t\x00 "}), 400, "'text' is empty"),
        (body({"text": 42}), 400, "'text' must be a string"),
        (body({"text": ["hi"]}), 400, "'text' must be a string"),
        (body({"text": "x" * 2001}), 400, "at most 2000"),
        (body({"text": "hi", "k": 0}), 400, "'k' must be an integer from 1 to 10"),
        (body({"text": "hi", "k": 11}), 400, "'k'"),
        (body({"text": "hi", "k": "3"}), 400, "'k'"),
        (body({"text": "hi", "k": 2.5}), 400, "'k'"),
        (body({"text": "hi", "k": True}), 400, "'k'"),
        (body({"text": "hi", "k": None}), 400, "'k'"),
        (body({"text": "hi", "sender_id": 7}), 400, "'sender_id' must be a string"),
        (body({"text": "hi", "sender_id": "s" * 129}), 400, "at most 128"),
        (b" " * (64 * 1024 + 1), 413, "larger than"),
    ],
)
def test_bad_suggest_requests_are_refused_with_a_reason(raw, status, fragment):
    with pytest.raises(RequestError) as e:
        parse_suggest(raw)
    assert e.value.status == status
    assert fragment in e.value.message


def test_a_chosen_request_is_validated():
    chosen = parse_chosen(body({"text": "需要哪些材料", "intent": "faq_documents"}), TOPICS)
    assert (chosen.language, chosen.sender_id) == ("zh", None)
    chosen = parse_chosen(
        body({"sender_id": "c1", "text": "docs?", "intent": "multi_domain", "language": "en"}),
        TOPICS,
    )
    assert (chosen.intent, chosen.sender_id, chosen.language) == ("multi_domain", "c1", "en")
    for bad, fragment in [
        ({"text": "docs?"}, "'intent'"),
        ({"text": "docs?", "intent": "no_such_intent"}, "'intent'"),
        ({"text": "docs?", "intent": "faq_documents", "language": "fr"}, "'language'"),
        ({"intent": "faq_documents"}, "'text'"),
    ]:
        with pytest.raises(RequestError) as e:
            parse_chosen(body(bad), TOPICS)
        assert e.value.status == 400 and fragment in e.value.message


# --- Tokens ------------------------------------------------------------------------------------


def test_the_environment_token_wins_over_the_generated_one(monkeypatch, tmp_path):
    token_file = tmp_path / "agent_assist_token"
    token_file.write_text("generated\n")
    monkeypatch.setenv(assist.TOKEN_ENV, "from-env")
    assert configured_token(token_file) == "from-env"
    monkeypatch.setenv(assist.TOKEN_ENV, "  ")
    assert configured_token(token_file) == "generated"
    monkeypatch.delenv(assist.TOKEN_ENV)
    assert configured_token(token_file) == "generated"
    assert configured_token(tmp_path / "missing") is None
    token_file.write_text("\n")
    assert configured_token(token_file) is None


@pytest.mark.parametrize(
    "header, status",
    [
        (None, 401),
        ("", 401),
        ("Bearer", 401),
        ("Bearer ", 401),
        (f"Basic {TOKEN}", 401),
        (TOKEN, 401),
        ("Bearer wrong", 401),
        (f"Bearer {TOKEN}x", 401),
        ("Bearer 令牌", 401),  # non-ASCII must not crash compare_digest
        ("Bearer t\udcf6k", 401),  # how Sanic passes header bytes that are not UTF-8
    ],
)
def test_a_wrong_or_missing_token_is_401(header, status):
    with pytest.raises(RequestError) as e:
        authorize(header, TOKEN)
    assert e.value.status == status


def test_the_right_token_passes_and_no_token_configured_is_503():
    authorize(f"Bearer {TOKEN}", TOKEN)
    authorize(f"bearer  {TOKEN} ", TOKEN)
    for configured in (None, ""):
        with pytest.raises(RequestError) as e:
            authorize(f"Bearer {TOKEN}", configured)
        assert e.value.status == 503 and assist.TOKEN_ENV in e.value.message


def test_401_responses_challenge_for_a_bearer_token_and_nothing_is_cached():
    unauthorized = json_response(401, {"error": "Invalid access token."})
    assert unauthorized.headers["WWW-Authenticate"].startswith("Bearer")
    assert unauthorized.headers["Cache-Control"] == "no-store"
    assert "WWW-Authenticate" not in json_response(400, {"error": "x"}).headers


# --- Ranking and details -----------------------------------------------------------------------


def ranking(*pairs: tuple) -> List[Dict[str, Any]]:
    return [{"name": name, "confidence": conf} for name, conf in pairs]


def test_candidates_keep_the_order_and_skip_what_is_not_an_answer():
    picked = candidates(
        ranking(
            ("nlu_fallback", 0.35),
            ("greet", 0.3),
            ("multi_domain", 0.25),
            ("inform", 0.2),
            ("bot_challenge", 0.1),
            ("faq_documents", 0.08),
            ("unknown_intent", 0.07),
            ("faq_image_requirements", 0.05),
            ("faq_cannot_upload", 0.049),
        ),
        TOPICS,
    )
    assert picked == [
        ("multi_domain", 0.25),
        ("faq_documents", 0.08),
        ("faq_image_requirements", 0.05),
    ]


def test_only_unanswerable_intents_give_the_out_of_scope_reply():
    assert candidates(
        ranking(("greet", 0.9), ("out_of_scope", 0.06), ("faq_documents", 0.04)), TOPICS
    ) == [("out_of_scope", 0.06)]
    assert candidates([], TOPICS) == [("out_of_scope", 0.0)]


def test_the_message_details_override_the_conversation():
    stored = {
        "province": "beijing",
        "applicant_type": "individual",
        "language": "zh",
        "last_topic": "x",
    }
    details = merged_details(stored, [province("gansu"), {"entity": "language", "value": "en"}])
    assert details == {"province": "gansu", "applicant_type": "individual"}
    assert merged_details({}, []) == {}


def test_the_language_is_the_message_s_then_the_conversation_s():
    assert customer_language("多个域名怎么填", {"language": "en"}) == "zh"
    assert customer_language("several domains?", {"language": "zh"}) == "en"
    assert customer_language("???", {"language": "zh"}) == "zh"
    assert customer_language("123", {}) == "en"


# --- Suggestions -------------------------------------------------------------------------------

MULTI = "where do several domains go?"
MULTI_HUNAN = "several domains, filing in Hunan"
DOCS = "which documents do I upload?"
MULTI_ZH = "多个域名怎么填核验单"
NO_LETTERS = "???"
FORM = "how do we sign the verification form?"
WEATHER = "what's the weather?"

PARSES = {
    MULTI: parse_result(
        MULTI,
        [
            ("multi_domain", 0.8),
            ("faq_documents", 0.07),
            ("greet", 0.06),
            ("authenticity_form", 0.05),
        ],
    ),
    MULTI_HUNAN: parse_result(MULTI_HUNAN, [("multi_domain", 0.9)], [province("hunan")]),
    DOCS: parse_result(DOCS, [("faq_documents", 0.9), ("faq_image_requirements", 0.06)]),
    MULTI_ZH: parse_result(MULTI_ZH, [("multi_domain", 0.9)]),
    NO_LETTERS: parse_result(NO_LETTERS, [("faq_documents", 0.5)]),
    FORM: parse_result(FORM, [("authenticity_form", 0.9)]),
    WEATHER: parse_result(WEATHER, [("out_of_scope", 0.93), ("faq_documents", 0.004)]),
}


@pytest.fixture
def agent() -> FakeAgent:
    agent = FakeAgent(PARSES)
    agent.save_conversation(
        "gansu-company", {"province": "gansu", "applicant_type": "organization", "language": "en"}
    )
    agent.save_conversation("chinese-customer", {"language": "zh", "province": "gansu"})
    return agent


def test_suggestions_are_the_best_answers_first_with_their_faq_section(suggester, agent):
    language, suggestions = suggest(suggester, agent, MULTI)
    assert language == "en"
    assert [s.intent for s in suggestions] == ["multi_domain", "faq_documents", "authenticity_form"]
    assert [s.confidence for s in suggestions] == [0.8, 0.07, 0.05]
    source = suggestions[0].source
    assert source["section"] == TOPICS["multi_domain"].source
    assert source["anchor"] == "#section_z2v_rbt_zdb"
    assert source["url"] == "https://beian.aliyun.com/#MapDataContainer"
    # A province answer names the date its rules are valid as of.
    assert source["rules_valid_as_of"] == suggester.repository.valid_as_of().isoformat()
    assert source["line"].startswith("Source: FAQ “Considerations for completing")
    assert suggestions[1].source["rules_valid_as_of"] is None  # faq_documents: no province rules
    # No province: the general answer, not the question the bot would ask.
    assert suggestions[0].text.startswith("Where several domain names go depends on the province")
    assert "Which province" not in suggestions[0].text
    _, one = suggest(suggester, agent, MULTI, k=1)
    assert [s.intent for s in one] == ["multi_domain"]


def test_the_conversation_s_province_tailors_the_answer(suggester, agent):
    _, suggestions = suggest(suggester, agent, MULTI, sender_id="gansu-company")
    assert "Filing several domain names in Gansu" in suggestions[0].text
    assert "widened domain name area" in suggestions[0].text


def test_a_province_in_the_message_wins_over_the_conversation(suggester, agent):
    _, suggestions = suggest(suggester, agent, MULTI_HUNAN, sender_id="gansu-company")
    assert "in Hunan" in suggestions[0].text and "Gansu" not in suggestions[0].text


def test_an_unknown_conversation_gives_untailored_answers(suggester, agent):
    _, suggestions = suggest(suggester, agent, MULTI, sender_id="nobody-yet")
    assert suggestions[0].text.startswith("Where several domain names go depends on the province")


def test_suggesting_never_changes_the_customer_s_conversation(suggester, agent, monkeypatch):
    before = asyncio.run(agent.tracker_store.retrieve("gansu-company"))
    saves = []
    monkeypatch.setattr(agent.tracker_store, "save", lambda *a, **kw: saves.append(a))
    for text in PARSES:
        suggest(suggester, agent, text, sender_id="gansu-company", k=10)
    after = asyncio.run(agent.tracker_store.retrieve("gansu-company"))
    assert saves == []
    assert len(after.events) == len(before.events)
    assert after.current_slot_values() == before.current_slot_values()


def test_chinese_in_chinese_out_and_the_conversation_language_for_no_letters(suggester, agent):
    language, suggestions = suggest(suggester, agent, MULTI_ZH, sender_id="chinese-customer")
    assert language == "zh"
    assert suggestions[0].text.startswith("甘肃多个域名备案")
    language, suggestions = suggest(suggester, agent, NO_LETTERS, sender_id="chinese-customer")
    assert language == "zh" and suggestions[0].text.startswith("ICP备案需要上传以下材料")


def test_buttons_are_appended_as_a_numbered_list(suggester, agent):
    _, suggestions = suggest(suggester, agent, DOCS)
    assert suggestions[0].text.endswith(
        "\n\n1. Image requirements\n2. Owner is not a Chinese national\n3. Domain name certificate"
    )


def test_several_messages_of_one_answer_are_separated_by_a_blank_line(suggester, agent):
    agent.save_conversation("jiangxi", {"province": "jiangxi"})
    _, suggestions = suggest(suggester, agent, FORM, sender_id="jiangxi")
    organisation, individual = suggestions[0].text.split("\n\n")
    assert organisation.startswith("For an organisation")
    assert "individual filing in Jiangxi" in individual and "fingerprint" in individual


def test_rules_database_down_gives_the_general_answer(agent):
    suggester = Suggester(repository=BrokenRepository())
    _, suggestions = suggest(suggester, agent, MULTI, sender_id="gansu-company")
    assert suggestions[0].text.startswith("Where several domain names go depends on the province")
    assert "Sorry" not in suggestions[0].text


def test_a_failing_tailoring_gives_the_general_answer(agent, rules_repo, monkeypatch):
    def broken(details):
        raise RuntimeError("bug")

    monkeypatch.setitem(
        tailoring.TAILORED, "multi_domain", tailoring.Tailoring(broken, lambda d: None)
    )
    _, suggestions = suggest(Suggester(repository=rules_repo), agent, MULTI, "gansu-company")
    assert suggestions[0].text.startswith("Where several domain names go depends on the province")


def test_out_of_scope_messages_get_the_out_of_scope_reply(suggester, agent):
    _, suggestions = suggest(suggester, agent, WEATHER)
    assert [(s.intent, s.confidence, s.source) for s in suggestions] == [
        ("out_of_scope", 0.93, None)
    ]
    assert suggestions[0].text.startswith("Sorry, I can't help with that.")
    assert suggestions[0].text.endswith("1. What can you help with?\n2. Talk to a human agent")


def test_an_answer_missing_from_the_domain_is_replaced_by_the_next_one(suggester, agent):
    agent.nlg = TemplatedNaturalLanguageGenerator(
        {k: v for k, v in DOMAIN.responses.items() if k != "utter_faq_documents"}
    )
    _, suggestions = suggest(suggester, agent, DOCS, k=1)
    assert [s.intent for s in suggestions] == ["faq_image_requirements"]


# --- HTTP handlers -----------------------------------------------------------------------------


def handle_suggest(channel: AgentAssistInput, agent: Any, header: Optional[str], raw: bytes):
    return asyncio.run(channel.handle_suggest(agent, header, raw))


def test_suggest_handler_answers_with_suggestions(suggester, agent, token):
    status, payload = handle_suggest(
        AgentAssistInput(suggester), agent, f"Bearer {token}", body({"text": MULTI, "k": 2})
    )
    assert status == 200 and payload["language"] == "en"
    assert [s["intent"] for s in payload["suggestions"]] == ["multi_domain", "faq_documents"]
    assert set(payload["suggestions"][0]) == {"text", "intent", "confidence", "source", "question"}


def test_suggest_handler_checks_the_token_before_the_body(suggester, agent, token):
    channel = AgentAssistInput(suggester)
    assert handle_suggest(channel, agent, None, b"{broken")[0] == 401
    assert handle_suggest(channel, agent, "Bearer nope", body({"text": MULTI}))[0] == 401
    assert handle_suggest(channel, agent, f"Bearer {token}", b"{broken")[0] == 400


def test_suggest_handler_is_closed_without_a_configured_token(
    suggester, agent, monkeypatch, tmp_path
):
    monkeypatch.delenv(assist.TOKEN_ENV, raising=False)
    monkeypatch.setattr(assist, "TOKEN_FILE", tmp_path / "missing")
    status, payload = handle_suggest(
        AgentAssistInput(suggester), agent, "Bearer anything", body({"text": MULTI})
    )
    assert status == 503 and "no access token is configured" in payload["error"]
    (tmp_path / "missing").write_text("generated-token\n")
    assert (
        handle_suggest(
            AgentAssistInput(suggester), agent, "Bearer generated-token", body({"text": MULTI})
        )[0]
        == 200
    )


def test_suggest_handler_never_fails_with_500(suggester, agent, token, monkeypatch):
    channel = AgentAssistInput(suggester)
    header = f"Bearer {token}"
    status, payload = handle_suggest(channel, None, header, body({"text": MULTI}))
    assert status == 503 and "starting up" in payload["error"]
    assert (
        handle_suggest(channel, FakeAgent(PARSES, ready=False), header, body({"text": MULTI}))[0]
        == 503
    )

    async def broken(*args, **kwargs):
        raise RuntimeError("graph exploded")

    monkeypatch.setattr(agent, "parse_message", broken)
    status, payload = handle_suggest(channel, agent, header, body({"text": MULTI}))
    assert status == 503 and payload["error"].startswith("Suggestions are unavailable")


def test_chosen_handler_records_helpful_agent_feedback(suggester, token, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'feedback.db'}", future=True)
    channel = AgentAssistInput(suggester, FeedbackRepository(engine))
    chosen = {
        "sender_id": "gansu-company",
        "text": MULTI,
        "intent": "multi_domain",
        "language": "en",
    }
    status, payload = asyncio.run(channel.handle_chosen(f"Bearer {token}", body(chosen)))
    assert status == 201 and payload["id"] >= 1
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT sender_id, question, answer_key, language, rating, source FROM feedback"
        ).one()
    assert tuple(row) == (
        "gansu-company",
        MULTI,
        "utter_multi_domain_general",
        "en",
        "helpful",
        "agent",
    )


def test_chosen_handler_refuses_bad_requests_and_survives_a_broken_store(suggester, token):
    class Down:
        def record(self, **fields):
            raise FeedbackUnavailable("down")

    channel = AgentAssistInput(suggester, Down())
    header = f"Bearer {token}"
    assert asyncio.run(channel.handle_chosen(None, body({})))[0] == 401
    assert (
        asyncio.run(channel.handle_chosen(header, body({"text": "x", "intent": "nope"})))[0] == 400
    )
    status, payload = asyncio.run(
        channel.handle_chosen(header, body({"text": "x", "intent": "faq_documents"}))
    )
    assert status == 503 and "cannot be recorded" in payload["error"]


# --- Console -----------------------------------------------------------------------------------


def test_the_console_mounts_at_slash_agent_and_its_files_exist():
    # What rasa.core.channels.channel.register does with a channel's url_prefix().
    assert urljoin("/webhooks/", AgentConsole().url_prefix()) == "/"
    assert urljoin("/webhooks/", AgentAssistInput().url_prefix()) == "/webhooks/agent_assist"
    for asset in channel.CONSOLE.assets.values():
        assert asset.path.is_file()


def test_the_console_never_inserts_suggestions_as_html():
    script = (channel.CONSOLE_DIR / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "document.write" not in script


COMPOUND = "Which documents? And how many domains fit on the form in Gansu?"


def test_a_compound_message_gets_suggestions_for_every_question(suggester, rules_repo):
    parse = parse_result(COMPOUND, [("compound_question", 1.0), ("faq_documents", 0.5)],
                         [province("gansu")])
    parse["compound"] = [
        {"text": "Which documents?", "intent": {"name": "faq_documents", "confidence": 0.9},
         "intent_ranking": [{"name": "faq_documents", "confidence": 0.9}], "confident": True},
        {"text": "in Gansu", "intent": {"name": "inform", "confidence": 1.0},
         "intent_ranking": [{"name": "inform", "confidence": 1.0}], "confident": True},
        {"text": "how many domains fit on the form in Gansu?",
         "intent": {"name": "multi_domain", "confidence": 0.8},
         "intent_ranking": [{"name": "multi_domain", "confidence": 0.8},
                            {"name": "authenticity_form", "confidence": 0.1}],
         "confident": True},
    ]
    agent = FakeAgent({COMPOUND: parse})
    _, suggestions = suggest(suggester, agent, COMPOUND, k=1)
    assert [(s.intent, s.question) for s in suggestions] == [
        ("faq_documents", "Which documents?"),
        ("multi_domain", "how many domains fit on the form in Gansu?"),
    ]
    # The message's province tailors every question's answer.
    assert "Filing several domain names in Gansu" in suggestions[1].text
    _, two_each = suggest(suggester, agent, COMPOUND, k=2)
    assert [s.intent for s in two_each] == ["faq_documents", "multi_domain", "authenticity_form"]


PER_RESIDENCY = "Which ID for Macao residents, and what about foreigners?"


def test_one_topic_asked_for_several_details_gets_a_suggestion_for_each(suggester):
    def residency(value):
        return {"entity": "residency", "value": value, "start": 0, "end": 1}

    parse = parse_result(PER_RESIDENCY, [("compound_question", 1.0)], [residency("macao"), residency("foreign")])
    parse["compound"] = [
        {"text": "Which ID for Macao residents", "intent": {"name": "foreign_credentials", "confidence": 0.9},
         "intent_ranking": [{"name": "foreign_credentials", "confidence": 0.9}], "confident": True,
         "entities": [residency("macao")]},
        {"text": "what about foreigners?", "intent": {"name": "inform", "confidence": 1.0},
         "intent_ranking": [{"name": "inform", "confidence": 1.0}], "confident": True,
         "entities": [residency("foreign")]},
    ]
    _, suggestions = suggest(suggester, FakeAgent({PER_RESIDENCY: parse}), PER_RESIDENCY, k=1)
    assert [(s.intent, s.question) for s in suggestions] == [
        ("foreign_credentials", "Which ID for Macao residents"),
        ("foreign_credentials", "what about foreigners?"),
    ]
    # Each for its own residency, not the message's last one.
    assert "Macao" in suggestions[0].text and "passport" in suggestions[1].text
