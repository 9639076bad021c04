"""A synthetic national-scale register, inserted in bulk with SQLAlchemy Core.

Shaped like the real thing rather than uniform noise: ULOs and bodies sit in regions; each ULO
works mostly with three bodies of its region (and their commissioning partners); its
engagements and bids spread over fifteen years; it speaks and bids on a few service areas of
its own, so that the rules find real but not universal overlaps. Every row is made from one
seeded random generator, so a size and a seed always give the same register.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from coi import vocab
from coi.models import (
    Agreement,
    Arrangement,
    Bid,
    BoardMember,
    Declaration,
    Document,
    Engagement,
    Income,
    Opportunity,
    Organisation,
    Partnership,
    PartnershipMember,
    Person,
    User,
)

AREAS = list(vocab.SERVICE_AREAS)
INFLUENCE = (["informed"] * 3 + ["consulted"] * 4 + ["co-designed"] * 2 + ["drafted"])
ROUTES = ["open"] * 6 + ["restricted", "restricted", "single_source", "reserved", "grant",
                         "framework_call_off"]
STATUSES = ["considering", "submitted", "submitted", "won", "lost", "lost", "withdrawn"]
CATEGORIES = ["financial", "non_financial_professional", "non_financial_personal",
              "indirect", "nil", "nil", "gift_hospitality"]
FIRST, LAST = date(2011, 4, 1), date(2026, 3, 31)
PEOPLE_PER_ULO, BOARD_PER_ULO = 8, 6
CHUNK = 5000


@dataclass
class Sizes:
    ulos: int = 650
    bodies: int = 200
    partnerships: int = 30
    engagements: int = 200_000
    opportunities: int = 80_000
    bids: int = 150_000

    def scaled(self, factor: float) -> "Sizes":
        return Sizes(*(max(1, round(getattr(self, f) * factor)) for f in
                       ("ulos", "bodies", "partnerships", "engagements", "opportunities",
                        "bids")))


class Register:
    """The rows of one synthetic register, table by table, with explicit ids."""

    def __init__(self, sizes: Sizes, seed: int = 1):
        self.sizes, self.rnd = sizes, random.Random(seed)
        self.tables: dict = {}
        self.ulos = list(range(1, sizes.ulos + 1))
        self.bodies = list(range(sizes.ulos + 1, sizes.ulos + sizes.bodies + 1))
        regions = max(1, sizes.bodies // 6)
        self.region_of = {b: i % regions for i, b in enumerate(self.bodies)}
        by_region: dict[int, list[int]] = {}
        for body, region in self.region_of.items():
            by_region.setdefault(region, []).append(body)
        self.home = {u: self.rnd.sample(by_region[i % regions],
                                        min(3, len(by_region[i % regions])))
                     for i, u in enumerate(self.ulos)}
        self.interests = {u: self.rnd.sample(AREAS, 3) for u in self.ulos}
        self.people = {u: list(range((u - 1) * PEOPLE_PER_ULO + 1, u * PEOPLE_PER_ULO + 1))
                       for u in self.ulos}
        self._organisations(by_region)
        self._people_and_boards()
        self._engagements()
        self._opportunities_and_bids()
        self._arrangements_and_documents()
        self._income_and_declarations()

    def day(self, start: date = FIRST, end: date = LAST) -> date:
        return start + timedelta(days=self.rnd.randrange((end - start).days + 1))

    def _organisations(self, by_region) -> None:
        orgs = [{"id": u, "kind": "ulo", "name": f"ULO {u}", "localities": [f"Area {u % 97}"]}
                for u in self.ulos]
        orgs += [{"id": b, "kind": "commissioner", "name": f"Body {b}",
                  "localities": [f"Area {b % 97}"]} for b in self.bodies]
        self.tables[Organisation] = orgs
        regions = sorted(by_region)
        partnerships, members = [], []
        for p in range(1, self.sizes.partnerships + 1):
            pool = by_region[regions[p % len(regions)]]
            chosen = self.rnd.sample(pool, min(len(pool), self.rnd.choice((2, 2, 3))))
            if len(chosen) < 2:
                continue
            partnerships.append({"id": p, "name": f"Joint commissioning {p}"})
            members += [{"partnership_id": p, "organisation_id": b} for b in chosen]
        self.tables[Partnership], self.tables[PartnershipMember] = partnerships, members
        self.tables[User] = [{"id": 1, "email": "bench@example.org", "name": "Bench",
                              "role": "admin", "password_hash": "-", "active": True,
                              "recovery_codes": [], "session_version": 1,
                              "created_at": datetime(2025, 1, 1, tzinfo=UTC)}]

    def _people_and_boards(self) -> None:
        self.tables[Person] = [{"id": p, "name": f"Person {p}", "organisation_id": u}
                               for u in self.ulos for p in self.people[u]]
        self.tables[BoardMember] = [
            {"ulo_id": u, "person_id": p, "voting": self.rnd.random() < 0.9,
             "from_constituency": self.rnd.random() < 0.85,
             "started_on": self.day(date(2015, 1, 1)), "ended_on": None}
            for u in self.ulos for p in self.people[u][:BOARD_PER_ULO]]

    def _body_for(self, ulo: int) -> int:
        return (self.rnd.choice(self.home[ulo]) if self.rnd.random() < 0.9
                else self.rnd.choice(self.bodies))

    def _engagements(self) -> None:
        rows = []
        for i in range(1, self.sizes.engagements + 1):
            ulo = self.rnd.choice(self.ulos)
            started = self.day()
            areas = self.rnd.sample(self.interests[ulo], self.rnd.choice((1, 1, 2)))
            rows.append({
                "id": i, "ulo_id": ulo, "commissioner_id": self._body_for(ulo),
                "title": f"Engagement {i}", "question": "", "purposes": ["consultation"],
                "influence": self.rnd.choice(INFLUENCE), "service_areas": areas,
                "localities": [f"Area {ulo % 97}"] if self.rnd.random() < 0.5 else [],
                "started_on": started,
                "ended_on": (None if self.rnd.random() < 0.03
                             else started + timedelta(days=self.rnd.randrange(7, 270))),
                "participant_ids": self.rnd.sample(self.people[ulo], self.rnd.randrange(0, 3)),
                "notes": "",
                "withdrawn_at": (datetime(2026, 1, 1, tzinfo=UTC) if self.rnd.random() < 0.02
                                 else None)})
        self.tables[Engagement] = rows

    def _opportunities_and_bids(self) -> None:
        opps, by_body = [], {}
        for i in range(1, self.sizes.opportunities + 1):
            body = self.rnd.choice(self.bodies)
            published = self.day(FIRST + timedelta(days=180))
            opps.append({
                "id": i, "commissioner_id": body, "title": f"Opportunity {i}",
                "reference": f"REF-{i}", "service_areas": self.rnd.sample(
                    AREAS, self.rnd.choice((1, 1, 2))),
                "localities": [f"Area {body % 97}"], "route": self.rnd.choice(ROUTES),
                "value_pence": min(int(self.rnd.lognormvariate(11.5, 1.3)), 9_000_000) * 100,
                "published_on": published, "closes_on": published + timedelta(days=30),
                "withdrawn_at": (datetime(2026, 1, 1, tzinfo=UTC) if self.rnd.random() < 0.02
                                 else None)})
            by_body.setdefault(body, []).append(opps[-1])
        self.tables[Opportunity] = opps
        self.tables[Bid] = self._bids(by_body)

    def _bids(self, by_body) -> list[dict]:
        rows, taken, tries = [], set(), 0
        while len(rows) < self.sizes.bids and tries < 50 * self.sizes.bids:
            tries += 1  # a tiny register may have fewer (ULO, opportunity) pairs than bids
            ulo = self.rnd.choice(self.ulos)
            pool = by_body.get(self._body_for(ulo))
            if not pool:
                continue
            opp = self.rnd.choice(pool)
            if (ulo, opp["id"]) in taken:
                continue
            taken.add((ulo, opp["id"]))
            status = self.rnd.choice(STATUSES)
            submitted = (opp["published_on"] + timedelta(days=self.rnd.randrange(1, 30))
                         if status in ("submitted", "won", "lost") else None)
            rows.append({"id": len(rows) + 1, "ulo_id": ulo, "opportunity_id": opp["id"],
                         "status": status, "submitted_on": submitted,
                         "team_ids": self.rnd.sample(self.people[ulo],
                                                     self.rnd.randrange(0, 3))})
        return rows

    def _arrangements_and_documents(self) -> None:
        arrangements, documents, agreements = [], [], []
        for ulo in self.ulos:
            for body in self.home[ulo][:2]:
                started = self.day(date(2016, 1, 1), date(2025, 6, 1))
                arrangements.append({
                    "id": len(arrangements) + 1, "ulo_id": ulo, "commissioner_id": body,
                    "kind": self.rnd.choice(("formal", "informal")),
                    "description": "Partnership board seat", "started_on": started,
                    "ended_on": (self.day(started, LAST) if self.rnd.random() < 0.3
                                 else None)})
                if self.rnd.random() < 0.6:
                    documents.append(self._document(ulo, body, "political_notification",
                                                    len(documents) + 1, arrangements[-1]))
            for body in self.home[ulo]:
                if self.rnd.random() < 0.5:
                    documents.append(self._document(ulo, body, "working_principles",
                                                    len(documents) + 1))
                    sides = ("ulo", "commissioner") if self.rnd.random() < 0.7 else ("ulo",)
                    agreements += [{"id": len(agreements) + n + 1,
                                    "document_id": documents[-1]["id"], "revision": 1,
                                    "sha256": "0" * 64, "side": side, "user_id": 1,
                                    "by": "Bench", "at": datetime(2025, 1, 1, tzinfo=UTC)}
                                   for n, side in enumerate(sides)]
        self.tables[Arrangement], self.tables[Document] = arrangements, documents
        self.tables[Agreement] = agreements

    def _document(self, ulo, body, kind, doc_id, arrangement=None) -> dict:
        return {"id": doc_id, "kind": kind, "title": f"{kind} {ulo}-{body}", "ulo_id": ulo,
                "commissioner_id": body, "current_revision": 1,
                "arrangement_id": arrangement["id"] if arrangement else None,
                "sent_on": self.day(date(2023, 1, 1)) if arrangement else None}

    def _income_and_declarations(self) -> None:
        income = []
        for ulo in self.ulos:
            for year in ("2023-24", "2024-25", "2025-26"):
                for source in [*self.home[ulo], None]:
                    income.append({
                        "id": len(income) + 1, "ulo_id": ulo, "source_id": source,
                        "source_name": f"Body {source}" if source else "Donations",
                        "financial_year": year,
                        "amount_pence": self.rnd.randrange(1_000, 200_000) * 100})
        self.tables[Income] = income
        declarations = []
        for ulo in self.ulos:
            for person in self.people[ulo]:
                for _ in range(self.rnd.choice((0, 1, 1, 2))):
                    arose = self.day(date(2023, 1, 1))
                    category = self.rnd.choice(CATEGORIES)
                    declarations.append({
                        "id": len(declarations) + 1, "person_id": person,
                        "category": category, "description": "Interest",
                        "organisation_id": (self.rnd.choice(self.home[ulo])
                                            if category == "gift_hospitality" else None),
                        "arose_on": arose,
                        "declared_on": min(LAST, arose + timedelta(
                            days=self.rnd.choice((3, 10, 20, 45, 120)))),
                        "value_pence": 3000 if category == "gift_hospitality" else None,
                        "gift_decision": "accepted" if category == "gift_hospitality"
                        else None})
        self.tables[Declaration] = declarations

    def insert(self, engine) -> dict[str, int]:
        """Write every table in one transaction per table; returns the row counts."""
        counts = {}
        for model, rows in self.tables.items():
            with engine.begin() as conn:
                for start in range(0, len(rows), CHUNK):
                    conn.execute(insert(model.__table__), rows[start:start + CHUNK])
            counts[model.__tablename__] = len(rows)
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences on
            with engine.begin() as conn:
                for model in self.tables:
                    table = model.__table__
                    if "id" in table.c and table.c.id.autoincrement:
                        conn.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM \"{table.name}\"))")
        return counts


def settle(engine) -> None:
    """A bulk-loaded PostgreSQL register as autovacuum leaves it soon after: its statistics
    gathered and its visibility map set, so no autovacuum runs while a benchmark times it
    (SQLite is left alone: a register there never runs ANALYZE, and its indexes are chosen for
    that)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
