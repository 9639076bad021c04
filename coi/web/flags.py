"""The flag queue, the review page, the board's decision (form, then check your answers), the
declaration letter and the printable board pack."""

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from coi import vocab, workflow
from coi.errors import Forbidden, Invalid
from coi.models import Person
from coi.rules import RULES
from coi.schemas import DecisionCreate
from coi.services import decisions, figures_cache, flag_page, flags
from coi.services.base import ListQuery
from coi.web import forms
from coi.web.crud import CSRF_MESSAGE
from coi.web.downloads import attachment, csv_attachment
from coi.web.filters import prime

bp = Blueprint("flags", __name__, url_prefix="/flags")
bp.before_request(login_required(lambda: None))

FILTERS = (("status", "Status", vocab.FLAG_STATUSES), ("severity", "Severity", vocab.SEVERITIES),
           ("rule", "Rule", {code: f"{code}: {info.name}" for code, info in RULES.items()}))


def _actor():
    return current_user.user


@bp.route("")
def queue():
    """The flags in scope, most severe first; open and under review unless filtered."""
    args = request.args
    chosen = {name: args.get(name, "") for name, _, _ in FILTERS}
    query = ListQuery(q=args.get("q", ""), page=args.get("page", 1, type=int),
                      filters={**chosen, "status": chosen["status"] or "active"})
    page = flags.list_flags(_actor(), query)
    return render_template("flags/queue.html", page=page, chosen=chosen, filters=FILTERS,
                           rules=RULES, query=query)


@bp.route("/<int:flag_id>")
def show(flag_id: int):
    """One flag: reasons, the engagement and the bid side by side, who is conflicted, the
    decisions and the history."""
    actor = _actor()
    flag, about, minutes = _kept_parts(actor, flag_id)
    return render_template("flags/show.html", flag=flag, rule=RULES.get(flag.rule), about=about,
                           minutes=minutes,
                           actions=workflow.allowed_actions(flag.status, actor.role))


def _kept_parts(actor, flag_id: int) -> tuple:
    """The flag and the two parts of its page that every account of a role and organisation
    sees alike (all but the buttons, whose forms carry the session's CSRF token): rendered once
    per register state and kept in coi.services.figures_cache, which checks them against the
    audit chain's head and today's date (the board's R6 conflicts depend on the day) on every
    view, so a change shows at once on every worker."""
    key = ("flag page", flag_id, *figures_cache.scope_of(actor), request.script_root)
    return figures_cache.cached(key, lambda: _parts(actor, flag_id))


def _parts(actor, flag_id: int) -> tuple:
    """The flag, and its page above the buttons and below them, rendered."""
    page = flag_page.flag_page(actor, flag_id)
    found = page.linked
    _prime_people(found, page.decisions)
    shown = {"flag": page.flag, "rule": RULES.get(page.flag.rule),
             "engagement": found.engagement, "bid": found.bid, "opportunity": found.opportunity,
             "seats": page.seats, "decisions": page.decisions, "history": page.history}
    return (page.flag, Markup(render_template("flags/_about.html", **shown)),
            Markup(render_template("flags/_minutes.html", **shown)))


def _prime_people(found, minuted) -> None:
    """The names of everyone the page lists, in one query instead of one each."""
    ids = list(found.engagement.participant_ids if found.engagement else [])
    ids += found.bid.team_ids if found.bid else []
    for d in minuted:
        ids += d.present_ids + d.withdrawn_ids
    prime(Person, ids)


@bp.route("/<int:flag_id>/review", methods=["POST"])
def start_review(flag_id: int):
    """Take the flag into review."""
    decisions.review(_actor(), flag_id, "start_review")
    flash("The flag is now under review.", "success")
    return redirect(url_for("flags.show", flag_id=flag_id))


@bp.route("/<int:flag_id>/return", methods=["POST"])
def return_to_queue(flag_id: int):
    """Put the flag back in the queue."""
    decisions.review(_actor(), flag_id, "return_to_queue")
    flash("The flag is back in the queue.", "success")
    return redirect(url_for("flags.show", flag_id=flag_id))


def _fields(actor, flag):
    seats = decisions.seats(actor, flag)
    people = [(seat.person_id, seat.name + ("" if seat.voting else " (non-voting)")
               + (" — conflicted" if seat.conflicts else "")) for seat in seats]
    return forms.fields_of(DecisionCreate, {
        "mitigations": {"hint": "Choose every step the board agreed"},
        "present_ids": {"hint": "Everyone at the meeting, including anyone who then withdrew"},
        "withdrawn_ids": {"hint": "Anyone conflicted is recorded as withdrawn in any case"},
        "rationale": {"hint": "The board's reasons, as they should appear in the minutes"},
    }, {"outcome": vocab.OUTCOMES.items(), "mitigations": vocab.MITIGATIONS.items(),
        "present_ids": people, "withdrawn_ids": people}), seats


NOT_MINUTED = ("The decision was not saved because the page was open too long. Check it and "
               "minute it again.")


def _draft_key(flag_id: int) -> str:
    return f"decision_draft_{flag_id}"


@bp.route("/<int:flag_id>/decide", methods=["GET", "POST"])
def decide(flag_id: int):
    """The board's decision: outcome, mitigations, rationale, attendance."""
    actor = _actor()
    flag = flags.get_flag(actor, flag_id)
    decisions.require_decider(actor, flag)
    fields, seats = _fields(actor, flag)
    errors, refusal = {}, None
    if request.method == "POST":
        values = forms.raw_values(request.form, fields)
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        else:
            data = forms.parse(request.form, fields)
            try:
                decisions.propose(actor, flag_id, data)
                session[_draft_key(flag_id)] = request.form.to_dict(flat=False)
                return redirect(url_for("flags.check", flag_id=flag_id))
            except Invalid as exc:
                errors = exc.by_field()
            except Forbidden as exc:
                refusal = exc.detail
                errors = {"_form": exc.detail}
    else:
        draft = session.get(_draft_key(flag_id))
        values = (forms.raw_values(_multidict(draft), fields) if draft else
                  forms.record_values({"decided_on": date.today().isoformat()}, fields))
    return render_template("flags/decide.html", flag=flag, fields=fields, values=values,
                           errors=errors, refusal=refusal, seats=seats), \
        (403 if refusal else 422 if errors else 200)


def _multidict(draft: dict):
    from werkzeug.datastructures import MultiDict
    return MultiDict([(k, v) for k, vs in draft.items() for v in vs])


@bp.route("/<int:flag_id>/decide/check", methods=["GET", "POST"])
def check(flag_id: int):
    """Check your answers, then minute the decision."""
    actor = _actor()
    flag = flags.get_flag(actor, flag_id)
    decisions.require_decider(actor, flag)
    draft = session.get(_draft_key(flag_id))
    if not draft:
        return redirect(url_for("flags.decide", flag_id=flag_id))
    fields, _ = _fields(actor, flag)
    data = forms.parse(_multidict(draft), fields)
    if request.method == "POST" and not g.get("csrf_failed"):
        decision = decisions.decide(actor, flag_id, data)
        session.pop(_draft_key(flag_id), None)
        flash(_outcome_message(decision), "success")
        return redirect(url_for("flags.show", flag_id=flag_id))
    proposal = decisions.propose(actor, flag_id, data)
    names = {seat.person_id: seat.name for seat in proposal.seats}
    words = {"mitigations": "; ".join(vocab.MITIGATIONS[m] for m in proposal.payload.mitigations),
             "present": ", ".join(names.get(p, str(p)) for p in proposal.check.present_ids),
             "withdrawn": ", ".join(names.get(p, str(p)) for p in proposal.check.withdrawn_ids)}
    errors = {"_form": NOT_MINUTED} if g.get("csrf_failed") else {}
    return render_template("flags/check.html", flag=flag, proposal=proposal, words=words,
                           errors=errors), (422 if errors else 200)


def _outcome_message(decision) -> str:
    words = [f"The decision was minuted: {vocab.label(vocab.OUTCOMES, decision.outcome)}."]
    if decision.letter_markdown:
        words.append("The declaration letter is ready to download.")
    if decision.notification_document_id:
        words.append("A draft notification to the lead political member was started.")
    elif "notify_political_member" in decision.mitigations:
        words.append("No partnership arrangement is recorded with this body, so no "
                     "notification was drafted: record the arrangement first.")
    return " ".join(words)


@bp.route("/<int:flag_id>/decisions/<int:decision_id>/letter")
def letter(flag_id: int, decision_id: int):
    """The letter declaring the prior involvement, as a Markdown file."""
    decision = decisions.get_decision(_actor(), flag_id, decision_id)
    if not decision.letter_markdown:
        return render_template("error.html", status=404, heading="No letter",
                               detail="This decision did not ask for a declaration letter."), 404
    return attachment(decision.letter_markdown,
                      f"declaration-flag-{flag_id}-decision-{decision_id}.md", "text/markdown")


def _since() -> tuple[date, str | None]:
    raw = request.args.get("since", "")
    if not raw:
        return date.today() - timedelta(days=91), None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return date.today() - timedelta(days=91), \
            "Decisions since must be a real date, like 2026-03-31"


@bp.route("/board-pack")
def board_pack():
    """A printable board pack: open flags with their reasons, and decisions since a date."""
    since, error = _since()
    pack = decisions.board_pack(_actor(), since)
    if request.args.get("format") == "csv" and not error:
        return _pack_csv(pack)
    return render_template("flags/board_pack.html", pack=pack, rules=RULES,
                           errors={"since": error} if error else {},
                           since_raw=request.args.get("since", since.isoformat())), \
        (422 if error else 200)


PACK_HEADER = ("section", "flag", "rule", "severity", "score", "status", "reasons", "decided_on",
               "outcome", "mitigations", "rationale")


def _pack_csv(pack) -> Response:
    rows = [("open flag", f.id, f.rule, f.severity, f.score, f.status, f.reasons, "", "", "",
             "") for f in pack.open_flags]
    rows += [("decision", f.id, f.rule, f.severity, f.score, f.status, f.reasons,
              d.decided_on.isoformat(), d.outcome, d.mitigations, d.rationale)
             for d, f in pack.decisions]
    return csv_attachment(f"board-pack-{pack.since}.csv", PACK_HEADER, rows)
