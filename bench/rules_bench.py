"""Benchmark of the conflict rules at national scale (not part of the test suite).

    .venv/bin/python bench/rules_bench.py                       # SQLite, default sizes
    .venv/bin/python bench/rules_bench.py --url postgresql+psycopg://postgres@127.0.0.1:55434/postgres
    .venv/bin/python bench/rules_bench.py --scale 0.1           # a tenth of every size

Builds a synthetic register (bench/synthetic.py) in an empty database, then measures, each
phase in its own process so that its peak memory is its own:

* the first full recompute, which opens every flag (`flask recompute`'s service); on
  PostgreSQL a VACUUM ANALYZE follows, as autovacuum would soon after such a bulk change;
* the read floor: the same rows read with the same queries, and nothing else;
* the full recompute of the same register (the steady state: every flag already there), its
  wall time, its peak memory, and its ratio to the read floor;
* p50 and p95 of the incremental evaluation after one write (a new bid, a new engagement),
  the evaluation hook alone and the whole service write;
* the naive all-pairs R1 evaluation at 1/100 of the scale, against the fast path.

Targets: recompute within 3x of the read floor, incremental p95 under 20 ms, peak memory
under 1 GB, on SQLite and on PostgreSQL.
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import Register, Sizes, settle  # noqa: E402

PHASES = ("build", "first", "floor", "recompute", "parallel", "incremental", "naive")


def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="", help="DATABASE_URL (default: a new SQLite file)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    for name, value in vars(Sizes()).items():
        p.add_argument(f"--{name}", type=int, default=None, help=f"default {value} x scale")
    p.add_argument("--samples", type=int, default=200, help="single writes timed per kind")
    p.add_argument("--batch", type=int, default=50, help="ULOs per recompute transaction")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="recompute processes (the steady-state recompute is also timed on one)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def sizes_of(args) -> Sizes:
    base = Sizes().scaled(args.scale) if args.scale != 1.0 else Sizes()
    for name in vars(base):
        if getattr(args, name) is not None:
            setattr(base, name, getattr(args, name))
    return base


def _app(url: str):
    from coi import create_app
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SCHEMA_FROM_MODELS": True,
                       "TESTING": True})


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_build(args) -> dict:
    """An empty database filled with the synthetic register."""
    from sqlalchemy import create_engine, text
    if args.url.startswith("postgresql"):
        eng = create_engine(args.url)
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        eng.dispose()
    app = _app(args.url)
    started = time.perf_counter()
    register = Register(sizes_of(args), args.seed)
    made = time.perf_counter()
    counts = register.insert(app.extensions["coi.engine"])
    return {"generate_s": made - started, "insert_s": time.perf_counter() - made,
            "rows": counts}


def phase_first(args) -> dict:
    """The first recompute: every flag is opened (and audited). Then the register is left as
    autovacuum would leave it soon after (`settle`), so that no autovacuum of the bulk load
    runs during the phases that are timed."""
    result = _recompute(args, args.workers)
    started = time.perf_counter()
    settle(_app(args.url).extensions["coi.engine"])
    return {**result, "settle_s": time.perf_counter() - started}


def phase_recompute(args) -> dict:
    """The steady-state recompute on one process: the flags are there; `flask recompute`
    again, reading and evaluating every batch itself."""
    return _recompute(args, 1)


def phase_parallel(args) -> dict:
    """The same steady-state recompute with --workers processes reading and evaluating."""
    return _recompute(args, args.workers)


def _recompute(args, workers: int) -> dict:
    from coi.services import recompute
    app = _app(args.url)
    with app.test_request_context():
        before = peak_mb()
        started, cpu = time.perf_counter(), time.process_time()
        counts = recompute.run(batch=args.batch, workers=workers)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"seconds": time.perf_counter() - started, "counts": dict(counts),
                "cpu_s": time.process_time() - cpu,
                "workers_cpu_s": children.ru_utime + children.ru_stime,
                "workers_peak_mb": children.ru_maxrss / 1024, "workers": workers,
                "peak_mb": peak_mb(), "baseline_mb": before}


def phase_floor(args) -> dict:
    """Read exactly the rows the recompute reads, with the same queries and batches."""
    from coi import db
    from coi.services import facts_loader, flag_sync, recompute
    app = _app(args.url)
    with app.test_request_context():
        ids = recompute.ulo_ids()
        started, cpu, rows = time.perf_counter(), time.process_time(), 0
        for start in range(0, len(ids), args.batch):
            chunk = ids[start:start + args.batch]
            with recompute.collector_paused():  # as the recompute reads them
                s = db.session()
                read = facts_loader.read(s, chunk)
                flags = flag_sync.stored_for(s, chunk, recompute.EVERY_RULE)
                rows += len(flags) + sum(len(v) for v in vars(read).values()
                                         if isinstance(v, (list, dict)))
                s.rollback()
        return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                "rows": rows, "peak_mb": peak_mb()}


def phase_incremental(args) -> dict:
    """Time single writes through the services: a new bid, a new engagement."""
    from coi.services import evaluation
    app = _app(args.url)
    timings = {"bid": [], "engagement": []}
    with app.test_request_context():
        hook = evaluation._hooks[0]
        spent: list[float] = []

        def timed(*a):
            started, cpu = time.perf_counter(), time.process_time()
            hook(*a)
            spent.append((time.perf_counter() - started, time.process_time() - cpu))

        evaluation._hooks[0] = timed
        for kind, write in _writes(args):
            started = time.perf_counter()
            write()
            timings[kind].append((*spent[-1], time.perf_counter() - started))
    out = {}
    for kind, rows in timings.items():
        hooks, cpu, writes = ([r[i] * 1000 for r in rows] for i in range(3))
        out[kind] = {"n": len(rows), "hook_p50_ms": _pct(hooks, 50),
                     "hook_p95_ms": _pct(hooks, 95), "cpu_p50_ms": _pct(cpu, 50),
                     "cpu_p95_ms": _pct(cpu, 95), "write_p50_ms": _pct(writes, 50),
                     "write_p95_ms": _pct(writes, 95)}
    both = [r[0] * 1000 for rows in timings.values() for r in rows]
    cpu = [r[1] * 1000 for rows in timings.values() for r in rows]
    out["all"] = {"hook_p50_ms": _pct(both, 50), "hook_p95_ms": _pct(both, 95),
                  "cpu_p50_ms": _pct(cpu, 50), "cpu_p95_ms": _pct(cpu, 95)}
    return out


def _pct(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _writes(args):
    """(kind, zero-argument write) pairs: bids on unbid opportunities of a ULO's bodies, and
    engagements with those bodies, alternating."""
    from sqlalchemy import select

    from coi import db
    from coi.models import Bid, Engagement, Opportunity
    from coi.services import base, engagements, opportunities
    s, rnd = db.session(), random.Random(args.seed)
    pairs = s.execute(select(Engagement.ulo_id, Engagement.commissioner_id)
                      .distinct().limit(5000)).all()
    writes, taken = [], set()
    while len(writes) < 2 * args.samples:
        ulo, body = rnd.choice(pairs)
        bid_on = select(Bid.opportunity_id).where(Bid.ulo_id == ulo)
        opp = s.execute(select(Opportunity.id).where(
            Opportunity.commissioner_id == body, Opportunity.withdrawn_at.is_(None),
            Opportunity.id.not_in(bid_on)).limit(1).offset(rnd.randrange(5))).scalar()
        if opp is None or (ulo, opp) in taken:
            continue
        taken.add((ulo, opp))
        writes.append(("bid", lambda u=ulo, o=opp: base.create_record(
            opportunities.BIDS, None, {"ulo_id": u, "opportunity_id": o,
                                       "status": "submitted", "submitted_on": "2025-09-01"})))
        writes.append(("engagement", lambda u=ulo, b=body: engagements.record_engagement(
            None, {"ulo_id": u, "commissioner_id": b, "title": "Bench engagement",
                   "purposes": ["consultation"], "influence": "consulted",
                   "service_areas": ["advocacy"], "started_on": "2025-01-01",
                   "ended_on": "2025-03-01"})))
    s.rollback()
    return writes


def phase_naive(args) -> dict:
    """R1 over every pair of a register at 1/100 of the scale, and the fast path on it."""
    from coi.rules import EngagementFact, Thresholds, evaluate_naive, evaluate_register
    from coi.services.facts_loader import BID, ENGAGEMENT, OPPORTUNITY, Rows, build
    small = Register(sizes_of(args).scaled(0.01), args.seed)
    t = small.tables
    rows = Rows(small.ulos)
    from coi.models import Bid, Engagement, Opportunity
    rows.engagements = [tuple(r[c.key] for c in ENGAGEMENT[:9]) + (r["withdrawn_at"] is not None,)
                        for r in t[Engagement]]
    rows.opportunities = [tuple(r[c.key] for c in OPPORTUNITY[:7])
                          + (r["withdrawn_at"] is not None,) for r in t[Opportunity]]
    rows.bids = [tuple(r[c.key] for c in BID) for r in t[Bid]]
    facts = build(rows)
    engagements = [e for f in facts.values() for e in f.engagements]
    bids = [b for f in facts.values() for b in f.bids]
    limits, today = Thresholds(), __import__("datetime").date(2026, 3, 31)
    started = time.perf_counter()
    naive = evaluate_naive(engagements, bids, facts[small.ulos[0]].opportunities.values(),
                           (), limits, today)
    naive_s = time.perf_counter() - started
    started = time.perf_counter()
    fast = [f for f in evaluate_register(facts, limits, today) if f.rule == "R1"]
    fast_s = time.perf_counter() - started
    assert {f.fingerprint for f in naive} == {f.fingerprint for f in fast}
    assert all(isinstance(e, EngagementFact) for e in engagements)
    return {"engagements": len(engagements), "bids": len(bids), "findings": len(naive),
            "naive_s": naive_s, "fast_s": fast_s,
            "naive_full_scale_estimate_s": naive_s * 100 * 100}


def child(args, phase: str) -> dict:
    """Run one phase in a fresh process; its last line is the JSON result."""
    argv = [sys.executable, __file__, "--phase", phase, "--url", args.url,
            "--scale", str(args.scale), "--samples", str(args.samples),
            "--batch", str(args.batch), "--seed", str(args.seed), "--workers", str(args.workers)]
    for name in vars(Sizes()):
        if getattr(args, name) is not None:
            argv += [f"--{name}", str(getattr(args, name))]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {phase} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(args, results: dict) -> None:
    sizes = sizes_of(args)
    floor, full = results["floor"]["seconds"], results["recompute"]["seconds"]
    pa = results["parallel"]
    inc = results["incremental"]
    lines = [
        f"Database: {args.url.split('@')[-1] if '@' in args.url else args.url}",
        f"Register: {sizes.ulos} ULOs, {sizes.bodies} bodies, {sizes.partnerships} "
        f"partnerships, {sizes.engagements} engagements, {sizes.opportunities} opportunities, "
        f"{sizes.bids} bids (built in {results['build']['insert_s']:.1f} s)",
        f"First recompute (opens every flag): {results['first']['seconds']:.1f} s, "
        f"{results['first']['counts']}, peak {results['first']['peak_mb']:.0f} MB; then "
        f"VACUUM ANALYZE on PostgreSQL, as autovacuum would after it: "
        f"{results['first'].get('settle_s', 0):.1f} s",
        f"Read floor: {floor:.2f} s for {results['floor']['rows']} rows",
        f"Full recompute on one process: {full:.2f} s, peak memory "
        f"{results['recompute']['peak_mb']:.0f} MB "
        f"(process baseline {results['recompute']['baseline_mb']:.0f} MB), "
        f"{results['recompute']['counts']}",
        f"Recompute on one process / read floor: {full / floor:.2f}x; in CPU time "
        f"{results['recompute']['cpu_s']:.1f} s / {results['floor']['cpu_s']:.1f} s = "
        f"{results['recompute']['cpu_s'] / results['floor']['cpu_s']:.2f}x",
        f"Recompute with {pa['workers']} worker processes: {pa['seconds']:.2f} s = "
        f"{pa['seconds'] / floor:.2f}x the read floor (target under 3x), {pa['counts']}; "
        f"CPU {pa['cpu_s']:.1f} s here + {pa['workers_cpu_s']:.1f} s in the workers; peak "
        f"memory {pa['peak_mb']:.0f} MB here, {pa['workers_peak_mb']:.0f} MB in the largest "
        f"worker",
    ]
    for kind in ("bid", "engagement"):
        k = inc[kind]
        lines.append(f"Incremental, new {kind} (n={k['n']}): evaluation p50 "
                     f"{k['hook_p50_ms']:.1f} ms, p95 {k['hook_p95_ms']:.1f} ms (CPU p50 "
                     f"{k['cpu_p50_ms']:.1f} ms, p95 {k['cpu_p95_ms']:.1f} ms); whole write "
                     f"p50 {k['write_p50_ms']:.1f} ms, p95 {k['write_p95_ms']:.1f} ms")
    lines.append(f"Incremental evaluation, all writes: p50 {inc['all']['hook_p50_ms']:.1f} ms, "
                 f"p95 {inc['all']['hook_p95_ms']:.1f} ms (target p95 under 20 ms); CPU p50 "
                 f"{inc['all']['cpu_p50_ms']:.1f} ms, p95 {inc['all']['cpu_p95_ms']:.1f} ms")
    loads = ", ".join(f"{phase} {results[phase]['load']:.1f}" for phase in PHASES)
    lines.append(f"Machine: {os.cpu_count()} CPUs; load average at the end of each phase: "
                 f"{loads}")
    n = results["naive"]
    lines.append(f"Naive all-pairs R1 at 1/100 scale ({n['engagements']} engagements x "
                 f"{n['bids']} bids, {n['findings']} findings): {n['naive_s']:.2f} s; fast "
                 f"path on the same register {n['fast_s']:.3f} s; naive at full scale about "
                 f"{n['naive_full_scale_estimate_s'] / 3600:.1f} hours")
    print("\n".join(lines))


def main(argv=None) -> None:
    args = _args(argv)
    if args.phase:
        result = globals()[f"phase_{args.phase}"](args)
        result["load"] = os.getloadavg()[0]
        print(json.dumps(result, default=str))
        return
    if not args.url:
        args.url = f"sqlite:///{tempfile.mkdtemp(prefix='rules-bench-')}/register.db"
    os.environ.pop("DATABASE_URL", None)
    results = {}
    for phase in PHASES:
        print(f"... {phase}", file=sys.stderr, flush=True)
        results[phase] = child(args, phase)
    report(args, results)
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
