"""Build a big register for the HTTP benchmark: the demo, scaled up with bulk inserts.

    .venv/bin/python bench/scale_register.py --url sqlite:////tmp/big.db
    .venv/bin/python bench/scale_register.py --url postgresql+psycopg://postgres@127.0.0.1/big \
        --engagements 100000 --bids 50000 --replace

The demo register (`flask demo`) is loaded through the services; then about 650 ULOs and 80
commissioning bodies, their people, and the engagements, opportunities and bids are inserted in
bulk (ULOs work mostly with a few bodies, so the rules find real overlaps), the rules are run
over the whole register (`flask recompute`'s service) to raise the flags, and two accounts are
made for the benchmark (an auditor, and staff of one ULO). Bulk rows have no audit events: the
chain covers the demo and the flags, and still verifies. Prints a JSON summary as its last line.
"""

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.synthetic import settle  # noqa: E402
from coi import create_app, vocab  # noqa: E402
from coi.models import (  # noqa: E402
    Bid,
    Engagement,
    Opportunity,
    Organisation,
    Person,
)

PLACES = ["Brackenfield", "Ashby Vale", "Harbourside", "Northmoor", "Eastwick", "Kingsmere",
          "Oldbridge", "Westholme", "Ravensmoor", "Calder Ford", "Millbrook", "Stanton Hale"]
ULO_KINDS = ["Disabled People's Forum", "Carers' Centre", "Older People's Forum",
             "Deaf Voice", "Mental Health Network", "Independent Living Centre"]
BODY_KINDS = ["Borough Council", "City Council", "County Council", "District Council",
              "Integrated Care Board"]
ENGAGEMENT_TITLES = ["Drafting the {} specification", "Co-designing the {} offer",
                     "Reference group on {}", "Consultation on {}", "Needs assessment for {}"]
OPPORTUNITY_TITLES = ["{} service 2026 to 2029", "{} for carers", "{} framework call-off",
                      "{} grant round"]
FIRST = ["Amira", "Joseph", "Priya", "Tom", "Grace", "Ruth", "Kwame", "Helen", "Margaret",
         "Lewis", "Nadia", "Owen", "Farah", "Sandra", "Arthur", "Leanne"]
LAST = ["Khan", "Okafor", "Raman", "Hughes", "Liu", "Adebayo", "Asante", "Doyle", "Ellis",
        "Carter", "Hussain", "Parry", "Malik", "Mensah", "Webb", "Fraser"]
CHUNK = 5000


def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="DATABASE_URL of the register to build")
    p.add_argument("--ulos", type=int, default=650)
    p.add_argument("--bodies", type=int, default=80)
    p.add_argument("--engagements", type=int, default=100_000)
    p.add_argument("--bids", type=int, default=50_000)
    p.add_argument("--opportunities", type=int, default=0,
                   help="default: a quarter of the bids")
    p.add_argument("--people-per-ulo", type=int, default=8)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--replace", action="store_true", help="empty the database first")
    return p.parse_args(argv)


def _empty(url: str) -> None:
    from sqlalchemy import MetaData, create_engine, text
    eng = create_engine(url)
    with eng.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            found = MetaData()
            found.reflect(conn)
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            found.drop_all(conn)
    eng.dispose()


def _bulk(conn, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(model.__table__), rows[start:start + CHUNK])


def _next_id(conn, model) -> int:
    return (conn.execute(select(func.max(model.id))).scalar() or 0) + 1


def _day(rng: random.Random, back_days: int) -> date:
    return date.today() - timedelta(days=rng.randint(0, back_days))


def _areas(rng: random.Random) -> list[str]:
    return rng.sample(sorted(vocab.SERVICE_AREAS), rng.randint(1, 2))


class Scaler:
    """Bulk rows that look like the demo's, with ids fixed up front."""

    def __init__(self, conn, args):
        self.conn, self.a, self.rng = conn, args, random.Random(args.seed)

    def organisations(self) -> None:
        first = _next_id(self.conn, Organisation)
        rows = []
        for n in range(self.a.ulos):
            place = PLACES[n % len(PLACES)]
            rows.append({"id": first + n, "kind": "ulo", "localities": [place],
                         "name": f"{place} {ULO_KINDS[n % len(ULO_KINDS)]} {n + 1}"})
        for n in range(self.a.bodies):
            place = PLACES[n % len(PLACES)]
            rows.append({"id": first + self.a.ulos + n, "kind": "commissioner",
                         "localities": [place],
                         "name": f"{place} {BODY_KINDS[n % len(BODY_KINDS)]} {n + 1}"})
        _bulk(self.conn, Organisation, rows)
        self.ulos = list(range(first, first + self.a.ulos))
        self.bodies = list(range(first + self.a.ulos, first + self.a.ulos + self.a.bodies))
        # Each ULO works mostly with three bodies: the overlaps the rules look for.
        self.partners = {u: self.rng.sample(self.bodies, 3) for u in self.ulos}

    def people(self) -> None:
        first, rows, self.staff = _next_id(self.conn, Person), [], {}
        for i, ulo in enumerate(self.ulos):
            ids = list(range(first + i * self.a.people_per_ulo,
                             first + (i + 1) * self.a.people_per_ulo))
            self.staff[ulo] = ids
            rows += [{"id": pid, "organisation_id": ulo,
                      "name": f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"}
                     for pid in ids]
        _bulk(self.conn, Person, rows)

    def _body_for(self, ulo: int) -> int:
        return self.rng.choice(self.partners[ulo]) if self.rng.random() < 0.3 \
            else self.rng.choice(self.bodies)

    def engagements(self) -> None:
        rng, first, rows = self.rng, _next_id(self.conn, Engagement), []
        for n in range(self.a.engagements):
            ulo = rng.choice(self.ulos)
            areas = _areas(rng)
            start = _day(rng, 4 * 365)
            rows.append({
                "id": first + n, "ulo_id": ulo, "commissioner_id": self._body_for(ulo),
                "title": rng.choice(ENGAGEMENT_TITLES).format(
                    vocab.SERVICE_AREAS[areas[0]].lower()),
                "question": "How should the service meet the needs of the people it serves?",
                "purposes": rng.sample(sorted(vocab.PURPOSES), rng.randint(1, 2)),
                "influence": rng.choice(list(vocab.INFLUENCE)), "service_areas": areas,
                "localities": [], "started_on": start,
                "ended_on": start + timedelta(days=rng.randint(14, 120)),
                "participant_ids": rng.sample(self.staff[ulo], rng.randint(0, 2)),
                "notes": ""})
        _bulk(self.conn, Engagement, rows)

    def opportunities(self) -> None:
        rng, first = self.rng, _next_id(self.conn, Opportunity)
        count = self.a.opportunities or max(1, self.a.bids // 4)
        rows = []
        for n in range(count):
            areas, published = _areas(rng), _day(rng, 3 * 365)
            rows.append({
                "id": first + n, "commissioner_id": rng.choice(self.bodies),
                "title": rng.choice(OPPORTUNITY_TITLES).format(vocab.SERVICE_AREAS[areas[0]]),
                "reference": f"SCALE-{first + n:06d}", "service_areas": areas,
                "localities": [], "value_pence": rng.randint(10, 5000) * 10_000,
                "route": rng.choice(list(vocab.ROUTES)), "published_on": published,
                "closes_on": published + timedelta(days=30)})
        _bulk(self.conn, Opportunity, rows)
        self.by_body: dict[int, list[int]] = {}
        for row in rows:
            self.by_body.setdefault(row["commissioner_id"], []).append(row["id"])

    def bids(self) -> None:
        rng, first, seen, rows = self.rng, _next_id(self.conn, Bid), set(), []
        statuses = [s for s in vocab.BID_STATUSES if s != "withdrawn"]
        while len(rows) < self.a.bids:
            ulo = rng.choice(self.ulos)
            choices = self.by_body.get(self._body_for(ulo))
            if not choices:
                continue
            opp = rng.choice(choices)
            if (ulo, opp) in seen:
                continue
            seen.add((ulo, opp))
            status = rng.choice(statuses)
            rows.append({"id": first + len(rows), "ulo_id": ulo, "opportunity_id": opp,
                         "status": status, "team_ids": rng.sample(self.staff[ulo], 1),
                         "submitted_on": None if status == "considering"
                         else _day(rng, 3 * 365)})
        _bulk(self.conn, Bid, rows)


BENCH_EMAILS = {"auditor": "bench.auditor@example.org", "ulo_staff": "bench.staff@example.org"}


def _bench_accounts(ulo_id: int) -> dict:
    """An auditor (sees the whole register) and a member of staff of one scaled ULO."""
    from coi.services import users
    made = {}
    for role, email in BENCH_EMAILS.items():
        user = users.create_user(None, {
            "email": email, "name": f"Benchmark {role.replace('_', ' ')}", "role": role,
            "organisation_id": ulo_id if role == "ulo_staff" else None,
            "password": "benchmark only, never a real register"})
        made[role] = user.id
    return made


def build(args) -> dict:
    """Build the register described by args; returns a summary."""
    if args.replace:
        _empty(args.url)
    app = create_app({"DATABASE_URL": args.url, "SECRET_KEY": "bench"})
    timings, t0 = {}, time.perf_counter()
    with app.test_request_context():
        from coi import demo
        demo.load()
        timings["demo"] = time.perf_counter() - t0
        from coi import db
        db.session().close()  # the demo's reads must not pin an older snapshot
        with db.engine().begin() as conn:
            scaler = Scaler(conn, args)
            for step in ("organisations", "people", "engagements", "opportunities", "bids"):
                getattr(scaler, step)()
            from coi.services.backup import restart_sequences
            restart_sequences(conn)
        timings["bulk"] = time.perf_counter() - t0 - timings["demo"]
        from coi.services import recompute
        db.session().close()
        counts = recompute.run()
        timings["recompute"] = time.perf_counter() - t0 - timings["demo"] - timings["bulk"]
        accounts = _bench_accounts(scaler.ulos[0])
    settle(app.extensions["coi.engine"])
    app.extensions["coi.engine"].dispose()
    return {"url": args.url, "flags": dict(counts), "accounts": accounts,
            "seconds": {k: round(v, 1) for k, v in timings.items()}}


if __name__ == "__main__":
    print(json.dumps(build(_args())))
