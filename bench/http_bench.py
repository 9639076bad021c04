"""HTTP benchmark: serve a register with gunicorn on loopback and measure its pages.

    .venv/bin/python bench/scale_register.py --url sqlite:////tmp/big.db      # once
    .venv/bin/python bench/http_bench.py --url sqlite:////tmp/big.db --seconds 20

For each page: requests per second, p50 and p99 latency at a fixed number of connections, and
the ratio of its throughput to the floor (a page of the same app that renders a template and
touches nothing else). Targets: every page at least 25% of the floor, p99 under 150 ms at 16
connections. The load comes from wrk (apt-get install wrk); without wrk, from a small threaded
Python client (slower, so its figures are lower: say which one was used). Pages are read as the
benchmark's auditor (who sees the whole register), except the CSV export, which is a ULO's staff
exporting all of their engagements. See docs/operations.md.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "http-bench-secret"
TARGET_RATIO, TARGET_P99_MS = 0.25, 150.0
ENV = {"COI_SECRET_KEY": SECRET, "COI_BENCH_FLOOR": "1", "COI_INSECURE_COOKIES": "1",
       "GUNICORN_ACCESS_LOG": ""}


def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="DATABASE_URL of a register from scale_register")
    p.add_argument("--seconds", type=int, default=20, help="measured time per page")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured time per page first")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--cold", type=int, default=30,
                   help="requests per page timed in process with nothing kept (0: skip)")
    return p.parse_args(argv)


def _prepare(url: str) -> dict:
    """Session cookies for the benchmark's accounts, and the pages to measure."""
    os.environ.update(ENV)
    from sqlalchemy import select

    from coi import create_app, db
    from coi.models import Flag, User
    app = create_app({"DATABASE_URL": url})
    with app.test_request_context():
        s = db.session()
        found = {u.role: u for u in s.execute(select(User).where(
            User.email.in_(("bench.auditor@example.org", "bench.staff@example.org")))).scalars()}
        if set(found) != {"auditor", "ulo_staff"}:
            raise SystemExit("No benchmark accounts: build the register with "
                             "bench/scale_register.py first.")
        flag = s.execute(select(Flag.id).where(Flag.status == "open")
                         .order_by(Flag.score.desc()).limit(1)).scalar()
    # A browser keeps the cookie each response sends; wrk cannot, so each page's run starts
    # with a cookie just signed in (the session notes activity once a minute).
    cookies = {role: (lambda a=app, u=user: _cookie(a, u)) for role, user in found.items()}
    rules = {r.rule for r in app.url_map.iter_rules()}
    app.extensions["coi.engine"].dispose()
    flag_page = (f"/flags/{flag}", "flag page") if any(
        re.fullmatch(r"/flags/<int:\w+>", rule) for rule in rules) \
        else (f"/api/v1/flags/{flag}", "flag (API: there is no flag page yet)")
    return {"cookies": cookies, "pages": [
        ("floor", "/bench/floor", None),
        # Not a target: what any page costs once an account is signed in (the account loaded,
        # the session checked), to read the others against.
        ("(signed-in static page, for reference)", "/accessibility", "auditor"),
        ("dashboard", "/", "auditor"),
        ("list of 50 rows", "/engagements?per_page=50", "auditor"),
        (flag_page[1], flag_page[0], "auditor"),
        ("API list of 50", "/api/v1/engagements?per_page=50", "auditor"),
        ("CSV export (a ULO's engagements)", "/engagements?format=csv", "ulo_staff"),
    ]}


def _cookie(app, user) -> str:
    """The session cookie a browser holds after signing in (made by the sign-in's own code, not
    through the form): the account, the session's clocks, the identifier Flask-Login keeps for
    the client (wrk's requests come from loopback without a User-Agent) and the CSRF token the
    sign-in page stored. Without the last two every response would sign and send the cookie
    again, which a browser's cookie never makes the app do."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from coi import sessions
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        sessions.start(user)
        session.pop(sessions.ENROL, None)  # the benchmark's auditor counts as enrolled
        generate_csrf()
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        return response.headers["Set-Cookie"].split(";", 1)[0]


class Server:
    """gunicorn with the production configuration, on a free loopback port."""

    def __init__(self, url: str, workers: int, log: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = log
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--no-control-socket", "app:app"],
            cwd=ROOT, env={**os.environ, **ENV, "DATABASE_URL": url},
            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{log.read_text()}")
            if _get(self.port, "/healthz")[0] == 200:
                return
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.wait(timeout=60)


def _get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _wrk(port, path, cookie, seconds, connections, threads) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if len(pct) < 2:
        raise SystemExit(f"wrk measured nothing for {path}:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _ms(pct["50"]), "p99_ms": _ms(pct["99"]),
            "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def _python(port, path, cookie, seconds, connections, _threads) -> dict:
    """The fallback client: one thread per connection, keep-alive, every latency recorded."""
    latencies, bad, stop = [], [0], time.monotonic() + seconds

    def run():
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                bad[0] += 1
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {"rps": len(latencies) / seconds, "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "non_2xx": bad[0], "socket_errors": ""}


def measure(url: str, args) -> list[dict]:
    """Serve the register at url and measure every page; returns one result per page."""
    plan = _prepare(url)
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk")
                                                        else "python")
    drive = _wrk if client == "wrk" else _python
    log = Path(tempfile.mkdtemp(prefix="http-bench-")) / "gunicorn.log"
    server = Server(url, args.workers, log)
    results = []
    try:
        for name, path, who in plan["pages"]:
            cookie = plan["cookies"][who]() if who else None
            status, body = _get(server.port, path, cookie)
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status}, not 200")
            drive(server.port, path, cookie, args.warmup, args.connections, args.threads)
            result = drive(server.port, path, cookie, args.seconds, args.connections,
                           args.threads)
            results.append({"page": name, "path": path, "bytes": len(body), "client": client,
                            **result})
    finally:
        server.stop()
    floor = results[0]["rps"]
    for r in results:
        r["ratio"] = r["rps"] / floor if floor else 0.0
        r["meets_target"] = r["ratio"] >= TARGET_RATIO and r["p99_ms"] < TARGET_P99_MS
        r["reference"] = r["page"].startswith("(")
    return results


def report(url: str, results: list[dict], args) -> str:
    """The results as a plain-text table."""
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [f"{backend}: {args.workers} gunicorn workers, {args.connections} connections, "
             f"{args.seconds} s per page, client {results[0]['client']}",
             f"{'page':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x floor':>8}  target"]
    for r in results:
        mark = "ok" if r["meets_target"] else "MISSED"
        mark = "(reference)" if r["reference"] else mark
        if r["non_2xx"] or r["socket_errors"]:
            mark += f" ({r['non_2xx']} errors {r['socket_errors']})".rstrip()
        lines.append(f"{r['page']:<42} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} "
                     f"{r['p99_ms']:>8.1f} {r['ratio']:>8.2f}  {mark}")
    if "cold_cpu_ms" in results[0]:
        lines += ["", "CPU ms per request in one process (no HTTP server, no client): warm as "
                  "above; cold with nothing kept, as the first view after a write",
                  f"{'page':<42} {'warm':>8} {'cold':>8}"]
        lines += [f"{r['page']:<42} {r['warm_cpu_ms']:>8.2f} {r['cold_cpu_ms']:>8.2f}"
                  for r in results]
    return "\n".join(lines)


def cold_cpu(url: str, results: list[dict], requests: int) -> None:
    """CPU milliseconds per request in this process, warm (what the workers keep used, as under
    wrk) and cold (the figures cache emptied before every request: each view as the first one
    after a write), added to each result: what the pages cost when the register keeps
    changing, beside the throughput of a register at rest."""
    from coi import create_app
    from coi.services import figures_cache
    plan = _prepare(url)
    app = create_app({"DATABASE_URL": url})
    client = app.test_client(use_cookies=False)
    # As wrk's requests: from loopback, no User-Agent (the cookie's client identifier).
    client.environ_base.pop("HTTP_USER_AGENT", None)
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    for result, (_name, path, who) in zip(results, plan["pages"], strict=True):
        headers = {"Cookie": plan["cookies"][who]()} if who else {}
        for cold in (False, True):
            client.get(path, headers=headers)
            spent = 0.0
            for _ in range(requests):
                if cold:
                    app.extensions.pop(figures_cache.EXTENSION, None)
                started = time.process_time()
                client.get(path, headers=headers)
                spent += time.process_time() - started
            result["cold_cpu_ms" if cold else "warm_cpu_ms"] = 1000 * spent / requests
    app.extensions["coi.engine"].dispose()


def main(argv=None) -> int:
    args = _args(argv)
    results = measure(args.url, args)
    if args.cold:
        cold_cpu(args.url, results, args.cold)
    print(report(args.url, results, args))
    if args.json:
        Path(args.json).write_text(json.dumps({"url": args.url, "results": results}, indent=1))
    return 0 if all(r["meets_target"] or r["reference"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
