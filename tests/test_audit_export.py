"""The history exported as JSON or CSV verifies away from the app with tools/verify_audit.py, a
standard-library script; a tampered copy fails, naming the first broken event."""

import ast
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from coi import audit, db
from coi.models import AuditEvent
from coi.services import declarations
from coi.services.history import event_public

TOOL = Path(__file__).resolve().parent.parent / "tools" / "verify_audit.py"
RISKY_NAME = "=HYPERLINK(\"http://evil.example\")"


def run_tool(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def register(world, make):
    """A register whose events hold text a spreadsheet would run, and non-ASCII text."""
    person = make.person(world["ulo"], RISKY_NAME)
    for text in ("+44 20 7946 0000 lunch", "-5% discount", "@mention", "'quoted' note",
                 "Zoë's ✓ café", "line one\nline two, with a comma"):
        declarations.record_declaration(None, {
            "person_id": person.id, "category": "indirect", "description": text,
            "arose_on": "2026-01-05"})
    return audit.head(db.session())


def export(runner, tmp_path, fmt: str) -> Path:
    path = tmp_path / f"history.{fmt}"
    result = runner.invoke(args=["audit", "export", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_export_verifies_away_from_the_app(register, runner, tmp_path, fmt):
    seq, digest = register
    path = export(runner, tmp_path, fmt)
    result = run_tool(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"INTACT: {seq} events, head event {seq}, hash {digest}."
    assert run_tool(path, "--head", f"{seq}:{digest}").returncode == 0


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_head_that_does_not_match_the_minutes_fails(register, runner, tmp_path, fmt):
    seq, _ = register
    path = export(runner, tmp_path, fmt)
    result = run_tool(path, "--head", f"{seq}:{'0' * 64}")
    assert result.returncode == 1 and f"event {seq} has hash" in result.stdout
    result = run_tool(path, "--head", f"{seq + 5}:{'0' * 64}")
    assert result.returncode == 1 and f"stops before event {seq + 5}" in result.stdout


def test_an_edited_json_export_fails_naming_the_event(register, runner, tmp_path):
    path = export(runner, tmp_path, "json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["events"][4]["actor"] = "someone.else@example.org"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run_tool(path)
    assert result.returncode == 1
    assert result.stdout.startswith("BROKEN at event 5: event 5 was changed after it was "
                                    "written.")


@pytest.mark.parametrize("change, message", [
    (lambda events: events.pop(2), "BROKEN at event 3: event 3 is missing (found 4 next)"),
    (lambda events: events.insert(3, events.pop(4)),
     "BROKEN at event 4: event 4 is missing (found 5 next)"),
], ids=["deleted", "reordered"])
def test_a_json_export_with_an_event_removed_or_moved_fails(register, runner, tmp_path, change,
                                                            message):
    path = export(runner, tmp_path, "json")
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["events"])
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run_tool(path)
    assert result.returncode == 1 and result.stdout.startswith(message)


def test_the_csv_export_is_safe_in_a_spreadsheet_and_still_verifies(register, runner,
                                                                    tmp_path):
    path = export(runner, tmp_path, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["seq", "at", "actor", "action", "entity", "entity_id", "before",
                        "after", "prev_hash", "hash"]
    assert not any(cell[:1] in ("=", "+", "-", "@") for row in table for cell in row)
    edited = raw.decode("utf-8-sig").replace("Zoë's ✓ café", "Zoe's cafe")
    tampered = tmp_path / "tampered.csv"
    tampered.write_text(edited, encoding="utf-8-sig")
    result = run_tool(tampered)
    assert result.returncode == 1 and "was changed after it was written" in result.stdout


def test_the_web_exports_are_the_same_verifiable_chain(register, client, auth, world, tmp_path):
    auth.login(world["auditor"])
    seq, digest = register
    for fmt, mimetype in (("json", "application/json"), ("csv", "text/csv")):
        answer = client.get(f"/history/export.{fmt}")
        assert answer.mimetype == mimetype
        assert "attachment" in answer.headers["Content-Disposition"]
        path = tmp_path / f"web.{fmt}"
        path.write_bytes(answer.get_data())
        result = run_tool(path, "--head", f"{seq}:{digest}")
        assert result.returncode == 0, result.stdout
    document = json.loads((tmp_path / "web.json").read_text(encoding="utf-8"))
    assert document["head"] == {"seq": seq, "hash": digest}
    assert document["format"] == "two-hats-audit-export"


def test_a_file_that_is_not_an_export_cannot_be_read(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("{not json", encoding="utf-8")
    result = run_tool(path)
    assert result.returncode == 2 and "Cannot read" in result.stderr
    assert run_tool(tmp_path / "missing.csv").returncode == 2


def test_the_verifier_uses_only_the_standard_library():
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names)
    assert "coi" not in imported


def test_the_verifier_and_the_app_hash_alike(register):
    """The same events give the same verdict in the app (coi.audit) and in the script."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("verify_audit", TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    events = [event_public(e) for e in db.session().execute(
        select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert all(tool.event_hash(e["prev_hash"], e) == e["hash"] for e in events)
    events[3] = {**events[3], "after": {"forged": True}}
    intact, _, _, _, broken, _ = tool.verify(events)
    as_objects = [type("E", (), e) for e in events]
    assert (intact, broken) == (False, 4) == (audit.verify_events(as_objects).intact,
                                              audit.verify_events(as_objects).broken_seq)
