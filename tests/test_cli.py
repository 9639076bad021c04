"""The account commands: `flask create-user` (the first administrator too) and
`flask create-token`, which call the same services as the pages."""

import pytest
from sqlalchemy import func, select

from coi import db
from coi.models import Person, User

PASSWORD = "correct horse battery staple"


def create_user(runner, *args, password=PASSWORD):
    return runner.invoke(args=["create-user", *args, "--password-stdin"],
                         input=f"{password}\n")


def stored(app, email: str) -> User | None:
    with app.app_context():
        return db.session().execute(select(User).where(User.email == email)).scalar_one_or_none()


def test_create_user_makes_the_first_administrator(app, runner):
    result = create_user(runner, "ada@example.org", "--role", "admin", "--name", "Ada Admin")
    assert result.exit_code == 0, result.output
    assert "Created admin account ada@example.org" in result.output
    admin = stored(app, "ada@example.org")
    assert (admin.role, admin.name, admin.organisation_id) == ("admin", "Ada Admin", None)
    assert PASSWORD not in admin.password_hash and admin.password_hash.startswith("$argon2id$")
    assert app.test_client().get("/setup").status_code == 404


def test_the_password_can_be_typed_at_the_prompt(app, runner):
    result = runner.invoke(args=["create-user", "bo@example.org", "--role", "auditor"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert stored(app, "bo@example.org").role == "auditor"


def test_a_ulo_account_is_linked_to_the_person_with_its_email(app, runner, make):
    ulo = make.org("ulo", "Riverside Forum")
    person = make.person(ulo, "Sam Patel", email="sam@riverside.example")
    result = create_user(runner, "sam@riverside.example", "--role", "ulo_staff",
                         "--org", "Riverside Forum")
    assert result.exit_code == 0, result.output
    user = stored(app, "sam@riverside.example")
    assert (user.organisation_id, user.person_id) == (ulo.id, person.id)
    with app.app_context():
        people = db.session().execute(select(func.count()).select_from(Person)).scalar()
    assert people == 1  # linked, not duplicated


def test_an_account_without_a_person_gets_one_in_its_organisation(app, runner, make):
    body = make.org("commissioner", "Riverside Council")
    result = create_user(runner, "kim@riverside.gov.example", "--role", "commissioner",
                         "--org", "Riverside Council", "--name", "Kim Lee")
    assert result.exit_code == 0, result.output
    user = stored(app, "kim@riverside.gov.example")
    with app.app_context():
        person = db.session().get(Person, user.person_id)
        assert (person.name, person.organisation_id, person.email) == \
            ("Kim Lee", body.id, "kim@riverside.gov.example")


@pytest.mark.parametrize("args, words", [
    (["x@example.org", "--role", "superuser"], "Role must be one of: ulo_staff"),
    (["x@example.org", "--role", "ulo_staff", "--org", "Nowhere"],
     "No organisation is called 'Nowhere'"),
    (["x@example.org", "--role", "ulo_staff"], "Choose the organisation this account belongs"),
    (["not-an-email", "--role", "admin"], "Email address is not in the right format"),
])
def test_create_user_explains_a_bad_answer_and_exits_non_zero(app, runner, args, words):
    result = create_user(runner, *args)
    assert result.exit_code != 0
    assert words in result.output
    with app.app_context():
        assert db.session().execute(select(func.count()).select_from(User)).scalar() == 0


def test_a_ulo_role_needs_a_ulo_not_a_council(app, runner, make):
    make.org("commissioner", "Riverside Council")
    result = create_user(runner, "x@example.org", "--role", "ulo_staff",
                         "--org", "Riverside Council")
    assert result.exit_code != 0
    assert "Choose a ULO organisation from the list" in result.output


def test_create_user_refuses_a_weak_password_or_a_taken_email(app, runner):
    weak = create_user(runner, "ada@example.org", "--role", "admin", password="password123")
    assert weak.exit_code != 0 and "Password must be at least 12 characters" in weak.output
    assert create_user(runner, "ada@example.org", "--role", "admin").exit_code == 0
    again = create_user(runner, "ADA@example.org", "--role", "admin")
    assert again.exit_code != 0
    assert "An account with this email address already exists" in again.output


def test_create_token_prints_a_working_token_as_its_last_line(app, runner):
    create_user(runner, "ada@example.org", "--role", "admin")
    result = runner.invoke(args=["create-token", "ada@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    answer = app.test_client().get("/api/v1/organisations",
                                   headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_json()["items"] == []
    refused = app.test_client().get("/api/v1/organisations",
                                    headers={"Authorization": "Bearer th_not-a-token"})
    assert refused.status_code == 401


def test_create_token_for_an_unknown_account_fails(runner):
    result = runner.invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code != 0
    assert "No account has the email nobody@example.org" in result.output
