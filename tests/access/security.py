"""Access table for sign-in security: re-authentication, password and email changes,
two-factor sign-in, the session clock, and an administrator's controls over an account."""

from tests.access.rules import ALL, Rule, public


def extend_world(world) -> None:
    """The other ULO's declaration, document and flag, for the cross-organisation test
    (tests/test_security_routes.py)."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from coi import db
    from coi.models import Flag
    if "document" in world:
        from coi.services import documents
        doc = documents.create_document(None, {
            "kind": "working_principles", "ulo_id": world["other_ulo"].id,
            "commissioner_id": world["other_council"].id})
        world["other_document"] = SimpleNamespace(id=doc.id, title=doc.title)
    s = db.session()
    flag = s.execute(select(Flag).where(
        Flag.ulo_id == world["other_ulo"].id).order_by(Flag.id)).scalars().first()
    s.commit()  # end the read without expiring the world's records (a rollback would)
    if flag is not None:
        world["other_flag"] = flag
    if "declaration" in world:
        from coi.services import declarations
        world["other_declaration"] = declarations.record_declaration(None, {
            "person_id": world["other_person"].id, "category": "financial",
            "description": "Trustee of a rival provider",
            "organisation_id": world["other_council"].id,
            "arose_on": "2025-02-01", "declared_on": "2025-02-10"})


ROUTES = {
    "GET /account/confirm": Rule(ALL),
    "POST /account/confirm": Rule(ALL),
    "GET /account/password": Rule(ALL),
    "POST /account/password": Rule(ALL),
    "GET /account/email": Rule(ALL),
    "POST /account/email": Rule(ALL),
    "GET /account/two-factor": Rule(ALL),
    "POST /account/two-factor": Rule(ALL),
    "POST /account/two-factor/off": Rule(ALL),
    "GET /account/two-factor/recovery-codes": Rule(ALL),
    "POST /account/two-factor/recovery-codes": Rule(ALL),
    # Only after the password step: anyone else is sent back to the sign-in page.
    "GET /login/two-factor": Rule(ALL),
    "POST /login/two-factor": Rule(ALL),
    "GET /session/status": public(),
    "POST /session/extend": Rule(ALL),
    "POST /users/<int:record_id>/sessions/end": Rule(("admin",)),
    "POST /users/<int:record_id>/two-factor/reset": Rule(("admin",)),
}
