"""Backup and restore of the whole register, in one portable format for SQLite and PostgreSQL.

A backup is a zip file: one JSON-lines file per table, read in a single consistent snapshot
(SQLite: one read transaction; PostgreSQL: REPEATABLE READ), and a manifest with the schema
revision, each table's row count and SHA-256, and the audit chain's head. Restoring checks all of
that first, rebuilds the schema at the backup's revision, loads every row with its id, upgrades to
this version's schema and verifies the audit chain, all in one transaction: it either restores
everything or changes nothing. A backup made on SQLite restores on PostgreSQL and back.
"""

import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import MetaData, Table, column, func, insert, inspect, select, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel

from coi import audit, migrate
from coi.errors import Conflict, DomainError
from coi.models import utcnow

FORMAT, FORMAT_VERSION = "two-hats-backup", 1
MANIFEST = "manifest.json"
BATCH = 1000


class BackupError(DomainError):
    title = "Backup refused"


@dataclass
class Manifest:
    revision: str
    audit_head: dict
    tables: list[dict] = field(default_factory=list)
    database: str = ""
    created_at: str = ""
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def rows(self) -> dict[str, int]:
        return {t["name"]: t["rows"] for t in self.tables}


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _line(row) -> bytes:
    return json.dumps(dict(row), default=_plain, separators=(",", ":"),
                      ensure_ascii=False).encode() + b"\n"


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one moment of the register."""
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                      postgresql_readonly=True)
    conn.begin()
    return conn


def _readable(tbl: Table):
    """tbl as found in the database, with this version's column types where it has them."""
    model = SQLModel.metadata.tables.get(tbl.name)
    return table(tbl.name, *[column(c.name, model.c[c.name].type
                                    if model is not None and c.name in model.c else c.type)
                             for c in tbl.columns])


def _dump_table(conn: Connection, zf: zipfile.ZipFile, tbl: Table) -> dict:
    name, digest, rows = f"tables/{tbl.name}.jsonl", hashlib.sha256(), 0
    readable = _readable(tbl)
    order = [readable.c[c.name] for c in (tbl.primary_key.columns or tbl.columns)]
    with zf.open(name, "w") as out:
        result = conn.execution_options(yield_per=BATCH).execute(
            select(readable).order_by(*order))
        for row in result.mappings():
            line = _line(row)
            digest.update(line)
            out.write(line)
            rows += 1
    return {"name": tbl.name, "file": name, "rows": rows, "sha256": digest.hexdigest(),
            "columns": [c.name for c in tbl.columns]}


def _tables(conn: Connection) -> list[Table]:
    """Every table of the register as the database has it (at whatever revision it is)."""
    found = MetaData()
    found.reflect(conn)
    return [t for t in found.sorted_tables if t.name != "alembic_version"]


def backup(engine: Engine, path: str | os.PathLike) -> Manifest:
    """Write a consistent copy of the whole register to path (replaced only once complete)."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    conn = _snapshot(engine)
    try:
        revision = migrate.current(conn)
        if revision is None:
            raise BackupError("The database has no register in it to back up.")
        seq, head_hash = audit.head(conn)
        manifest = Manifest(revision=revision, audit_head={"seq": seq, "hash": head_hash},
                            database=conn.dialect.name, created_at=utcnow().isoformat())
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for tbl in _tables(conn):
                manifest.tables.append(_dump_table(conn, zf, tbl))
            zf.writestr(MANIFEST, json.dumps(asdict(manifest), indent=1))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        conn.rollback()
        conn.close()
    os.replace(partial, target)
    return manifest


class Archive:
    """An opened backup whose manifest and every table have been checked."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.zf = zipfile.ZipFile(self.path)
            self.manifest = Manifest(**json.loads(self.zf.read(MANIFEST)))
        except FileNotFoundError:
            raise BackupError(f"There is no file {self.path}.") from None
        except (zipfile.BadZipFile, KeyError, TypeError, ValueError, EOFError) as exc:
            raise BackupError(f"{self.path} is not a complete Two Hats backup: it is damaged, "
                              f"cut short or not a backup at all ({exc}).") from None
        self._check()

    def _refuse(self, why: str):
        raise BackupError(f"{self.path} was changed or damaged after it was made: {why}. "
                          "Nothing was restored.")

    def _check(self) -> None:
        m = self.manifest
        if m.format != FORMAT or m.format_version != FORMAT_VERSION:
            self._refuse(f"it is not a format this version reads ({m.format} {m.format_version})")
        if not migrate.known(m.revision):
            raise BackupError(f"{self.path} was made by a newer version of Two Hats (schema "
                              f"revision {m.revision}). Upgrade Two Hats, then restore it.")
        for entry in m.tables:
            digest, rows = hashlib.sha256(), 0
            try:
                with self.zf.open(entry["file"]) as fh:
                    for line in fh:
                        digest.update(line)
                        rows += 1
            except (KeyError, zipfile.BadZipFile, EOFError, OSError) as exc:
                self._refuse(f"{entry['file']} cannot be read ({exc})")
            if rows != entry["rows"]:
                self._refuse(f"{entry['name']} has {rows} rows, the manifest says {entry['rows']}")
            if digest.hexdigest() != entry["sha256"]:
                self._refuse(f"{entry['name']} does not match its checksum")

    def rows(self, entry: dict) -> Iterator[list[dict]]:
        """The table's rows, a batch at a time."""
        batch = []
        with self.zf.open(entry["file"]) as fh:
            for line in fh:
                batch.append(json.loads(line))
                if len(batch) == BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch


def _decoder(sql_type):
    try:
        kind = getattr(sql_type, "impl", sql_type).python_type
    except NotImplementedError:
        return None
    if kind is datetime:
        return datetime.fromisoformat
    if kind is date:
        return date.fromisoformat
    return None


def _target(conn: Connection, name: str, columns: list[str]):
    """The table to load into, with this version's column types where it has the column."""
    model = SQLModel.metadata.tables.get(name)
    if model is not None and all(c in model.c for c in columns):
        return table(name, *[column(c, model.c[c].type) for c in columns])
    reflected = _readable(Table(name, MetaData(), autoload_with=conn, resolve_fks=False))
    return table(name, *[column(c, reflected.c[c].type) for c in columns])


def _load(conn: Connection, archive: Archive, entry: dict) -> None:
    target = _target(conn, entry["name"], entry["columns"])
    decoders = {c.name: d for c in target.columns if (d := _decoder(c.type))}
    for batch in archive.rows(entry):
        for row in batch:
            for name, decode in decoders.items():
                if row.get(name) is not None:
                    row[name] = decode(row[name])
        conn.execute(insert(target), batch)


def restart_sequences(conn: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not advance."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for tbl in _tables(conn):
        for col in tbl.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": quote(tbl.name), "c": col.name}).scalar()
            if seq:
                top = conn.execute(select(func.max(col))).scalar() or 0
                conn.execute(text("SELECT setval(:s, :v, false)"), {"s": seq, "v": top + 1})


def _row_count(conn: Connection) -> int:
    quote = conn.dialect.identifier_preparer.quote
    return sum(conn.execute(text(f"SELECT COUNT(*) FROM {quote(name)}")).scalar()
               for name in inspect(conn).get_table_names() if name != "alembic_version")


def _drop_everything(conn: Connection) -> None:
    existing = MetaData()
    existing.reflect(conn)
    migrate.drop_audit_triggers(conn)
    existing.drop_all(conn)


def restore(engine: Engine, path: str | os.PathLike, force: bool = False) -> Manifest:
    """Replace the (empty, unless force) register with the backup at path, or change nothing."""
    archive = Archive(path)
    try:
        with migrate.locked(engine) as conn:
            if not force and _row_count(conn):
                raise Conflict("The register is not empty. Restore into an empty database, or "
                               "use --force to replace everything in it with the backup.")
            _drop_everything(conn)
            _rebuild(conn, archive)
    except (SQLAlchemyError, RuntimeError, ValueError) as exc:
        why = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        raise BackupError(f"{archive.path} could not be restored ({why}). "
                          "Nothing was changed.") from exc
    return archive.manifest


def _rebuild(conn: Connection, archive: Archive) -> None:
    """Schema at the backup's revision, every row, then this version's schema; verified."""
    m = archive.manifest
    migrate.upgrade_in(conn, m.revision)
    for entry in m.tables:
        _load(conn, archive, entry)
    restart_sequences(conn)
    migrate.upgrade_in(conn, "head")
    verdict = audit.verify(Session(bind=conn))
    if not verdict.intact or [verdict.head_seq, verdict.head_hash] != \
            [m.audit_head["seq"], m.audit_head["hash"]]:
        raise BackupError(f"The audit history in {archive.path} does not verify "
                          f"({verdict.reason or 'its head is not the one recorded'}). "
                          "Nothing was restored.")
