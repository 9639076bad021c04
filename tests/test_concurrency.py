"""Several processes at once: the production server (gunicorn, three workers) on SQLite and on
PostgreSQL takes concurrent writes through the API and loses nothing, raises no flag twice,
never tells anyone the database is locked, and leaves an audit chain that verifies; and two
app instances on one database behave as one (sessions, sign-out, throttling)."""

import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlmodel import Session

from coi import ROOT, audit, create_app, db
from coi.models import Bid, Engagement, Flag, Opportunity
from coi.services import users
from tests import backends
from tests.conftest import PASSWORD
from tests.factories import Factory

WORKERS = 3
WRITES = 10  # of each kind


@pytest.fixture(params=backends.BACKENDS)
def url(request, tmp_path):
    return backends.fresh_url(request.param, tmp_path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """The README's production command, on a free loopback port, in a subprocess."""

    def __init__(self, url: str, log: Path):
        self.port, self.log = _free_port(), log
        env = {**os.environ, "DATABASE_URL": url, "COI_SECRET_KEY": "concurrency-test",
               "COI_ARGON2_PROFILE": "fast_for_tests", "GUNICORN_ACCESS_LOG": ""}
        env.pop("GUNICORN_CONTROL_SOCKET", None)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
             "--no-control-socket", "app:app"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")

    def stop(self) -> str:
        os.killpg(self.proc.pid, signal.SIGINT)  # every request has been answered
        self.proc.wait(timeout=30)
        return self.log.read_text()


def _seed(url: str, tmp_path) -> dict:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t",
                      "ARGON2_PROFILE": "fast_for_tests"})
    app.instance_path = str(tmp_path / "instance")
    make = Factory()
    with app.test_request_context():
        ulo, council = make.org("ulo"), make.org("commissioner")
        staff, board = make.user("ulo_staff", ulo), make.user("ulo_board", ulo)
        commissioner = make.user("commissioner", council)
        opportunities = [make.opportunity(council).id for _ in range(WRITES)]
        tokens = {u.role: users.issue_token(None, u.id, "concurrency")
                  for u in (staff, board, commissioner)}
    app.extensions["coi.engine"].dispose()
    return {"ulo": ulo.id, "council": council.id, "opportunities": opportunities,
            "tokens": tokens}


def _writes(seed: dict) -> list[tuple[str, str, dict]]:
    """(role, path, body) of every write the workers receive at once."""
    ulo, council = seed["ulo"], seed["council"]
    out = []
    for n in range(WRITES):
        out.append(("ulo_staff", "/api/v1/engagements", {
            "ulo_id": ulo, "commissioner_id": council, "title": f"Reference group {n}",
            "purposes": ["preparing_documents"], "influence": "drafted",
            "service_areas": ["advocacy"], "started_on": "2025-01-10",
            "ended_on": "2025-03-31"}))
        out.append(("ulo_board", "/api/v1/bids", {
            "ulo_id": ulo, "opportunity_id": seed["opportunities"][n], "status": "submitted",
            "submitted_on": "2025-06-20"}))
        out.append(("commissioner", "/api/v1/opportunities", {
            "commissioner_id": council, "title": f"Peer support lot {n}",
            "reference": f"LOT-{n}", "service_areas": ["peer_support"], "value": "50000.00",
            "route": "open", "published_on": "2025-06-01", "closes_on": "2025-07-01"}))
    return out


def _send(base: str, tokens: dict, write) -> tuple[int, str]:
    role, path, body = write
    response = requests.post(base + path, json=body, timeout=60,
                             headers={"Authorization": f"Bearer {tokens[role]}"})
    return response.status_code, response.text


def _count(s, model) -> int:
    return s.execute(select(func.count()).select_from(model)).scalar()


def _assert_register(url: str, seed: dict) -> None:
    eng = db.make_engine(url)
    try:
        with Session(eng) as s:
            assert _count(s, Engagement) == WRITES
            assert _count(s, Bid) == WRITES
            assert _count(s, Opportunity) == 2 * WRITES
            fingerprints = s.execute(select(Flag.fingerprint)).scalars().all()
            assert len(fingerprints) == len(set(fingerprints))
            links = s.execute(select(Flag.rule, Flag.engagement_id, Flag.bid_id).where(
                Flag.bid_id.is_not(None), Flag.status != "superseded")).all()
            assert len(links) == len(set(links)), "a conflict was flagged twice"
            verdict = audit.verify(s)
            assert verdict.intact, verdict.reason
    finally:
        eng.dispose()


def test_workers_writing_at_once_lose_nothing_and_keep_the_chain(url, tmp_path):
    seed = _seed(url, tmp_path)
    server = Gunicorn(url, tmp_path / "gunicorn.log")
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda w: _send(server.base, seed["tokens"], w),
                                    _writes(seed)))
    finally:
        log = server.stop()
    assert [a for a in answers if a[0] != 201] == []
    assert not any("locked" in body for _, body in answers)
    assert "database is locked" not in log and "Traceback" not in log, log
    _assert_register(url, seed)


def test_a_forked_worker_drops_the_connections_it_inherited(tmp_path):
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    app = create_app({"DATABASE_URL": backends.fresh_url("sqlite", tmp_path),
                      "SECRET_KEY": "t"})
    engine = app.extensions["coi.engine"]
    with engine.connect() as conn:
        inherited = conn.connection.driver_connection
    assert engine.pool.checkedin() == 1
    server = type("Server", (), {"cfg": type("Cfg", (), {"preload_app": True})(),
                                 "app": type("App", (), {"wsgi": lambda self: app})()})()
    conf["post_fork"](server, None)
    assert engine.pool.checkedin() == 0
    with engine.connect() as conn:
        assert conn.connection.driver_connection is not inherited
    inherited.execute("SELECT 1")  # the parent's connection was left open, not closed
    engine.dispose()


def _two_instances(url: str, tmp_path):
    config = {"DATABASE_URL": url, "SECRET_KEY": "shared", "WTF_CSRF_ENABLED": False,
              "ARGON2_PROFILE": "fast_for_tests", "LOGIN_MAX_FAILURES": 5}
    apps = [create_app(config), create_app(config)]
    for app in apps:
        app.instance_path = str(tmp_path / "instance")
    return apps


@pytest.fixture
def pair(url, tmp_path):
    apps = _two_instances(url, tmp_path)
    with apps[0].test_request_context():
        ulo = Factory().org("ulo")
        staff = Factory().user("ulo_staff", ulo)
    yield apps, staff
    for app in apps:
        app.extensions["coi.engine"].dispose()


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_session_from_one_instance_works_on_the_other_until_signed_out_there(pair):
    (one, two), staff = pair
    first = one.test_client()
    assert first.post("/login", data={"email": staff.email, "password": PASSWORD}) \
        .status_code == 302
    second = two.test_client()
    cookie = first.get_cookie(one.config.get("SESSION_COOKIE_NAME", "session"))
    second.set_cookie(cookie.key, cookie.value)
    assert _signed_in(first) and _signed_in(second)
    second.post("/logout")
    assert not _signed_in(first)


def test_failed_sign_ins_count_across_instances(pair):
    (one, two), staff = pair
    clients = [one.test_client(), two.test_client()]
    for n in range(5):
        wrong = clients[n % 2].post("/login", data={"email": staff.email, "password": "nope"})
        assert wrong.status_code == 422
    right = clients[0].post("/login", data={"email": staff.email, "password": PASSWORD})
    assert right.status_code in (422, 429)
    assert b"Too many attempts" in right.data
    assert not _signed_in(clients[0])
