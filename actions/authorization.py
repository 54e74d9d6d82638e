"""Letters of authorization and other materials: in the same image as a related document."""
from __future__ import annotations

from typing import List

from actions.base import Details, Reply, TailoredAction, for_province


class ActionAuthorizationLetter(TailoredAction):
    """Same-image rule; in app-upload provinces, special documents go up from the computer."""

    topic = "authorization_letter"
    general_response = "utter_authorization_letter"

    def replies(self, details: Details) -> List[Reply]:
        replies = [Reply(self.general_response)]
        if details.province and details.rule("app_upload") == "available":
            replies.append(for_province("utter_authorization_app_province", details.province))
        return replies
