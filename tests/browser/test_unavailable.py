"""Without a browser, the browser tests skip when run by hand and fail in `make test` and CI."""
from __future__ import annotations

import pytest

from tests.browser.conftest import _unavailable

REASON = "/usr/bin/chromium is missing (apt-get install -y chromium)"


@pytest.fixture(autouse=True)
def by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither `make test` nor CI, whatever ran this test."""
    monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    monkeypatch.delenv("CI", raising=False)


def test_by_hand_a_missing_browser_skips_with_the_reason() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"chromium is missing \(apt-get install"):
        _unavailable(REASON)


def test_in_make_test_a_missing_browser_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match=r"`make test` \(REQUIRE_BROWSER=1\): /usr/bin"):
        _unavailable(REASON)


def test_in_ci_a_missing_browser_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI: /usr/bin/chromium"):
        _unavailable(REASON)
