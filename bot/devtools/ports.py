"""Free TCP ports for the bots the tests start, so they never meet another bot on this machine.

Fixed ports collide: a `make run` bot, a developer's scale demo, or another checkout's test run
on the same machine may hold them, and a port that is free when checked can be taken before a
slow-starting server binds it (Rasa binds after loading its model). A port answered by someone
else's server looks like a working bot with the wrong secrets. Ports are therefore drawn at
random below the kernel's ephemeral range (which outgoing connections use) and checked free.

Usage: ``python -m bot.devtools.ports N`` prints N distinct free ports on one line.
"""
from __future__ import annotations

import random
import socket
import sys
from typing import List, Optional

#: Drawn from here: above the well-known and common service ports, below Linux's default
#: ephemeral range (32768-60999), so no outgoing connection takes one in the meantime.
LOW, HIGH = 20000, 32000


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` can be bound on ``host`` now (nothing listens on it)."""
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count: int, rng: Optional[random.Random] = None) -> List[int]:
    """``count`` distinct ports that nothing listens on now.

    Args:
        count: How many.
        rng: The random source (seeded in tests).

    Raises:
        RuntimeError: Not enough free ports were found in 1,000 draws.
    """
    rng = rng or random.SystemRandom()
    ports: List[int] = []
    for _ in range(1000):
        port = rng.randrange(LOW, HIGH)
        if port not in ports and is_free(port):
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError(f"found only {len(ports)} of {count} free ports in {LOW}-{HIGH}")


def main(argv: List[str]) -> int:
    count = int(argv[0]) if argv else 1
    print(" ".join(str(p) for p in free_ports(count)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
