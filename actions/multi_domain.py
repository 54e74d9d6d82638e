"""Where several domain names go on the verification form, by province."""
from __future__ import annotations

from typing import Dict, List, Optional, Text

from actions.base import Details, Reply, TailoredAction, for_province

# multi_domain rule value -> response (data/provinces.yml)
MULTI_DOMAIN_RESPONSES: Dict[Text, Text] = {
    "single_form": "utter_multi_domain_single_form",
    "widened_form": "utter_multi_domain_widened_form",
    "attach_list": "utter_multi_domain_attach_list",
}


class ActionMultiDomain(TailoredAction):
    """One form / widened form / attached list; asks for the province once."""

    topic = "multi_domain"
    general_response = "utter_multi_domain_general"
    listed_response = "utter_multi_domain_by_province"

    def missing_detail(self, details: Details) -> Optional[Text]:
        return None if details.province else "province"

    def replies(self, details: Details) -> List[Reply]:
        assert details.province is not None
        value = details.rule("multi_domain")
        if value not in MULTI_DOMAIN_RESPONSES:
            return [self.general_reply()]
        return [for_province(MULTI_DOMAIN_RESPONSES[value], details.province)]
