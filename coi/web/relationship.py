"""The relationship view (one ULO and one commissioning body on one timeline) and the pictures
on the dashboard. The SVG is drawn on the server by coi.charts; every picture has a table."""

import re
from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from coi import charts, vocab
from coi.services import charts_data, figures_cache
from coi.services import relationship as rel

bp = Blueprint("relationship", __name__)


def _chosen(name: str, options: list[tuple[int, str]]) -> int | None:
    """The id picked in the form, or the only option when there is just one."""
    picked = request.args.get(name, type=int)
    if picked is None and len(options) == 1:
        return options[0][0]
    return picked


@bp.route("/relationships")
@login_required
def view():
    """One ULO and one commissioning body: engagements and bids on a timeline, with flags."""
    actor = current_user.user
    ulos, bodies = rel.choices(actor)
    ulo_id, body_id = _chosen("ulo_id", ulos), _chosen("commissioner_id", bodies)
    errors = {}
    if "ulo_id" in request.args or "commissioner_id" in request.args:
        if not ulo_id:
            errors["ulo_id"] = "Choose a user-led organisation"
        if not body_id:
            errors["commissioner_id"] = "Choose a commissioning body"
    found = picture = None
    if ulo_id and body_id and not errors:
        found = rel.get_relationship(actor, ulo_id, body_id)
        picture = timeline_svg(found, date.today())
    return render_template("relationship/view.html", fields=_fields(ulos, bodies),
                           values={"ulo_id": str(ulo_id or ""),
                                   "commissioner_id": str(body_id or "")},
                           errors=errors, rel=found, picture=picture,
                           rows=events(found) if found else [], flag_url=flag_url,
                           bid_date=rel.bid_date), (422 if errors else 200)


def _fields(ulos, bodies) -> list[dict]:
    def field(name, label, options):
        return {"name": name, "label": label, "widget": "select", "required": True,
                "choices": [(str(i), n) for i, n in options]}
    return [field("ulo_id", "User-led organisation", ulos),
            field("commissioner_id", "Commissioning body", bodies)]


def flag_url(flag_id: int) -> str | None:
    """The flag's own page, once the flags feature provides one (/flags/<id>)."""
    for rule in current_app.url_map.iter_rules():
        match = re.fullmatch(r"/flags/<int:(\w+)>", rule.rule)
        if match and "GET" in rule.methods:
            return url_for(rule.endpoint, **{match.group(1): flag_id})
    return None


def _flag_label(flag) -> str:
    words = f"F{flag.id} {vocab.label(vocab.SEVERITIES, flag.severity)}"
    if flag.status not in ("open", "under_review"):
        words += f", {vocab.label(vocab.FLAG_STATUSES, flag.status).lower()}"
    return words


def timeline_svg(found: rel.Relationship, today: date):
    """The relationship as a timeline: engagements above the axis, bids below, flags between."""
    above = [charts.Span(f"E{e.id}", e.title + (" (withdrawn)" if e.withdrawn_at else ""),
                         e.started_on, e.ended_on) for e in found.engagements]
    below = []
    for bid, opp in found.bids:
        start = opp.published_on or rel.bid_date(bid, opp)
        if start is None:
            continue
        end = max(d for d in (opp.closes_on, bid.submitted_on, start) if d)
        status = vocab.label(vocab.BID_STATUSES, bid.status)
        below.append(charts.Span(f"B{bid.id}", f"{opp.title} – {status}", start, end,
                                 bid.submitted_on))
    links = [charts.Link(f"F{f.id}", f.severity, f"E{f.engagement_id}", f"B{f.bid_id}",
                         _flag_label(f)) for f in found.flags
             if f.engagement_id and f.bid_id and f.status != "superseded"]
    title = f"Timeline of {found.ulo.name} and {found.body.name}"
    desc = (f"{len(above)} engagements above the line (voice) and {len(below)} bids below it "
            f"(business), by year. {len(links)} flags are drawn as lines from an engagement to "
            "a bid; high severity as a solid line, medium dashed, low dotted, each labelled. "
            "The table that follows gives the same events and flags.")
    return charts.timeline("timeline", title, desc, above, below, links, today)


def events(found: rel.Relationship) -> list[dict]:
    """The timeline's events as rows for its equivalent table, in date order."""
    by_engagement, by_bid = {}, {}
    for f in found.flags:
        by_engagement.setdefault(f.engagement_id, []).append(f)
        by_bid.setdefault(f.bid_id, []).append(f)
    rows = [{"on": e.started_on, "until": e.ended_on, "side": "Voice: engagement",
             "key": f"E{e.id}", "title": e.title,
             "url": url_for("records.engagements_show", record_id=e.id),
             "detail": _engagement_detail(e, found), "flags": by_engagement.get(e.id, [])}
            for e in found.engagements]
    for bid, opp in found.bids:
        rows.append({"on": rel.bid_date(bid, opp), "until": opp.closes_on,
                     "side": "Business: bid", "key": f"B{bid.id}", "title": opp.title,
                     "url": url_for("records.bids_show", record_id=bid.id),
                     "detail": vocab.label(vocab.BID_STATUSES, bid.status),
                     "flags": by_bid.get(bid.id, [])})
    return sorted(rows, key=lambda r: (r["on"] or date.max, r["key"]))


def _engagement_detail(engagement, found) -> str:
    words = vocab.label(vocab.INFLUENCE, engagement.influence)
    if engagement.commissioner_id != found.body.id:
        words += " (with a partner body)"
    if engagement.withdrawn_at:
        words += ", withdrawn"
    return words


@bp.app_context_processor
def _globals():
    return {"dashboard_pictures": dashboard_pictures,
            "relationship_choices": lambda: rel.choices(current_user.user)}


def dashboard_pictures() -> dict:
    """The dashboard's pictures for the signed-in account, with their tables' numbers. The
    register-wide months are kept as plain data in coi.services.figures_cache (checked against
    the audit chain's head and today's date on every use, so a write shows in the next view);
    the page that shows them is kept there too (coi.web.pages.dashboard_html)."""
    actor = current_user.user
    out = dict(figures_cache.cached(("months", *figures_cache.scope_of(actor)),
                                    lambda: _months_picture(actor)))
    out.update(_income_picture(actor, request.args.get("income_ulo", type=int)))
    return out


def _months_picture(actor) -> dict:
    months = charts_data.open_flags_by_month(actor)
    return {"months": months, "flags_svg": charts.stacked_months(
        "flags-by-month", "Open flags by severity, month by month",
        _months_desc(months), months)}


def _income_picture(actor, chosen: int | None) -> dict:
    ulos = charts_data.income_ulos(actor)
    ulo_id = chosen if any(i == chosen for i, _ in ulos) else (ulos[0][0] if ulos else None)
    name = dict(ulos).get(ulo_id, "")
    out = {"income_ulos": ulos, "income_ulo": ulo_id, "income_name": name, "income": [],
           "income_svg": None, "income_options": _options(ulos, ulo_id),
           "threshold": charts_data.dependency_threshold()}
    if ulo_id:
        out["income"] = charts_data.income_shares(actor, ulo_id)
        if out["income"]:
            out["income_svg"] = charts.share_bars(
                "income-by-funder", f"Income of {name} by funder",
                _income_desc(name, out["income"], out["threshold"]),
                [{"year": y["year"], "funders": [
                    {"name": f["name"], "pct": f["pct"], "amount": _money(f["pence"]),
                     "body": f["body"]}
                    for f in y["funders"]]} for y in out["income"]], out["threshold"])
    return out


def _options(choices: list[tuple[int, str]], chosen: int | None) -> Markup:
    """The <option>s of a select, the chosen one selected (as one string: an auditor chooses
    among every ULO of the register)."""
    return Markup("".join(
        f'<option value="{int(value)}"{" selected" if value == chosen else ""}>'
        f'{escape(name)}</option>' for value, name in choices))


def _money(pence: int) -> str:
    return f"£{pence / 100:,.0f}"


def _months_desc(months: list[dict]) -> str:
    last = months[-1]
    return (f"A column for each of the last {len(months)} months, split into high, medium and "
            f"low severity. At the end of this month: {last['high']} high, {last['medium']} "
            f"medium and {last['low']} low. The table below gives every month's numbers.")


def _income_desc(name: str, years: list[dict], threshold: int) -> str:
    over = [f"{f['name']} ({f['pct']:.0f}% in {y['year']})" for y in years
            for f in y["funders"] if f["pct"] > threshold and f["body"]]
    verdict = ("Over the threshold: " + "; ".join(over) + ".") if over else \
        "No funder is over the threshold."
    return (f"Each funder's share of {name}'s income in each financial year, against the "
            f"dependency threshold of {threshold}% that applies to commissioning bodies. "
            f"{verdict} The table below gives the numbers.")
