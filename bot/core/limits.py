"""Size limits shared by every way in (REST, socket.io, agent assist, feedback)."""
from __future__ import annotations

#: Longest user message passed to NLU; longer ones get a polite "please shorten" answer.
MAX_MESSAGE_CHARS = 2000
#: Longest conversation id a channel accepts (also the width of the feedback column).
MAX_SENDER_CHARS = 128
#: Longest response name (``utter_...``) a client may refer to.
MAX_ANSWER_KEY_CHARS = 128
