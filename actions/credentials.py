"""Which ID documents an owner who is not a mainland Chinese national uploads."""
from __future__ import annotations

from typing import List

from actions.base import Details, Reply, TailoredAction


class ActionForeignCredentials(TailoredAction):
    """The credentials for the user's residency; all of them when it is unknown.

    The general answer is short enough to need no question first.
    """

    topic = "foreign_credentials"
    general_response = "utter_credentials_general"

    def replies(self, details: Details) -> List[Reply]:
        if details.residency:
            return [Reply(f"utter_credentials_{details.residency}")]
        return [Reply(self.general_response)]
