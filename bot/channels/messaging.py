"""Slack and Telegram with options that survive: Rasa's channels, with their button limits handled.

Listed in credentials.yml instead of ``slack`` / ``telegram`` (same options, same URLs, same
channel names):

- ``bot.channels.messaging.NumberedSlackInput``: Slack shows at most 5 buttons per message and
  drops *all* of them beyond that (``utter_ask_province`` has 6). A message with more than 5
  buttons is sent as text with the options as a numbered list (``bot.core.options``), and a
  reply that is just a number or an option's title picks that option.
- ``bot.channels.messaging.VerticalTelegramInput``: Telegram's inline keyboard puts every
  button of a message on one row, where long titles get cut off on a phone; here each button
  gets a row of its own.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic

from bot.channels.plain import resolving_typed_choices, with_numbered_options, with_source_line

SLACK_MAX_BUTTONS = 5


class NumberedSlackBot(SlackBot):
    """Rasa's Slack output; more than 5 buttons become a numbered list in the text."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Sends the message with its FAQ source as the last line of its text."""
        await super().send_response(recipient_id, with_source_line(dict(message)))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Sends buttons, or the numbered form when Slack would drop them."""
        if len(buttons) <= SLACK_MAX_BUTTONS:
            await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)
            return
        numbered = with_numbered_options({"text": text, "buttons": buttons})["text"]
        # One post: send_text_message would split the list from its question at the blank line.
        await self._post_message(
            channel=self.slack_channel or recipient_id, as_user=True, text=numbered, type="mrkdwn"
        )


class NumberedSlackInput(SlackInput):
    """Rasa's Slack channel with ``NumberedSlackBot`` and typed choices."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._app: Optional[Sanic] = None

    def get_output_channel(
        self, channel: Optional[Text] = None, thread_id: Optional[Text] = None
    ) -> OutputChannel:
        """The output for a conversation (see ``SlackInput.get_output_channel``)."""
        return NumberedSlackBot(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The stock routes; a typed number or title becomes the option's payload first."""
        handle = resolving_typed_choices(on_new_message, self._agent)
        slack_webhook = super().blueprint(handle)

        @slack_webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app

        return slack_webhook

    def _agent(self) -> Any:
        # Read per message: the HTTP API can replace the agent (a new model) while running.
        return getattr(self._app.ctx, "agent", None) if self._app else None


class VerticalTelegramOutput(TelegramOutput):
    """Rasa's Telegram output with one inline button per row."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Sends the message with its FAQ source as the last line of its text."""
        await super().send_response(recipient_id, with_source_line(dict(message)))

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = "inline",
        **kwargs: Any,
    ) -> None:
        """Sends an inline keyboard with a row per button (other keyboard types unchanged)."""
        if button_type == "inline":
            button_type = "vertical"
        await super().send_text_with_buttons(
            recipient_id, text, buttons, button_type=button_type, **kwargs
        )


class VerticalTelegramInput(TelegramInput):
    """Rasa's Telegram channel with ``VerticalTelegramOutput``."""

    def get_output_channel(self) -> TelegramOutput:
        """The output channel; registers the webhook with Telegram as the stock channel does."""
        channel = VerticalTelegramOutput(self.access_token)
        try:
            asyncio.run(channel.set_webhook(url=self.webhook_url))
        except TelegramAPIError as error:  # as the stock channel: no start with a bad token
            raise RasaException("Failed to set channel webhook: " + str(error)) from error
        return channel
