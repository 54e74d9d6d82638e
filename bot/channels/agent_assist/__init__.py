"""Suggested replies for support agents, and the agent console that shows them.

Two input channels (list both in credentials.yml):

- ``AgentAssistInput`` (``agent_assist``) serves, under ``/webhooks/agent_assist/``:

  - ``POST suggest`` with ``{"text": ..., "sender_id": ..., "k": 3}``: the ``k`` best replies to
    a customer's message, best first, in the customer's language and tailored to what the
    customer's conversation already told us (province, applicant type, residency);
  - ``POST chosen`` with ``{"sender_id", "text", "intent", "language"}``: records that the agent
    used a suggestion (feedback with source "agent", rating "helpful").

- ``AgentConsole`` serves the console's static files (``web/agent/``) at ``/agent/``: Rasa mounts
  a channel at ``urljoin("/webhooks/", url_prefix())``, and an absolute prefix replaces the path.

Both API routes need ``Authorization: Bearer <token>`` with the token from ``AGENT_ASSIST_TOKEN``
or, when that is unset, the local token ``scripts/agent_token.sh`` generated in
``var/agent_assist_token``. With neither, every request is refused with 503: an assistant that
reads customers' conversations must never run open by accident.

Suggesting never changes the customer's conversation: the tracker is only read, the message is
parsed without a tracker, and tailored actions run in-process on a copy of the slots.
"""
from bot.channels.agent_assist.channel import AgentAssistInput, AgentConsole

__all__ = ["AgentAssistInput", "AgentConsole"]
