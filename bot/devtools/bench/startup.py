"""Where server startup goes: imports, model loading per component, RSS; with and without TF.

``python -m bot.devtools.bench.startup [--model M] [--repeat 2]`` runs, in fresh subprocesses, what
``rasa run`` does before serving (import ``rasa.core.agent``, ``Agent.load``), once as Rasa does
it and once with the launcher's TensorFlow guard (``bot.server.launch.install``), and
prints per run: import seconds, load seconds, the slowest component loads, ``import skops.io``
seconds (Rasa's LogisticRegressionClassifier imports it at load time), modules loaded,
whether TensorFlow was imported, and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from bot import settings

ROOT = settings.ROOT

CHILD = r"""
import json, sys, time
guard = sys.argv[2] == "guard"
t0 = time.perf_counter()
if guard:
    from bot.server import launch
    launch.install()
from bot.devtools.eval import quiet_rasa
quiet_rasa()
from rasa.core.agent import Agent
t1 = time.perf_counter()
from rasa.engine import graph
original = graph.GraphNode._load_component
times = {}
def timed(self, **kwargs):
    t = time.perf_counter()
    try:
        return original(self, **kwargs)
    finally:
        times[self._node_name] = round(time.perf_counter() - t, 3)
graph.GraphNode._load_component = timed
agent = Agent.load(sys.argv[1])
t2 = time.perf_counter()
status = {}
for line in open("/proc/self/status"):
    if line.startswith(("VmRSS", "VmHWM")):
        key, value = line.split(":")
        status[key] = int(value.split()[0]) * 1024
print(json.dumps({
    "mode": sys.argv[2],
    "import_seconds": round(t1 - t0, 2),
    "load_seconds": round(t2 - t1, 2),
    "components": dict(sorted(times.items(), key=lambda kv: -kv[1])[:6]),
    "modules": len(sys.modules),
    "tensorflow_imported": "tensorflow" in sys.modules,
    "peak_rss": status.get("VmHWM"),
}))
"""

SKOPS = r"""
import sys, time
if sys.argv[1] == "guard":
    from bot.server import launch
    launch.install()
import rasa.core.agent
n = len(sys.modules)
t = time.perf_counter()
import skops.io
print('{"mode": "%s", "modules_before": %d, "import_skops_io_seconds": %.2f}'
      % (sys.argv[1], n, time.perf_counter() - t))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True
    )
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"error": out.stderr[-2000:]}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "icp-assistant.tar.gz")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = []
    for _ in range(args.repeat):
        for mode in ("rasa", "guard"):
            results.append(run(CHILD, str(args.model), mode))
            print(json.dumps(results[-1]), flush=True)
    for mode in ("rasa", "guard"):
        results.append(run(SKOPS, mode))
        print(json.dumps(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
