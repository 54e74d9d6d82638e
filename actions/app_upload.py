"""Whether the applicant's province offers upload with the Alibaba Cloud app."""
from __future__ import annotations

from typing import List, Optional, Text

from actions.base import Details, Reply, TailoredAction, for_province

AVAILABLE = "available"


class ActionAppUploadAvailability(TailoredAction):
    """Yes / not yet for the applicant's province; asks for the province once."""

    topic = "app_upload_availability"
    general_response = "utter_app_availability_general"
    listed_response = "utter_app_availability_by_province"

    def missing_detail(self, details: Details) -> Optional[Text]:
        return None if details.province else "province"

    def replies(self, details: Details) -> List[Reply]:
        assert details.province is not None
        if details.rule("app_upload") == AVAILABLE:
            return [for_province("utter_app_available", details.province)]
        return [for_province("utter_app_not_available", details.province)]
