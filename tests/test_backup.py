"""`flask backup` and `flask restore`: a consistent copy of the whole register that restores into
an empty database on either backend with every row and the same verifiable audit chain, and a
restore that refuses a damaged or changed backup without touching the database."""

import json
import os
import shutil
import subprocess
import threading
import zipfile

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

from coi import audit, create_app, db, migrate
from coi.services import backup
from tests import backends
from tests.factories import Factory
from tests.test_migrations import _earlier_register


def _app(url, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                      "ARGON2_PROFILE": "fast_for_tests", "WTF_CSRF_ENABLED": False})
    app.instance_path = str(tmp_path / "instance")
    return app


@pytest.fixture
def opened():
    """Apps opened by a test, closed at its end (PostgreSQL cannot be emptied while in use)."""
    apps = []
    yield apps
    for app in apps:
        app.extensions["coi.engine"].dispose()


def _register(url, tmp_path, opened):
    app = _app(url, tmp_path)
    opened.append(app)
    with app.test_request_context():
        Factory().world()
    return app


def _contents(engine) -> dict:
    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(
            select(t).order_by(*t.primary_key.columns)).mappings()]
            for t in SQLModel.metadata.sorted_tables}


def _verdict(app):
    with Session(app.extensions["coi.engine"]) as s:
        return audit.verify(s)


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("backend", backends.BACKENDS)
def test_backup_restores_into_a_fresh_database_with_every_row_and_the_same_chain(
        backend, tmp_path, opened):
    source = _register(backends.fresh_url(backend, tmp_path, "source"), tmp_path, opened)
    before, head = _contents(source.extensions["coi.engine"]), _verdict(source)
    file = tmp_path / "register.zip"
    made = _run(source, "backup", str(file))
    assert made.exit_code == 0, made.output
    assert f"hash {head.head_hash}" in made.output
    source.extensions["coi.engine"].dispose()

    target = _app(backends.fresh_url(backend, tmp_path, "target"), tmp_path)
    opened.append(target)
    done = _run(target, "restore", str(file))
    assert done.exit_code == 0, done.output
    assert _contents(target.extensions["coi.engine"]) == before
    after = _verdict(target)
    assert after.intact and (after.head_seq, after.head_hash) == (head.head_seq, head.head_hash)


def test_backup_made_on_sqlite_restores_on_postgresql(tmp_path, opened):
    pg_url = backends.postgres_url()
    source = _register(backends.fresh_url("sqlite", tmp_path), tmp_path, opened)
    before = _contents(source.extensions["coi.engine"])
    backup.backup(source.extensions["coi.engine"], tmp_path / "move.zip")
    target = _app(backends.fresh_url("postgresql", tmp_path), tmp_path)
    opened.append(target)
    assert target.extensions["coi.engine"].url.render_as_string(False) == pg_url
    assert _run(target, "restore", str(tmp_path / "move.zip")).exit_code == 0
    assert _contents(target.extensions["coi.engine"]) == before
    assert _verdict(target).intact


@pytest.mark.parametrize("backend", backends.BACKENDS)
def test_restored_register_takes_new_records_and_extends_the_chain(backend, tmp_path, opened):
    source = _register(backends.fresh_url(backend, tmp_path, "source"), tmp_path, opened)
    backup.backup(source.extensions["coi.engine"], tmp_path / "r.zip")
    source.extensions["coi.engine"].dispose()
    target = _app(backends.fresh_url(backend, tmp_path, "target"), tmp_path)
    opened.append(target)
    backup.restore(target.extensions["coi.engine"], tmp_path / "r.zip")
    with target.test_request_context():
        org = Factory().org()
    assert org.id is not None
    assert _verdict(target).intact


def test_restore_refuses_a_register_that_is_not_empty_unless_forced(tmp_path, opened):
    first = _register(backends.fresh_url("sqlite", tmp_path, "a"), tmp_path, opened)
    backup.backup(first.extensions["coi.engine"], tmp_path / "a.zip")
    other = _register(backends.fresh_url("sqlite", tmp_path, "b"), tmp_path, opened)
    other_rows = _contents(other.extensions["coi.engine"])
    refused = _run(other, "restore", str(tmp_path / "a.zip"))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert _contents(other.extensions["coi.engine"]) == other_rows
    forced = _run(other, "restore", "--force", str(tmp_path / "a.zip"))
    assert forced.exit_code == 0, forced.output
    assert _contents(other.extensions["coi.engine"]) == _contents(first.extensions["coi.engine"])


def _rewrite(src, dst, change) -> None:
    """Copy a backup, letting change(name, data) alter each member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, change(name, zin.read(name)))


@pytest.fixture
def made(tmp_path, opened):
    """A backup of a small register, and an empty register to restore into."""
    source = _register(backends.fresh_url("sqlite", tmp_path, "source"), tmp_path, opened)
    backup.backup(source.extensions["coi.engine"], tmp_path / "good.zip")
    target = _app(backends.fresh_url("sqlite", tmp_path, "target"), tmp_path)
    opened.append(target)
    return tmp_path / "good.zip", target


def _assert_refused(target, file, words):
    result = _run(target, "restore", str(file))
    assert result.exit_code == 1
    assert words in result.output and "Traceback" not in result.output
    assert not any(_contents(target.extensions["coi.engine"]).values())


def test_restore_refuses_a_backup_cut_short(made, tmp_path):
    good, target = made
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _assert_refused(target, cut, "is not a complete Two Hats backup")


def test_restore_refuses_a_backup_with_a_changed_row(made, tmp_path):
    good, target = made
    bad = tmp_path / "changed.zip"
    _rewrite(good, bad, lambda name, data: data.replace(b"Riverside", b"Lakeside")
             if name == "tables/organisation.jsonl" else data)
    _assert_refused(target, bad, "organisation does not match its checksum")


def test_restore_refuses_a_backup_with_a_missing_row(made, tmp_path):
    good, target = made
    bad = tmp_path / "short.zip"
    _rewrite(good, bad, lambda name, data: b"".join(data.splitlines(True)[1:])
             if name == "tables/engagement.jsonl" else data)
    _assert_refused(target, bad, "engagement has")


def test_restore_refuses_rewritten_history_even_with_a_matching_manifest(made, tmp_path):
    good, target = made
    bad = tmp_path / "forged.zip"
    with zipfile.ZipFile(good) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        events = zf.read("tables/auditevent.jsonl").replace(b'"system"', b'"someone else"', 1)
    entry = next(t for t in manifest["tables"] if t["name"] == "auditevent")
    import hashlib
    entry["sha256"] = hashlib.sha256(events).hexdigest()
    _rewrite(good, bad, lambda name, data: {
        "manifest.json": json.dumps(manifest).encode(),
        "tables/auditevent.jsonl": events}.get(name, data))
    _assert_refused(target, bad, "does not verify")


def test_backup_taken_while_others_write_is_consistent(tmp_path, opened):
    source = _register(backends.fresh_url("sqlite", tmp_path, "busy"), tmp_path, opened)
    stop, factory = threading.Event(), Factory()

    def keep_writing():
        with source.test_request_context():
            while not stop.is_set():
                factory.org()
                db.session().close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        manifest = backup.backup(source.extensions["coi.engine"], tmp_path / "busy.zip")
    finally:
        stop.set()
        writer.join()
    target = _app(backends.fresh_url("sqlite", tmp_path, "calm"), tmp_path)
    opened.append(target)
    backup.restore(target.extensions["coi.engine"], tmp_path / "busy.zip")
    restored = _verdict(target)
    assert restored.intact and restored.head_seq == manifest.audit_head["seq"]
    assert manifest.rows()["auditevent"] == restored.count


@pytest.mark.parametrize("backend", backends.BACKENDS)
def test_backup_from_an_earlier_version_restores_and_upgrades(backend, tmp_path):
    old = db.make_engine(backends.fresh_url(backend, tmp_path, "old"))
    expected = _earlier_register(old)
    backup.backup(old, tmp_path / "old.zip")
    old.dispose()
    new = db.make_engine(backends.fresh_url(backend, tmp_path, "new"))
    try:
        manifest = backup.restore(new, tmp_path / "old.zip")
        assert manifest.revision == migrate.BASELINE
        with Session(new) as s:
            assert migrate.current(s.connection()) == migrate.head()
            assert audit.verify(s).head_seq == expected["head"][0]
    finally:
        new.dispose()


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/lib/postgresql/15/bin")
    if found:
        return found
    if os.environ.get("COI_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{name} is needed for the documented pg_dump route")
    pytest.skip(f"needs {name}")


def test_pg_dump_route_restores_a_register_whose_chain_verifies(tmp_path, opened):
    url = backends.fresh_url("postgresql", tmp_path)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    source = _register(url, tmp_path, opened)
    before, head = _contents(source.extensions["coi.engine"]), _verdict(source)
    source.extensions["coi.engine"].dispose()
    dump = tmp_path / "register.dump"
    subprocess.run([_pg_tool("pg_dump"), "--format=custom", f"--file={dump}", plain],
                   check=True)
    backends.empty_postgres(url)
    subprocess.run([_pg_tool("pg_restore"), "--no-owner", f"--dbname={plain}", str(dump)],
                   check=True)
    target = _app(url, tmp_path)
    opened.append(target)
    assert _contents(target.extensions["coi.engine"]) == before
    verified = _run(target, "audit", "verify")
    assert verified.exit_code == 0 and head.head_hash in verified.output
    with pytest.raises(Exception, match="append-only"), \
            target.extensions["coi.engine"].begin() as conn:
        conn.execute(text("DELETE FROM auditevent"))
