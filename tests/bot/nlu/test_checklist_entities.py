"""Domain count, Alibaba Cloud registration and app wish, found for the document checklist."""
from __future__ import annotations

import pytest

from bot.nlu.entities import find_checklist_details


def found(text: str) -> dict:
    return {match.entity: match.value for match in find_checklist_details(text)}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("individual in Jiangxi, 3 domains registered at Alibaba Cloud, I want to use the app",
         {"domain_count": "3", "alibaba_domain": "yes", "use_app": "yes"}),
        ("we have two domain names, not registered with aliyun, I don't want to use the app",
         {"domain_count": "2", "alibaba_domain": "no", "use_app": "no"}),
        ("a single domain, I'll upload from my computer", {"domain_count": "1", "use_app": "no"}),
        ("个人在江西备案，3个域名，阿里云注册的，不用APP",
         {"domain_count": "3", "alibaba_domain": "yes", "use_app": "no"}),
        ("两个域名，不是在阿里云买的，想用APP", {"domain_count": "2", "alibaba_domain": "no", "use_app": "yes"}),
    ],
)
def test_details_are_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    ["can I use the app in Fujian?", "能用APP上传吗", "0 domains", "which documents do I upload?"],
)
def test_questions_give_no_wish_and_nothing_is_made_up(text):
    assert found(text) == {}
