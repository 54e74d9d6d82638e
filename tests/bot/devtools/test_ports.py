"""Free ports for the test bots: distinct, bindable, and never a port something listens on."""
from __future__ import annotations

import random
import socket

import pytest

from bot.devtools import ports


def test_ports_are_distinct_bindable_and_outside_the_ephemeral_range() -> None:
    found = ports.free_ports(6)
    assert len(set(found)) == 6
    for port in found:
        assert ports.LOW <= port < ports.HIGH < 32768
        assert ports.is_free(port)


def test_a_port_in_use_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = listener.getsockname()[1]
        assert not ports.is_free(busy)
        # The only port there is to draw is the busy one.
        monkeypatch.setattr(ports, "LOW", busy)
        monkeypatch.setattr(ports, "HIGH", busy + 1)
        with pytest.raises(RuntimeError, match="found only 0 of 1"):
            ports.free_ports(1, random.Random(0))
