"""How to sign or stamp the authenticity verification form (province x applicant type)."""
from __future__ import annotations

from typing import Dict, List, Optional, Text

from actions.base import Details, Reply, TailoredAction, for_province

# individual_signing rule value -> response (data/provinces.yml)
INDIVIDUAL_RESPONSES: Dict[Text, Text] = {
    "sign": "utter_form_individual_sign",
    "sign_with_fingerprint": "utter_form_individual_fingerprint",
    "sign_with_declaration": "utter_form_individual_declaration",
}


class ActionAuthenticityForm(TailoredAction):
    """Organisations: official seal everywhere. Individuals: depends on the province.

    With the province known but not the applicant type, both answers are given: two short
    messages are more helpful than a question.
    """

    topic = "authenticity_form"
    general_response = "utter_form_general"
    listed_response = "utter_form_by_province"

    def missing_detail(self, details: Details) -> Optional[Text]:
        if details.applicant_type == "individual" and details.province is None:
            return "province"
        return None

    def replies(self, details: Details) -> List[Reply]:
        organization = Reply("utter_form_organization")
        if details.applicant_type == "organization":
            return [organization]
        if details.province is None:
            return [self.general_reply()]
        individual = for_province(
            INDIVIDUAL_RESPONSES[details.rule("individual_signing") or "sign"],
            details.province,
        )
        if details.applicant_type == "individual":
            return [individual]
        return [organization, individual]
