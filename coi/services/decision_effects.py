"""What a minuted decision does, inside the decision's transaction: withdraw the bid, write
the letter declaring the prior involvement, start a draft notification to the lead political
member."""

from datetime import date

from sqlalchemy import or_, select

from coi import vocab
from coi.dates import long_date
from coi.documents import fill, template_path
from coi.models import Arrangement, Bid, Decision, Flag
from coi.services import base, opportunities
from coi.services.names import org_names


def apply(s, actor, flag: Flag, decision: Decision) -> None:
    """Carry out the effects of the outcome and mitigations the board chose."""
    if decision.outcome == "withdraw_bid" or "withdraw" in decision.mitigations:
        withdraw_bid(s, actor, flag, decision)
    if "declare_to_commissioner" in decision.mitigations:
        decision.letter_markdown = declaration_letter(s, flag, decision)
    if "notify_political_member" in decision.mitigations:
        decision.notification_document_id = draft_notification(s, actor, flag)
    s.add(decision)
    s.flush()


def withdraw_bid(s, actor, flag: Flag, decision: Decision) -> None:
    """Withdraw the flag's bid (if it has one still in play), saying which decision did."""
    bid = s.get(Bid, flag.bid_id) if flag.bid_id else None
    if bid is not None and bid.status != "withdrawn":
        base.end_record(opportunities.BIDS, actor, bid.id,
                        {"reason": f"The board decided to withdraw (decision {decision.id} "
                                   f"on flag {flag.id})"})


def declaration_letter(s, flag: Flag, decision: Decision) -> str:
    """The letter to the commissioning body declaring the prior involvement, in Markdown."""
    from coi.services.decisions import linked
    found = linked(flag, s)
    opportunity, engagement = found.opportunity, found.engagement
    names = org_names(s, [flag.ulo_id, flag.commissioner_id])
    values = {
        "ulo_name": names.get(flag.ulo_id), "commissioner_name": names.get(flag.commissioner_id),
        "today": date.today(), "decision_date": decision.decided_on,
        "opportunity_title": opportunity.title if opportunity else "the procurement",
        "opportunity_reference": opportunity.reference if opportunity else "not known",
        "engagement_title": engagement.title if engagement else "not recorded",
        "engagement_dates": _dates(engagement),
        "influence": vocab.label(vocab.INFLUENCE, engagement.influence) if engagement else "",
        "flag_reasons": "\n".join(f"- {reason}" for reason in flag.reasons),
        "mitigations": "\n".join(f"- {vocab.label(vocab.MITIGATIONS, m)}"
                                 for m in decision.mitigations) or "- No mitigations chosen",
    }
    return fill(template_path("declaration_letter").read_text(encoding="utf-8"), values)


def _dates(engagement) -> str:
    if engagement is None:
        return ""
    end = long_date(engagement.ended_on) if engagement.ended_on else "still going on"
    return f"{long_date(engagement.started_on)} to {end}"


def draft_notification(s, actor, flag: Flag) -> int | None:
    """A draft notification for the latest current arrangement between the ULO and the body
    (None when they have no arrangement to notify)."""
    from coi.services import documents
    today = date.today()
    arrangement = s.execute(select(Arrangement).where(
        Arrangement.ulo_id == flag.ulo_id, Arrangement.commissioner_id == flag.commissioner_id,
        or_(Arrangement.ended_on.is_(None), Arrangement.ended_on >= today))
        .order_by(Arrangement.started_on.desc())).scalars().first()
    if arrangement is None:
        return None
    doc = documents.create_document(actor, {
        "kind": "political_notification", "ulo_id": flag.ulo_id,
        "commissioner_id": flag.commissioner_id, "arrangement_id": arrangement.id,
        "title": f"Notification to the lead political member (flag {flag.id})"})
    return doc.id
