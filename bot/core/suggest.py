"""Which topics to offer: "did you mean" buttons and support agents' suggested replies."""
from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Tuple

from bot.core.topics import Topic

OUT_OF_SCOPE = "out_of_scope"
#: ICP Filing questions outside document upload: declined, but with where to look.
ICP_OTHER = "icp_other"
#: The replies that decline a question, offered to an agent when no FAQ answer is likely.
DECLINING = (ICP_OTHER, OUT_OF_SCOPE)
#: Intents below this confidence are long shots, not suggestions. On the development set
#: (tests/devset), 0.05 keeps every right answer that 0.01 keeps and gives the out-of-scope
#: reply to most out-of-scope questions instead of unrelated long shots.
MIN_CONFIDENCE = 0.05
#: How many topics "did you mean" offers before the human-agent button.
MAX_DID_YOU_MEAN = 3
#: When the classifier's best guess declines, an FAQ topic is still worth an agent's look only
#: at this share of the declining reply's confidence or more; below it it is a long shot
#: ("what's the weather like in Paris?" -> out_of_scope 0.91, face-check tips 0.06).
CLOSE_TO_DECLINING = 0.5


def ranked_topics(
    ranking: Iterable[Mapping[str, Any]],
    topics: Mapping[str, Topic],
    min_confidence: float = MIN_CONFIDENCE,
) -> List[Tuple[Topic, float]]:
    """The suggestable topics of an intent ranking, best first, each once.

    Args:
        ranking: A parse's ``intent_ranking`` (best first).
        topics: The answerable intents.
        min_confidence: Intents below this confidence are left out.
    """
    picked: dict = {}
    for entry in ranking:
        topic = topics.get(entry.get("name"))
        confidence = float(entry.get("confidence") or 0.0)
        if topic is not None and topic.suggestable and confidence >= min_confidence:
            picked.setdefault(topic.intent, (topic, confidence))
    return list(picked.values())


def agent_candidates(
    ranking: Iterable[Mapping[str, Any]], topics: Mapping[str, Topic]
) -> List[Tuple[str, float]]:
    """(intent, confidence) pairs worth suggesting to an agent, best first.

    When the best guess is a declining reply (an ICP Filing question outside document upload,
    or out of scope), that reply first, then only the FAQ topics close to it
    (:data:`CLOSE_TO_DECLINING`). When no FAQ answer is likely, the declining reply that ranks
    highest, with its confidence in the ranking.
    """
    ranking = list(ranking)
    picked = [(topic.intent, confidence) for topic, confidence in ranked_topics(ranking, topics)]
    top = next((e for e in ranking if e.get("name") in topics or e.get("name") in DECLINING), None)
    if top is not None and top.get("name") in DECLINING and top.get("name") in topics:
        # The best guess declines: it comes first, and only FAQ topics close to it follow.
        declined = float(top.get("confidence") or 0.0)
        close = [(intent, c) for intent, c in picked if c >= CLOSE_TO_DECLINING * declined]
        return [(str(top.get("name")), declined)] + close
    if picked:
        return picked
    confidences = {
        e.get("name"): float(e.get("confidence") or 0.0) for e in ranking if e.get("name") in DECLINING
    }
    # Out of scope when neither is ranked: the reply that promises nothing.
    declining = [name for name in DECLINING if name in topics]
    if declining:
        best = max(declining, key=lambda name: (confidences.get(name, 0.0), name == OUT_OF_SCOPE))
        picked.append((best, confidences.get(best, 0.0)))
    return picked

