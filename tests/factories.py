"""Small factories that build records through the services, as the system actor (actor=None)."""

import itertools
from datetime import date

from coi.services import base, engagements, opportunities, organisations, ulo, users

PASSWORD = "correct horse battery staple"
_n = itertools.count(1)


class Factory:
    def org(self, kind: str = "ulo", name: str | None = None, **kw):
        name = name or f"{'ULO' if kind == 'ulo' else 'Council'} {next(_n)}"
        return base.create_record(organisations.ORGANISATIONS, None,
                                  {"kind": kind, "name": name, **kw})

    def partnership(self, *orgs, name: str | None = None):
        return organisations.create_partnership(None, {
            "name": name or f"Partnership {next(_n)}", "member_ids": [o.id for o in orgs]})

    def user(self, role: str, org=None, email: str | None = None, name: str | None = None):
        email = email or f"{role}.{next(_n)}@example.org"
        return users.create_user(None, {
            "email": email, "name": name or email.split("@")[0].replace(".", " ").title(),
            "role": role, "organisation_id": org.id if org else None, "password": PASSWORD})

    def person(self, org, name: str | None = None, email: str | None = None):
        return base.create_record(organisations.PEOPLE, None, {
            "name": name or f"Person {next(_n)}", "organisation_id": org.id, "email": email})

    def engagement(self, ulo_org, body, **kw):
        data = {"ulo_id": ulo_org.id, "commissioner_id": body.id,
                "title": f"Engagement {next(_n)}", "purposes": ["preparing_documents"],
                "influence": "drafted", "service_areas": ["advocacy"],
                "started_on": "2025-01-10", "ended_on": "2025-03-31", **kw}
        return engagements.record_engagement(None, data)

    def opportunity(self, body, **kw):
        data = {"commissioner_id": body.id, "title": f"Opportunity {next(_n)}",
                "reference": f"REF-{next(_n)}", "service_areas": ["advocacy"],
                "value": "144000.00", "route": "open", "published_on": "2025-06-01",
                "closes_on": "2025-07-01", **kw}
        return base.create_record(opportunities.OPPORTUNITIES, None, data)

    def bid(self, ulo_org, opportunity, **kw):
        data = {"ulo_id": ulo_org.id, "opportunity_id": opportunity.id,
                "status": "submitted", "submitted_on": "2025-06-20", **kw}
        return base.create_record(opportunities.BIDS, None, data)

    def arrangement(self, ulo_org, body, **kw):
        data = {"ulo_id": ulo_org.id, "commissioner_id": body.id, "kind": "formal",
                "description": "Partnership board seat", "started_on": "2024-04-01", **kw}
        return base.create_record(ulo.ARRANGEMENTS, None, data)

    def board_member(self, ulo_org, person, **kw):
        data = {"ulo_id": ulo_org.id, "person_id": person.id, "voting": True,
                "from_constituency": True, "started_on": "2023-01-01", **kw}
        return base.create_record(ulo.BOARD_MEMBERS, None, data)

    def income(self, ulo_org, source=None, **kw):
        data = {"ulo_id": ulo_org.id, "source_id": source.id if source else None,
                "source_name": source.name if source else "Members' donations",
                "financial_year": "2025-26", "amount": "1000.00", **kw}
        return base.create_record(ulo.INCOME, None, data)

    def world(self) -> dict:
        """One ULO and one council with every role, one of each record between them, and a
        second ULO and council whose records the first pair must never see."""
        w = {"ulo": self.org("ulo", "Riverside Disabled People's Forum"),
             "council": self.org("commissioner", "Riverside Council"),
             "partner": self.org("commissioner", "Hillside Council"),
             "other_ulo": self.org("ulo", "Northbank Carers Together"),
             "other_council": self.org("commissioner", "Northbank Council")}
        w["partnership"] = self.partnership(w["council"], w["partner"])
        for role in ("ulo_staff", "ulo_board"):
            w[role] = self.user(role, w["ulo"])
        w["commissioner"] = self.user("commissioner", w["council"])
        w["auditor"] = self.user("auditor")
        w["admin"] = self.user("admin")
        w["other_staff"] = self.user("ulo_staff", w["other_ulo"])
        w["other_commissioner"] = self.user("commissioner", w["other_council"])
        w["person"] = self.person(w["ulo"], "Sam Patel")
        w["engagement"] = self.engagement(w["ulo"], w["council"],
                                          participant_ids=[w["person"].id])
        w["opportunity"] = self.opportunity(w["council"])
        w["bid"] = self.bid(w["ulo"], w["opportunity"], team_ids=[w["person"].id])
        w["arrangement"] = self.arrangement(w["ulo"], w["council"])
        w["board_member"] = self.board_member(w["ulo"], w["person"])
        w["income"] = self.income(w["ulo"], w["council"])
        w["other_person"] = self.person(w["other_ulo"])
        w["other_engagement"] = self.engagement(w["other_ulo"], w["other_council"])
        w["other_opportunity"] = self.opportunity(w["other_council"])
        w["other_bid"] = self.bid(w["other_ulo"], w["other_opportunity"])
        w["other_arrangement"] = self.arrangement(w["other_ulo"], w["other_council"])
        w["other_board_member"] = self.board_member(w["other_ulo"], w["other_person"])
        w["other_income"] = self.income(w["other_ulo"])
        return w


def today() -> date:
    return date.today()
