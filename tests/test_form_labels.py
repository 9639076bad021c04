"""Form labels tell the truth: a change form marks "(optional)" only what may be left empty."""

import re


def _labels(html: str) -> list[str]:
    return re.findall(r'<(?:label|legend) class="[^"]*"[^>]*>([^<]*)<', html)


def test_change_form_does_not_call_required_answers_optional(client, auth, world):
    auth.login(world["admin"])
    html = client.get(f"/engagements/{world['engagement'].id}/edit").get_data(as_text=True)
    labels = _labels(html)
    assert "Title" in labels and "Started on" in labels and "Purposes" in labels
    assert "Ended on (optional)" in labels and "Notes (optional)" in labels


def test_an_answer_marked_required_on_a_change_form_cannot_be_left_empty(client, auth, world):
    auth.login(world["admin"])
    response = client.post(f"/engagements/{world['engagement'].id}/edit", data={
        "title": "", "purposes": ["consultation"], "service_areas": ["advocacy"],
        "influence": "drafted"})
    assert response.status_code == 422
    assert "Title is required" in response.get_data(as_text=True)
