"""Several processes at once: the production server (gunicorn, three workers) on SQLite and on
PostgreSQL takes concurrent engagements, bids, opportunities, documents, revisions and decisions
through the API and loses nothing, raises no flag twice, lets exactly one of two racing writers
win, never tells anyone the database is locked, and leaves an audit chain that verifies; a write
sees what other workers saved; and two app instances on one database behave as one (sessions,
sign-out, throttling)."""

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import func, select
from sqlmodel import Session

from coi import ROOT, audit, create_app, db
from coi.models import Bid, Decision, Document, Engagement, Flag, Opportunity, Revision
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
        # Every request has been answered; a graceful stop (TERM) lets a worker finish writing
        # a response whose client stopped reading, where INT would interrupt it mid-write.
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=60)
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
        board_ids = [board.person_id] + [make.person(ulo).id for _ in range(2)]
        for person_id in board_ids:
            make.board_member(ulo, SimpleNamespace(id=person_id))
        opportunities = [make.opportunity(council).id for _ in range(WRITES)]
        tokens = {u.role: users.issue_token(None, u.id, "concurrency")
                  for u in (staff, board, commissioner)}
    app.extensions["coi.engine"].dispose()
    return {"ulo": ulo.id, "council": council.id, "opportunities": opportunities,
            "tokens": tokens, "board": board_ids}


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
        out.append(("ulo_staff", "/api/v1/documents", {
            "kind": "working_principles", "title": f"Working principles {n}", "ulo_id": ulo,
            "commissioner_id": council, "markdown": "# Principles\n\nDraft 1.", "note": ""}))
    return out


def _send(base: str, tokens: dict, write) -> tuple[int, str]:
    role, path, body = write
    response = requests.post(base + path, json=body, timeout=60,
                             headers={"Authorization": f"Bearer {tokens[role]}"})
    return response.status_code, response.text


def _all_at_once(base: str, tokens: dict, writes) -> list[tuple[int, str]]:
    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(lambda w: _send(base, tokens, w), writes))


def _revise(base: str, tokens: dict, doc_id: int) -> list[tuple[int, str]]:
    """Three revisions of one document in turn, each on top of the last."""
    return [_send(base, tokens, ("ulo_staff", f"/api/v1/documents/{doc_id}/revisions", {
        "markdown": f"# Principles\n\nDraft {n}.", "note": f"draft {n}",
        "base_revision": n - 1})) for n in (2, 3, 4)]


def _decision(seed: dict) -> dict:
    return {"outcome": "no_conflict", "rationale": "The engagement was general consultation.",
            "present_ids": seed["board"], "quorate": True,
            "decided_on": date.today().isoformat()}


def _second_round(server, seed: dict, documents: list[int]) -> tuple[list, list]:
    """Revisions of every document and decisions on ten open flags, all at once; then two
    writers racing for one revision and for one decision: exactly one of each may win."""
    tokens = seed["tokens"]
    flags = requests.get(f"{server.base}/api/v1/flags?status=open&rule=R1&per_page=11",
                         headers={"Authorization": f"Bearer {tokens['ulo_board']}"},
                         timeout=60).json()["items"]
    assert len(flags) == 11, "the rules raised no flags to decide"
    decide = [("ulo_board", f"/api/v1/flags/{f['id']}/decisions", _decision(seed))
              for f in flags[:10]]
    with ThreadPoolExecutor(max_workers=12) as pool:
        revised = pool.map(lambda d: _revise(server.base, tokens, d), documents)
        decided = pool.map(lambda w: _send(server.base, tokens, w), decide)
        answers = [a for chain in revised for a in chain] + list(decided)
    race = [("ulo_staff", f"/api/v1/documents/{documents[0]}/revisions",
             {"markdown": f"# Principles\n\nRace {n}.", "base_revision": 4}) for n in (1, 2)]
    race += [("ulo_board", f"/api/v1/flags/{flags[10]['id']}/decisions", _decision(seed))] * 2
    raced = _all_at_once(server.base, tokens, race)
    return answers, raced


def _count(s, model) -> int:
    return s.execute(select(func.count()).select_from(model)).scalar()


def _assert_register(url: str) -> None:
    eng = db.make_engine(url)
    try:
        with Session(eng) as s:
            assert [_count(s, m) for m in (Engagement, Bid, Opportunity, Document)] == \
                [WRITES, WRITES, 2 * WRITES, WRITES]
            assert _count(s, Revision) == 4 * WRITES + 1
            assert set(s.execute(select(Document.current_revision)).scalars()) == {4, 5}
            assert _count(s, Decision) == 11
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
        first = _all_at_once(server.base, seed["tokens"], _writes(seed))
        documents = [json.loads(body)["id"] for status, body in first
                     if status == 201 and '"current_revision"' in body]
        second, raced = _second_round(server, seed, documents)
    finally:
        log = server.stop()
    answers = first + second
    assert [a for a in answers if a[0] not in (200, 201)] == []
    assert sorted(status for status, _ in raced) == [201, 201, 409, 409], [
        (status, body[:60]) for status, body in raced]
    assert not any("locked" in body for _, body in answers + raced)
    assert "database is locked" not in log and "Traceback" not in log, log
    _assert_register(url)


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


def test_a_write_sees_what_another_worker_saved_after_this_request_read_the_record(app, make):
    from sqlalchemy import update

    from coi.models import AuditEvent
    from coi.services import base, engagements
    ulo, council = make.org("ulo"), make.org("commissioner")
    record_id = make.engagement(ulo, council, title="Reference group").id
    with app.test_request_context():
        seen = base.get_record(engagements.ENGAGEMENTS, None, record_id)  # this request read it
        with db.engine().begin() as conn:  # another worker renames it meanwhile
            conn.execute(update(Engagement).where(Engagement.id == record_id)
                         .values(title="Reference group (renamed)"))
        changed = base.update_record(engagements.ENGAGEMENTS, None, record_id,
                                     {"notes": "Minutes shared"})
        assert changed is seen and changed.title == "Reference group (renamed)"
        event = db.session().execute(select(AuditEvent).where(
            AuditEvent.action == "engagement.update", AuditEvent.entity_id == record_id)
        ).scalar_one()
        assert event.before["title"] == event.after["title"] == "Reference group (renamed)"
        assert (event.before["notes"], event.after["notes"]) == ("", "Minutes shared")
