"""The relationship view, the server-side SVG pictures and the dashboard's charts."""

import re
from datetime import UTC, date, datetime

import pytest

from coi import charts, db
from coi.errors import NotFound
from coi.models import Flag
from coi.services import charts_data, relationship


def add_flag(engagement, bid, severity="high", status="open", opened=None, **kw):
    """A flag as the rules would raise it (inserted directly: the rules are tested elsewhere)."""
    s = db.write_session()
    flag = Flag(rule=kw.pop("rule", "R1"), fingerprint=f"test:{datetime.now().timestamp()}:"
                f"{severity}:{id(kw)}", severity=severity, score=70, facts_hash="x" * 64,
                status=status, ulo_id=engagement.ulo_id if engagement else kw.pop("ulo_id"),
                commissioner_id=kw.pop("commissioner_id", engagement.commissioner_id
                                       if engagement else None),
                engagement_id=engagement.id if engagement else None,
                bid_id=bid.id if bid else None, reasons=["The ULO drafted the specification"],
                opened_at=opened or datetime.now(UTC), updated_at=opened or datetime.now(UTC),
                **kw)
    s.add(flag)
    s.commit()
    return flag


def test_timeline_puts_engagements_above_the_axis_and_bids_below_it():
    above = [charts.Span("E1", "Advocacy co-design", date(2025, 1, 10), date(2025, 3, 31))]
    below = [charts.Span("B2", "Advocacy contract", date(2025, 6, 1), date(2025, 7, 1),
                         date(2025, 6, 20))]
    svg = str(charts.timeline("t", "Timeline", "Words", above, below,
                              [charts.Link("F3", "medium", "E1", "B2", "F3 Medium")],
                              date(2026, 1, 1)))
    assert 'role="img"' in svg and 'aria-labelledby="t-title"' in svg
    assert "<title id=\"t-title\">Timeline</title>" in svg
    y_of = {m.group(2): float(m.group(1)) for m in re.finditer(
        r'<text x="[\d.]+" y="([\d.]+)" class="chart__label">(E1|B2)', svg)}
    axis = float(re.search(r'<line x1="[\d.]+" y1="([\d.]+)"[^>]*class="timeline__axis"',
                           svg).group(1))
    assert y_of["E1"] < axis < y_of["B2"]
    assert 'stroke-dasharray="10 5"' in svg and "F3 Medium" in svg
    assert ">2025<" in svg and ">2026<" in svg
    assert "style=" not in svg


def test_timeline_with_nothing_to_draw_is_none():
    assert charts.timeline("t", "T", "D", [], [], [], date(2026, 1, 1)) is None


def test_chart_text_is_escaped():
    above = [charts.Span("E1", "<script>alert(1)</script>", date(2025, 1, 1), None)]
    svg = str(charts.timeline("t", "T & <b>", "D", above, [], [], date(2026, 1, 1)))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "T &amp; &lt;b&gt;" in svg


def test_funder_over_the_threshold_is_hatched_and_says_so():
    svg = str(charts.share_bars("i", "Income", "D", [{"year": "2025-26", "funders": [
        {"name": "Riverside Council", "pct": 62.0, "amount": "£6,200"},
        {"name": "Donations", "pct": 38.0, "amount": "£3,800"}]}], 50))
    assert "62% (£6,200) over" in svg and "38% (£3,800)<" in svg
    assert 'fill="url(#i-hatch)"' in svg and "Dependency threshold 50%" in svg


def test_last_months_end_with_this_month():
    months = charts_data.last_months(date(2026, 2, 14), 12)
    assert months[0] == date(2025, 3, 1) and months[-1] == date(2026, 2, 1)
    assert len(months) == 12


@pytest.fixture
def flagged(app, world):
    with app.test_request_context():
        world["flag"] = add_flag(world["engagement"], world["bid"], "high")
    return world


def _page(client, auth, user, ulo, body):
    auth.login(user)
    return client.get(f"/relationships?ulo_id={ulo.id}&commissioner_id={body.id}")


def test_ulo_sees_its_relationship_as_a_timeline_and_an_equivalent_table(client, auth, flagged):
    w = flagged
    response = _page(client, auth, w["ulo_staff"], w["ulo"], w["council"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Relationship: Riverside Disabled People&#39;s Forum and Riverside Council" \
        in html
    assert 'role="img"' in html and f"F{w['flag'].id} High" in html
    assert f"E{w['engagement'].id} {w['engagement'].title}" in html
    assert f"B{w['bid'].id} {w['opportunity'].title}" in html
    assert "The ULO drafted the specification" in html
    assert "<caption" in html and 'scope="row"' in html
    assert "style=" not in html


def test_commissioner_sees_the_relationship_of_its_own_body(client, auth, flagged):
    w = flagged
    response = _page(client, auth, w["commissioner"], w["ulo"], w["council"])
    assert response.status_code == 200
    assert w["engagement"].title in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_staff", "other_commissioner"])
def test_someone_elses_relationship_is_not_found(client, auth, flagged, who):
    w = flagged
    response = _page(client, auth, w[who], w["ulo"], w["council"])
    assert response.status_code == 404
    assert w["engagement"].title not in response.get_data(as_text=True)


def test_relationship_service_refuses_a_pair_of_the_wrong_kinds(ctx, world):
    with pytest.raises(NotFound):
        relationship.get_relationship(None, world["council"].id, world["ulo"].id)


def test_choosing_nothing_shows_an_error_summary(client, auth, world):
    auth.login(world["admin"])
    response = client.get("/relationships?ulo_id=&commissioner_id=")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: Relationships" in html
    assert 'href="#f-ulo_id">Choose a user-led organisation' in html


def test_ulo_picks_only_the_body_since_its_own_side_is_fixed(client, auth, world):
    auth.login(world["ulo_staff"])
    html = client.get("/relationships").get_data(as_text=True)
    assert 'type="hidden" name="ulo_id"' in html and 'id="f-commissioner_id"' in html
    assert world["other_ulo"].name not in html


def test_engagement_with_a_partner_body_is_shown_when_a_flag_links_it(ctx, make, world):
    partner_engagement = make.engagement(world["ulo"], world["partner"], title="Partner forum")
    add_flag(partner_engagement, world["bid"], "medium", commissioner_id=world["council"].id)
    found = relationship.get_relationship(None, world["ulo"].id, world["council"].id)
    assert "Partner forum" in [e.title for e in found.engagements]


def test_organisation_page_leads_to_the_relationship(client, auth, world):
    auth.login(world["ulo_staff"])
    html = client.get(f"/organisations/{world['council'].id}").get_data(as_text=True)
    assert (f"/relationships?ulo_id={world['ulo'].id}&amp;commissioner_id="
            f"{world['council'].id}") in html


def test_dashboard_pictures_have_text_alternatives(client, auth, flagged):
    w = flagged
    auth.login(w["ulo_staff"])
    html = client.get("/").get_data(as_text=True)
    assert "Open flags by severity, month by month" in html
    assert "Open flags month by month, as a table" in html
    assert f"Income of {w['ulo'].name} by funder".replace("'", "&#39;") in html
    assert "Dependency threshold 50%" in html and "Riverside Council" in html


def test_commissioner_dashboard_has_no_income_picture(client, auth, world):
    auth.login(world["commissioner"])
    html = client.get("/").get_data(as_text=True)
    assert "Open flags over the last 12 months" in html
    assert "Income by funder" not in html


def test_a_decided_flag_counts_as_open_only_until_its_decision(ctx, world):
    today = date.today()
    months = charts_data.last_months(today, 3)
    before = charts_data.open_flags_by_month(None, today, 3)
    opened = datetime.combine(months[0], datetime.min.time(), tzinfo=UTC)
    add_flag(world["engagement"], world["bid"], "low", status="resolved", opened=opened)
    add_flag(world["engagement"], world["bid"], "high", opened=opened)
    after = charts_data.open_flags_by_month(None, today, 3)
    assert [a["low"] - b["low"] for a, b in zip(after, before, strict=True)] == [0, 0, 0]
    assert [a["high"] - b["high"] for a, b in zip(after, before, strict=True)] == [1, 1, 1]


def test_income_shares_are_per_year_and_largest_first(ctx, make, world):
    make.income(world["ulo"], None, amount="3000.00")
    years = charts_data.income_shares(None, world["ulo"].id)
    assert [f["name"] for f in years[-1]["funders"]] == ["Members' donations",
                                                         "Riverside Council"]
    assert round(years[-1]["funders"][0]["pct"]) == 75


def test_only_a_commissioning_body_can_be_over_the_dependency_threshold():
    svg = str(charts.share_bars("i", "Income", "D", [{"year": "2025-26", "funders": [
        {"name": "Members' donations", "pct": 80.0, "amount": "£8,000", "body": False},
        {"name": "Riverside Council", "pct": 20.0, "amount": "£2,000", "body": True}]}], 50))
    assert "80% (£8,000)<" in svg and " over" not in svg


def test_dependency_threshold_follows_the_administrators_setting(ctx, world):
    from coi.services import thresholds
    assert charts_data.dependency_threshold() == 50
    thresholds.put_thresholds(world["admin"], {"r3_dependency_pct": 40})
    assert charts_data.dependency_threshold() == 40
