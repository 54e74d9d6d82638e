"""`make bench`: understanding and serving benchmarks, ours vs the stock `rasa init` config.

One run on this machine (see docs/benchmarks.md):

1. training: ``rasa train`` from scratch with a clean cache, our config and the stock one;
2. understanding on the development set tests/devset (en, zh): our model, the stock model, a TF-IDF kNN;
3. serving: each model behind ``scripts/serve.sh start`` (action server + ``rasa run``, our
   REST channel, SQLite tracker store): startup to first answer, latency at 1 client,
   throughput and latency at 16 clients, peak RSS; for our bot also a 50 x 10 conversation
   load test checked against the tracker store;
4. for every bot, latency against turn number over one conversation of 120 turns; for our
   bot (1 process and 2 Sanic workers) and stock-plain, the capacity at a latency target
   (open-loop Poisson arrivals at rising rates, p95 < 100 ms, nothing lost; the load
   generator in its own process); with ``--soak``, 30 minutes at half our capacity;
5. the photo check (``bot.devtools.bench.precheck``): p95 and peak memory on 4 MB images;
6. one table (ratios project/stock, PASS/FAIL per target), results/bench-<time>.json and
   results/latest.json, results/bench-<time>.png (latency distributions) and
   results/bench-<time>-scaling.png (latency against turn; p95 against offered rate).

The stock model for accuracy (stock's own 100 epochs, a fixed seed) is trained once and cached
in results/cache by a hash of its config and data (its training takes hours on 2 cores); later
runs reuse it while its inputs are unchanged, with the training time measured when it was
trained, and say how old it is. Serving figures may come from a stock model with fewer epochs
(``--serving-stock-epochs``: the same networks serve at the same cost), said in the table.

Options: ``--quick`` (fewer requests, to try the harness), ``--extra NAME`` (serving columns
besides project and stock; default project-2w and stock-plain), ``--soak``, ``--turns N``,
``--rates``, ``--step-seconds``, ``--retrain-stock``, ``--stock-model PATH``,
``--skip-training``, ``--report-only JSON`` (see ``--help`` and docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.devtools.bench import load, precheck, report, training, turns
from bot.devtools.bench.servers import Bot, make_shadow_root, memory, plain_rasa_endpoints
from bot import settings

ROOT = settings.ROOT
MODEL = ROOT / "models" / "icp-assistant.tar.gz"
RESULTS = ROOT / "results"
PY = ROOT / ".venv" / "bin" / "python"
# Ports reserved for the benchmark (other work uses 5005-5480).
PORTS = {"project": (5605, 5655), "stock": (5606, 5656), "project-2w": (5607, 5657),
         "stock-plain": (5608, 5658)}
# Extra serving columns: what they are, and how they differ from `make run` (files of the
# shadow root, environment of serve.sh).
EXTRA_SETUPS = {
    "project-2w": (
        "our model, SANIC_WORKERS=2 (REST-only deployments; docs/deployment.md)",
        {}, {"SANIC_WORKERS": "2"},
    ),
    "stock-plain": (
        "stock config on plain `rasa run` + Rasa's SQLTrackerStore, full domain to the action "
        "server: what a team gets from `rasa init`",
        {"endpoints.yml": plain_rasa_endpoints}, {"BOT_PLAIN_RASA": "1"},
    ),
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> Dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "loadavg_start": loadavg(),
    }


def model_info(path: Path) -> Dict[str, Any]:
    import tarfile

    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.name.lstrip("/") == "metadata.json":
                    meta = json.load(archive.extractfile(member))
                    return {
                        "trained_at": meta.get("trained_at"),
                        "model_id": meta.get("model_id"),
                        "rasa_version": meta.get("rasa_open_source_version"),
                        "size_bytes": path.stat().st_size,
                    }
    except (OSError, tarfile.TarError, ValueError):
        pass
    return {}


# Systems whose capacity at the latency target is measured (the comparison).
CAPACITY_SYSTEMS = ("project", "project-2w", "stock-plain")


def run_generator(url: str, out: Path, extra: List[str]) -> Dict[str, Any]:
    """The load generator (bot.devtools.bench.capacity) in its own process; its step lines
    are logged as they come."""
    cmd = [str(PY), "-m", "bot.devtools.bench.capacity", "--url", url, "--json", str(out), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("[capacity]"):
            log(line.rstrip())
    proc.wait()
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"load generator failed ({proc.returncode}): {' '.join(cmd)}")
    return json.loads(out.read_text())


def soak(args: argparse.Namespace, bot: Bot, name: str, rate: float, work: Path) -> Dict[str, Any]:
    """`--soak`: one long open-loop step at `rate`; RSS and p95 at start and end, events lost."""
    out = work / f"soak-{name}.json"
    prefix = f"bench-{name}-soak"
    rss_start = bot.memory().get("rss")
    cmd = [str(PY), "-m", "bot.devtools.bench.capacity", "--url", bot.url, "--json", str(out),
           "--prefix", prefix, "--soak-rate", f"{rate:g}",
           "--soak-seconds", f"{args.soak_minutes * 60:g}"]
    log(f"{name}: soak {args.soak_minutes:g} min at {rate:g} msg/s (half the capacity)")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    rss_samples = []
    while proc.poll() is None:
        rss_samples.append(bot.memory().get("rss"))
        time.sleep(30)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"soak generator failed ({proc.returncode})")
    result = json.loads(out.read_text())
    time.sleep(0.5)
    senders = result.pop("senders", {})
    stored = load.tracker_user_events(bot.tracker_db, prefix)
    expected = sum(len(v) for v in senders.values())
    kept = sum(min(len(stored.get(s, [])), len(v)) for s, v in senders.items())
    result.update(
        minutes=args.soak_minutes, rate=rate, rss_start=rss_start, rss_end=bot.memory().get("rss"),
        rss_samples=rss_samples, user_events_expected=expected,
        events_lost=expected - kept,
        conversations_exact=sum(1 for s, v in senders.items() if stored.get(s) == v),
        conversations=len(senders),
    )
    log(f"{name}: soak p95 {result.get('p95_first_minute_ms')} -> {result.get('p95_last_minute_ms')} ms, "
        f"events lost {result['events_lost']}")
    return result


def serve_and_measure(
    name: str, model: Path, work: Path, pool: List[str], requests: int, load_test: bool,
    load_conversations: int, load_turns: int, args: Optional[argparse.Namespace] = None,
) -> Dict[str, Any]:
    rasa_port, action_port = PORTS[name]
    description, file_makers, env = EXTRA_SETUPS.get(name, (None, {}, {}))
    files = {file: make() for file, make in file_makers.items()} or None
    root = make_shadow_root(work / "roots", name, model, files)
    bot = Bot(name, root, rasa_port, action_port, extra_env=env)
    out: Dict[str, Any] = {"rasa_port": rasa_port, "levels": {}, "latencies_ms": {}}
    if description:
        out["description"] = description
    log(f"{name}: starting (scripts/serve.sh start, port {rasa_port})")
    try:
        out["startup_seconds"] = round(bot.start(), 2)
        out["rss_after_start"] = bot.memory().get("rss")
        log(f"{name}: first answer after {out['startup_seconds']:.1f} s")
        warm = load.run_level(bot.url, pool, 1, 20, 5, f"bench-{name}-warm", offset=len(pool) // 2)
        out["warmup_failures"] = warm.failures
        for clients in (1, 16):
            res = load.run_level(bot.url, pool, clients, requests, 5, f"bench-{name}-c{clients}")
            out["levels"][str(clients)] = res.summary()
            out["latencies_ms"][str(clients)] = [round(x, 3) for x in res.latencies_ms]
            s = res.summary()
            log(f"{name}: {clients:2d} client(s): {s['throughput_msg_s']:.1f} msg/s, "
                f"p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, failures {s['failures']}")
        if load_test:
            before = bot.memory()
            res = load.run_level(
                bot.url, pool, load_conversations, load_conversations * load_turns, load_turns,
                f"bench-{name}-load", offset=len(pool) // 3,
            )
            time.sleep(0.5)
            after = bot.memory()
            s = res.summary()
            s.update(
                conversations=load_conversations,
                turns=load_turns,
                rss_before=before.get("rss"),
                rss_after=after.get("rss"),
                tracker=load.check_tracker(bot.tracker_db, res, f"bench-{name}-load"),
            )
            out["load_test"] = s
            log(f"{name}: load {load_conversations}x{load_turns}: {s['throughput_msg_s']:.1f} msg/s, "
                f"p95 {s['p95_ms']:.1f} ms, unanswered {s['unanswered']}, failures {s['failures']}, "
                f"tracker {s['tracker']['exact']}/{s['tracker']['conversations']} exact")
        if args is not None and args.turns:
            conv = turns.run_conversation(bot.url, f"bench-{name}-long", args.turns)
            out["turns"] = {**turns.summarise(conv["latencies_ms"]), **conv}
            t = out["turns"]
            log(f"{name}: {args.turns}-turn conversation: median {t['first_ms']} ms (turns 1-20) -> "
                f"{t['last_ms']} ms (last 20), x{t['ratio']}")
        if args is not None and name in CAPACITY_SYSTEMS and not args.no_capacity:
            extra = ["--prefix", f"bench-{name}-cap", "--seconds", f"{args.step_seconds:g}"]
            if args.rates:
                extra += ["--rates", args.rates]
            out["capacity"] = run_generator(bot.url, work / f"capacity-{name}.json", extra)
            log(f"{name}: capacity at p95 < 100 ms: {out['capacity']['capacity']} msg/s")
            if args.soak and name == "project":
                rate = (out["capacity"]["capacity"] or 0) / 2 or args.soak_rate
                if rate:
                    out["soak"] = soak(args, bot, name, rate, work)
        mem = bot.memory()
        out["peak_rss"] = mem.get("peak_rss")
        out["peak_rss_process"] = mem.get("peak_rss_process")
        out["rss_end"] = mem.get("rss")
        action_pid_file = root / "var" / f"actions-{action_port}.pid"
        if action_pid_file.exists():
            out["action_server_peak_rss"] = memory(int(action_pid_file.read_text())).get("peak_rss")
        out["loadavg_end"] = loadavg()
    finally:
        bot.stop()
    return out


def age(trained_on: Optional[str]) -> str:
    """How long ago an ISO time was, for humans ("3.2 days")."""
    try:
        seconds = (dt.datetime.now() - dt.datetime.fromisoformat(str(trained_on))).total_seconds()
    except ValueError:
        return "unknown age"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def cached_stock(
    args: argparse.Namespace, work: Path, result: Dict[str, Any], key: str,
    epochs: Optional[int], seed: Optional[int],
) -> Path:
    """A stock model from results/cache when its inputs are unchanged, else trained now.

    `key` is "stock" (the accuracy model: stock's 100 epochs by default, fixed seed) or
    "stock_serving" (fewer epochs, for serving figures only). The cache key is a hash of the
    config (epochs and seed included), the Rasa version, domain/, data/nlu and data/rules, so
    the cost of a training is paid once per change of data. ``--retrain-stock`` forces a new
    training.
    """
    fingerprint = training.inputs_fingerprint(epochs, seed)
    cache = args.out / "cache"
    cached_model = cache / f"stock-{fingerprint}.tar.gz"
    cached_meta = cache / f"stock-{fingerprint}.json"
    if cached_model.exists() and cached_meta.exists() and not args.retrain_stock:
        meta = json.loads(cached_meta.read_text())
        meta.update(cached=True, age=age(meta.get("trained_on")), cache_file=cached_model.name)
        result["training"][key] = meta
        log(f"{key}: CACHED model {cached_model.name} (trained {meta.get('trained_on')}, "
            f"{meta['age']} old, {meta.get('seconds', 0):.0f} s then; --retrain-stock to train again)")
        return cached_model
    if args.reuse_stale_stock and not args.retrain_stock:
        candidates = sorted(
            (m for m in cache.glob("stock-*.json")
             if (json.loads(m.read_text()).get("epochs") or 100) == (epochs or 100)
             and m.with_suffix(".tar.gz").exists()),
            key=lambda m: m.stat().st_mtime,
        )
        if candidates:
            meta = json.loads(candidates[-1].read_text())
            meta.update(cached=True, stale=True, age=age(meta.get("trained_on")))
            result["training"][key] = meta
            log(f"{key}: STALE model {candidates[-1].with_suffix('.tar.gz')}: trained on older "
                f"domain/data ({meta.get('trained_on')}); its figures are only indicative")
            return candidates[-1].with_suffix(".tar.gz")
    log(f"{key}: training the stock `rasa init` pipeline and policies from scratch "
        f"({epochs or 100} epochs, seed {seed}: long on 2 cores, cached afterwards)...")
    tr = training.train_stock(work, timeout=args.stock_timeout, epochs=epochs, seed=seed, name=key)
    if tr.returncode == -9:
        log(f"{key} training killed after {tr.seconds:.0f} s (hung?); retrying once")
        result["training"][f"{key}_first_attempt"] = training.as_dict(tr)
        tr = training.train_stock(work, timeout=args.stock_timeout, epochs=epochs, seed=seed,
                                  name=key)
    meta = training.as_dict(tr)
    meta.update(trained_on=dt.datetime.now().isoformat(timespec="seconds"),
                loadavg_end=loadavg(), inputs_fingerprint=fingerprint, cached=False,
                epochs=epochs or 100, seed=seed)
    result["training"][key] = meta
    log(f"{key}: {tr.seconds:.1f} s (exit {tr.returncode})")
    if tr.model is None:
        raise RuntimeError(f"stock training failed, see {tr.log}")
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy2(tr.model, cached_model)
    cached_meta.write_text(json.dumps(meta, indent=1))
    return cached_model


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 requests per level, 10x4 load test")
    parser.add_argument("--requests", type=int, default=300, help="requests per latency level")
    parser.add_argument("--stock-model", type=Path, help="reuse this stock model (no stock training)")
    parser.add_argument("--skip-training", action="store_true",
                        help="do not time `rasa train` of our config")
    parser.add_argument("--retrain-stock", action="store_true",
                        help="train the stock model even if results/cache has one")
    parser.add_argument("--stock-epochs", type=int, default=100,
                        help="epochs of the stock model used for accuracy (stock: 100; fewer is "
                             "NOT stock, its accuracy a lower bound)")
    parser.add_argument("--stock-seed", type=int, default=42,
                        help="random_seed of the stock networks (DIET, ResponseSelector, TED, "
                             "UnexpecTED) so that trainings are repeatable")
    parser.add_argument("--serving-stock-epochs", type=int,
                        help="serve a stock model trained with this many epochs (same networks, "
                             "same serving cost, trains much faster); default: the accuracy model")
    parser.add_argument("--turns", type=int, default=120,
                        help="length of the latency-against-turn conversation (0: skip)")
    parser.add_argument("--no-capacity", action="store_true", help="skip the capacity ladder")
    parser.add_argument("--rates", help="capacity ladder, msg/s, comma-separated")
    parser.add_argument("--step-seconds", type=float, default=15.0,
                        help="seconds per capacity step")
    parser.add_argument("--soak", action="store_true",
                        help="also run our bot for --soak-minutes at half its measured capacity")
    parser.add_argument("--soak-minutes", type=float, default=30.0)
    parser.add_argument("--soak-rate", type=float, help="soak rate if no capacity was measured")
    parser.add_argument("--reuse-stale-stock", action="store_true",
                        help="if data or domain changed since the cached stock model was trained, "
                             "use the newest cached one anyway (marked stale) instead of training")
    parser.add_argument("--stock-timeout", type=float, default=3 * 3600,
                        help="seconds before a stock training is considered hung")
    parser.add_argument("--report-only", type=Path, metavar="JSON",
                        help="print the table and redraw the plot of an earlier run")
    parser.add_argument("--extra", action="append", choices=[*sorted(EXTRA_SETUPS), "none"],
                        help="also serve: project-2w (our model, 2 Sanic workers), stock-plain "
                             "(stock model on plain `rasa run` + Rasa's SQL store); repeatable; "
                             "default both (the capacity comparison needs them), none: neither")
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.extra is None:
        args.extra = ["stock-plain", "project-2w"]
    args.extra = [name for name in args.extra if name != "none"]
    if args.report_only:
        result = json.loads(args.report_only.read_text())
        result["targets"] = report.verdicts(result)
        png = args.report_only.with_suffix(".png")
        report.plot(result, png)
        scaling = png.with_name(png.stem + "-scaling.png")
        report.plot_scaling(result, scaling)
        print(report.table(result))
        print(f"plots: {png}, {scaling}")
        return 0
    requests = 60 if args.quick else args.requests
    load_conv, load_turns = (10, 4) if args.quick else (50, 10)
    if args.quick:
        args.step_seconds = min(args.step_seconds, 4.0)
        args.soak_minutes = min(args.soak_minutes, 1.0)

    if args.skip_training and not MODEL.exists():
        print(f"error: {MODEL} not found; run `make train` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(tempfile.mkdtemp(prefix="icp-bench-"))
    result: Dict[str, Any] = {
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"requests_per_level": requests, "turns_per_conversation": 5,
                     "load_test": f"{load_conv}x{load_turns}", "quick": args.quick,
                     "long_conversation_turns": args.turns,
                     "capacity_step_seconds": args.step_seconds, "soak": args.soak},
    }
    # The model under test is the one whose training is timed below (as scripts/train.sh
    # trains it), or with --skip-training a snapshot of models/: a `make train` elsewhere must
    # not change the model under test mid-run.
    project_model = work / "project.tar.gz"
    result["models"] = {}
    try:
        # 1. Training (first: nothing else of ours runs meanwhile).
        result["training"] = {}
        stock_model = args.stock_model
        if args.skip_training:
            shutil.copy2(MODEL, project_model)
            result["models"]["project"] = {**model_info(project_model), "source": str(MODEL)}
        else:
            log("training our config from scratch (clean cache)...")
            tr = training.train_project(work)
            result["training"]["project"] = training.as_dict(tr)
            log(f"project: {tr.seconds:.1f} s (exit {tr.returncode})")
            if tr.model is None:
                raise RuntimeError(f"training our config failed, see {tr.log}")
            shutil.copy2(tr.model, project_model)
            result["models"]["project"] = {**model_info(project_model),
                                           "source": "trained by this run"}
        if stock_model is None:
            stock_model = cached_stock(args, work, result, "stock", args.stock_epochs,
                                       args.stock_seed)
        result["models"]["stock"] = model_info(stock_model)
        if args.stock_model:
            result["models"]["stock"]["source"] = str(args.stock_model)
        result["models"]["stock"]["inputs_fingerprint"] = training.inputs_fingerprint(
            args.stock_epochs, args.stock_seed)
        result["models"]["stock"]["epochs"] = (result["training"].get("stock") or {}).get(
            "epochs", args.stock_epochs)
        result["models"]["stock"]["seed"] = args.stock_seed
        serving_stock = stock_model
        if args.serving_stock_epochs and args.serving_stock_epochs != args.stock_epochs:
            serving_stock = cached_stock(args, work, result, "stock_serving",
                                         args.serving_stock_epochs, args.stock_seed)
            result["models"]["stock_serving"] = {**model_info(serving_stock),
                                                 "epochs": args.serving_stock_epochs}

        # 2. Understanding (own process).
        log("scoring the development and test sets: project, stock, TF-IDF kNN...")
        acc_json = work / "accuracy.json"
        subprocess.run(
            [str(PY), "-m", "bot.devtools.bench.accuracy", "--project", str(project_model),
             "--stock", str(stock_model), "--json", str(acc_json)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=open(work / "accuracy.log", "wb"),
        )
        result["accuracy"] = json.loads(acc_json.read_text())

        # 3. Serving, one bot at a time.
        from bot.devtools.eval import dev_sets

        pool = load.question_pool(dev_sets())
        result["serving"] = {}
        systems = [("project", project_model, True), ("stock", serving_stock, False)]
        for name in args.extra:
            systems.append((name, project_model if name.startswith("project") else serving_stock,
                            name.startswith("project")))
        for name, model, lt in systems:
            result["serving"][name] = serve_and_measure(
                name, model, work, pool, requests, lt, load_conv, load_turns, args,
            )
        # 4. The photo check of the help page (bot.core.precheck), on 4 MB images.
        log("photo check: 4 MB JPEG and PNG...")
        result["precheck"] = precheck.run()
    finally:
        result["machine"]["loadavg_end"] = loadavg()
        result["duration_seconds"] = round(time.monotonic() - started, 1)
        result["targets"] = report.verdicts(result) if "accuracy" in result else {}
        args.out.mkdir(parents=True, exist_ok=True)
        json_path = args.out / f"bench-{stamp}.json"
        text = json.dumps(result, ensure_ascii=False, indent=1)
        json_path.write_text(text)
        (args.out / "latest.json").write_text(text)
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)

    png = args.out / f"bench-{stamp}.png"
    report.plot(result, png)
    shutil.copy2(png, args.out / "latest.png")
    scaling = args.out / f"bench-{stamp}-scaling.png"
    report.plot_scaling(result, scaling)
    shutil.copy2(scaling, args.out / "latest-scaling.png")
    print()
    print(report.table(result))
    print()
    failed = [k for k, v in result["targets"].items() if v is False]
    print(f"targets: {sum(1 for v in result['targets'].values() if v)} PASS, {len(failed)} FAIL"
          f"{' (' + '; '.join(failed) + ')' if failed else ''}")
    print(f"results: {json_path}, {png}, {scaling} (also latest.*); "
          f"{result['duration_seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
