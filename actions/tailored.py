"""One rasa-sdk action per tailored topic (the answers themselves: ``bot.core.tailoring``)."""
from __future__ import annotations

from actions.base import TailoredAction


class ActionAppUploadAvailability(TailoredAction):
    """Whether the applicant's province offers upload with the Alibaba Cloud app."""

    topic = "app_upload_availability"


class ActionAuthenticityForm(TailoredAction):
    """How to sign or stamp the authenticity verification form (province x applicant type)."""

    topic = "authenticity_form"


class ActionMultiDomain(TailoredAction):
    """Where several domain names go on the verification form, by province."""

    topic = "multi_domain"


class ActionForeignCredentials(TailoredAction):
    """Which ID documents an owner who is not a mainland Chinese national uploads."""

    topic = "foreign_credentials"


class ActionAuthorizationLetter(TailoredAction):
    """Letters of authorization and other materials: in the same image as a related document."""

    topic = "authorization_letter"


class ActionRejectedReupload(TailoredAction):
    """Uploading again after a rejected order: back to draft, choose the method again."""

    topic = "rejected_reupload"


TAILORED_ACTIONS = (
    ActionAppUploadAvailability,
    ActionAuthenticityForm,
    ActionMultiDomain,
    ActionForeignCredentials,
    ActionAuthorizationLetter,
    ActionRejectedReupload,
)
