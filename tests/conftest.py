"""Fixtures: a fresh database per test (SQLite, or PostgreSQL when DATABASE_URL is set), the
app / client / runner, an auth helper, and factories that build records through the services."""

import itertools
import os
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from coi import create_app
from coi.models import User

PG_URL = os.environ.get("DATABASE_URL", "")
ROLES = ("ulo_staff", "ulo_board", "commissioner", "auditor", "admin")
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def _fresh_postgres(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture
def db_url(tmp_path):
    if PG_URL.startswith("postgresql"):
        _fresh_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{tmp_path / 'register.db'}"


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url,
        "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests",
        "SCHEMA_FROM_MODELS": True,  # migrations are tested in tests/test_migrations.py
    })
    app.instance_path = str(tmp_path / "instance")
    yield app
    db_engine = app.extensions["coi.engine"]
    db_engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context, for calling services directly."""
    with app.test_request_context():
        yield


class Auth:
    """Signs a test client in as an account without going through the form."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def login(self, user: User, client=None):
        client = client or self.client
        with client.session_transaction() as sess:
            sess["_user_id"] = f"{user.id}:{user.session_version}"
            sess["_fresh"] = True
        return client

    def login_form(self, email: str, password: str = PASSWORD, client=None):
        client = client or self.client
        return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def make(app):
    """Factories that build records through the services (as the system actor)."""
    from tests import factories
    with app.test_request_context():
        yield factories.Factory()


@pytest.fixture
def world(make):
    """A small register: one ULO and one council with an account of every role, and one of
    each kind of record between them. Returns a dict of names to records."""
    return make.world()


def unique(prefix: str) -> str:
    return f"{prefix} {next(_counter)}"


def today() -> date:
    return date.today()


@pytest.fixture
def board(make, world):
    """The world's R1 flag and a board of three: the board user, Jo (voting) and Sam Patel, who
    took part in the engagement and is on the bid team (so is conflicted)."""
    from sqlalchemy import select

    from coi import db
    from coi.models import Flag
    s = db.session()
    user = s.get(User, world["ulo_board"].id)
    me = make.board_member(world["ulo"], s.get(type(world["person"]), user.person_id))
    jo = make.person(world["ulo"], "Jo Board")
    make.board_member(world["ulo"], jo)
    flag = s.execute(select(Flag).where(Flag.rule == "R1", Flag.ulo_id == world["ulo"].id)
                     ).scalars().one()
    return {"user": user, "me": me.person_id, "jo": jo.id, "sam": world["person"].id,
            "flag": flag, **world}
