"""`flask export-documents DIR` and `flask import-documents DIR`: every revision as Markdown with
front matter, read back idempotently, appended in order, and all-or-nothing when a file was
tampered with or does not fit."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import func, select, update

from coi import create_app, db
from coi.models import Agreement, AuditEvent, Document, Revision
from coi.services import agreements, documents
from tests.factories import Factory

FILLED = "# Working principles\n\nBoth sides share what they learn.\n"


@pytest.fixture
def register(world):
    """Working principles at revision 3, agreed by both sides at revision 2, and a sent
    notification at revision 1."""
    staff = world["ulo_staff"]
    doc = documents.create_document(staff, {"kind": "working_principles",
                                            "ulo_id": world["ulo"].id,
                                            "commissioner_id": world["council"].id})
    documents.add_revision(staff, doc.id, {"markdown": FILLED, "note": "Filled in",
                                           "base_revision": 1})
    agreements.agree(world["ulo_board"], doc.id, 2)
    agreements.agree(world["commissioner"], doc.id, 2)
    documents.add_revision(staff, doc.id, {"markdown": FILLED + "\nAnd review it yearly.\n",
                                           "note": "Yearly review", "base_revision": 2})
    note = documents.create_document(staff, {
        "kind": "political_notification", "arrangement_id": world["arrangement"].id,
        "recipient_name": "Cllr Jo Bloggs", "recipient_role": "Cabinet Member",
        "sent_on": "2025-05-01"})
    return {"doc": doc.id, "note": note.id}


def front_matter(path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def export(runner, folder) -> str:
    result = runner.invoke(args=["export-documents", str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


def counts() -> tuple[int, int, int]:
    s = db.session()
    return tuple(s.execute(select(func.count()).select_from(model)).scalar()
                 for model in (Document, Revision, Agreement))


@pytest.fixture
def fresh(tmp_path):
    """A second, empty register with the same organisations and the same people's accounts,
    as after moving to a new server."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "ARGON2_PROFILE": "fast_for_tests",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
                      "SCHEMA_FROM_MODELS": True})
    app.instance_path = str(tmp_path / "fresh-instance")
    yield app
    app.extensions["coi.engine"].dispose()


def same_world(app, world) -> None:
    with app.test_request_context():
        make = Factory()
        ulo = make.org("ulo", world["ulo"].name)
        council = make.org("commissioner", world["council"].name)
        make.arrangement(ulo, council)
        make.user("ulo_board", ulo, name=world["ulo_board"].name)
        make.user("commissioner", council, name=world["commissioner"].name)


def in_app(app, fn):
    with app.test_request_context():
        return fn()


def run_import(app, folder):
    """The command against that register (the test's own app context would win otherwise)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["import-documents", str(folder)])


def test_export_writes_every_revision_with_front_matter(register, runner, tmp_path, world):
    out = export(runner, tmp_path / "out")
    assert "Wrote 4 revision files" in out
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    doc = register["doc"]
    assert files == [f"document-{doc:04d}-rev-001.md", f"document-{doc:04d}-rev-002.md",
                     f"document-{doc:04d}-rev-003.md",
                     f"document-{register['note']:04d}-rev-001.md"]
    meta, body = front_matter(tmp_path / "out" / files[1])
    assert body == FILLED
    assert meta["sha256"] == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert (meta["document_id"], meta["revision"], meta["note"]) == (doc, 2, "Filled in")
    assert (meta["ulo"], meta["commissioner"]) == (world["ulo"].name, world["council"].name)
    assert meta["author"] == world["ulo_staff"].name and meta["created_at"].endswith("Z")
    assert [(a["side"], a["by"]) for a in meta["agreements"]] == [
        ("ulo", world["ulo_board"].name), ("commissioner", world["commissioner"].name)]
    note, _ = front_matter(tmp_path / "out" / files[3])
    assert (note["recipient_name"], note["sent_on"]) == ("Cllr Jo Bloggs", "2025-05-01")


def test_importing_the_export_into_the_same_register_changes_nothing(register, runner,
                                                                     tmp_path):
    export(runner, tmp_path / "out")
    before = counts(), db.session().execute(select(func.count()).select_from(AuditEvent))
    before = (before[0], before[1].scalar())
    result = runner.invoke(args=["import-documents", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Created 0 documents, 0 revisions and 0 agreements; skipped 4 revisions" in \
        result.output
    after = (counts(), db.session().execute(select(func.count()).select_from(AuditEvent))
             .scalar())
    assert after == before


def test_a_round_trip_into_a_fresh_register_keeps_texts_hashes_and_agreements(
        register, runner, tmp_path, world, fresh):
    export(runner, tmp_path / "out")
    same_world(fresh, world)
    result = run_import(fresh, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Created 2 documents, 4 revisions and 2 agreements" in result.output

    def check():
        doc = db.session().execute(select(Document).where(
            Document.kind == "working_principles")).scalar_one()
        assert doc.current_revision == 3
        revs = db.session().execute(select(Revision).where(Revision.document_id == doc.id)
                                    .order_by(Revision.number)).scalars().all()
        assert revs[1].markdown == FILLED
        assert revs[1].sha256 == hashlib.sha256(FILLED.encode()).hexdigest()
        sides = {a.side for a in db.session().execute(select(Agreement)).scalars()}
        assert sides == {"ulo", "commissioner"}
        note = db.session().execute(select(Document).where(
            Document.kind == "political_notification")).scalar_one()
        assert note.sent_on.isoformat() == "2025-05-01" and note.arrangement_id is not None
        return counts()

    first = in_app(fresh, check)
    again = run_import(fresh, tmp_path / "out")
    assert "Created 0 documents, 0 revisions and 0 agreements" in again.output
    assert in_app(fresh, counts) == first


def test_times_written_with_another_offset_are_imported_as_the_same_moment(
        register, runner, tmp_path, world, fresh):
    export(runner, tmp_path / "out")
    target = tmp_path / "out" / f"document-{register['doc']:04d}-rev-002.md"
    meta, _ = front_matter(target)
    written = datetime.fromisoformat(meta["created_at"])
    local = written.astimezone(timezone(timedelta(hours=1))).isoformat()  # same moment, +01:00
    target.write_text(target.read_text(encoding="utf-8").replace(meta["created_at"], local),
                      encoding="utf-8")
    same_world(fresh, world)
    assert run_import(fresh, tmp_path / "out").exit_code == 0

    def imported():
        rev = db.session().execute(select(Revision).where(Revision.number == 2)).scalars()
        return [r.created_at for r in rev if r.markdown == FILLED][0]

    stored = in_app(fresh, imported)
    assert stored.replace(tzinfo=UTC) == written.astimezone(UTC)


def test_a_tampered_file_is_refused_by_name_and_nothing_is_imported(register, runner, tmp_path,
                                                                    world, fresh):
    export(runner, tmp_path / "out")
    target = tmp_path / "out" / f"document-{register['doc']:04d}-rev-002.md"
    target.write_text(target.read_text().replace("share", "hide"), encoding="utf-8")
    same_world(fresh, world)
    result = run_import(fresh, tmp_path / "out")
    assert result.exit_code == 1
    assert target.name in result.output and "changed since it was exported" in result.output
    assert in_app(fresh, counts) == (0, 0, 0)


def test_a_missing_revision_is_refused_and_nothing_is_imported(register, runner, tmp_path,
                                                               world, fresh):
    export(runner, tmp_path / "out")
    (tmp_path / "out" / f"document-{register['doc']:04d}-rev-002.md").unlink()
    same_world(fresh, world)
    result = run_import(fresh, tmp_path / "out")
    assert result.exit_code == 1 and "revision 2 is missing" in result.output
    assert in_app(fresh, counts) == (0, 0, 0)


def test_later_revisions_are_appended_to_a_document_imported_before(register, runner,
                                                                    tmp_path, world, fresh):
    export(runner, tmp_path / "out")
    partial = tmp_path / "partial"
    partial.mkdir()
    for path in (tmp_path / "out").iterdir():
        if not path.name.endswith("rev-003.md"):
            (partial / path.name).write_bytes(path.read_bytes())
    same_world(fresh, world)
    assert run_import(fresh, partial).exit_code == 0
    result = run_import(fresh, tmp_path / "out")
    assert "Created 0 documents, 1 revisions and 0 agreements; skipped 3 revisions" in \
        result.output
    assert in_app(fresh, counts) == (2, 4, 2)


def test_an_agreement_by_someone_without_an_account_here_is_reported(register, runner,
                                                                     tmp_path, fresh):
    export(runner, tmp_path / "out")

    def orgs_only():
        make = Factory()
        ulo = make.org("ulo", "Riverside Disabled People's Forum")
        make.arrangement(ulo, make.org("commissioner", "Riverside Council"))

    in_app(fresh, orgs_only)
    result = run_import(fresh, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "was not imported: no account of that name" in result.output
    assert "0 agreements; skipped 0 revisions already in the register and 2 agreements" in \
        result.output


def test_an_unknown_organisation_is_refused_naming_the_file(register, runner, tmp_path, fresh):
    export(runner, tmp_path / "out")
    result = run_import(fresh, tmp_path / "out")
    assert result.exit_code == 1
    assert "There is no ULO called \"Riverside Disabled People's Forum\"" in result.output


def test_export_refuses_a_revision_whose_stored_text_no_longer_matches(register, runner,
                                                                       tmp_path):
    with db.write_session() as s:
        s.execute(update(Revision).where(Revision.document_id == register["doc"],
                                         Revision.number == 2).values(markdown="Changed"))
        s.commit()
    result = runner.invoke(args=["export-documents", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "does not match its recorded SHA-256" in result.output
