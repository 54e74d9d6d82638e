"""Uploading again after a rejected order: back to draft, choose the method again."""
from __future__ import annotations

from typing import List

from actions.base import Details, Reply, TailoredAction, for_province


class ActionRejectedReupload(TailoredAction):
    """Which upload methods the province offers when the order is back in draft."""

    topic = "rejected_reupload"
    general_response = "utter_rejected_general"
    listed_response = "utter_rejected_by_province"

    def replies(self, details: Details) -> List[Reply]:
        if details.province is None:
            return [self.general_reply()]
        if details.rule("app_upload") == "available":
            return [for_province("utter_rejected_app_province", details.province)]
        return [for_province("utter_rejected_computer_only", details.province)]
