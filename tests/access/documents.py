"""Access table for documents: the pages and the API. Everyone in scope reads a document (the
ULO's accounts, the body's commissioners, auditors and admins); the writers draft and revise;
only a board member of the ULO or a commissioner of the body agrees; auditors change nothing."""

from tests.access.rules import ALL, Rule

WRITERS = ("ulo_staff", "ulo_board", "commissioner", "admin")
AGREERS = ("ulo_board", "commissioner")


def extend_world(world) -> None:
    """Working principles between the world's ULO and council, at revision 2 (so there is
    something to compare), and a notification about the world's arrangement. Kept as ids: a
    later write's fresh transaction expires the records, and the world outlives the session."""
    from types import SimpleNamespace

    from coi.services import documents
    doc = documents.create_document(None, {
        "kind": "working_principles", "ulo_id": world["ulo"].id,
        "commissioner_id": world["council"].id})
    documents.add_revision(None, doc.id, {"markdown": "# Principles\n\nWe agree {{ulo_lead}}.",
                                          "note": "Shorter", "base_revision": 1})
    world["document"] = SimpleNamespace(id=doc.id)
    note = documents.create_document(None, {
        "kind": "political_notification", "arrangement_id": world["arrangement"].id})
    world["notification"] = SimpleNamespace(id=note.id)
    _reload(world)


def _reload(world) -> None:
    """Each service write that reads first starts a fresh transaction, which expires what the
    session holds: load the world's records again while the session is still open."""
    from sqlmodel import SQLModel

    from coi import db
    for record in world.values():
        if isinstance(record, SQLModel):
            db.session().refresh(record)


def _page(suffix: str = "", key: str = "document"):
    return lambda world, role: f"/documents/{world[key].id}{suffix}"


def _api(suffix: str = ""):
    return lambda world, role: f"/api/v1/documents/{world['document'].id}{suffix}"


ITEM = "<int:record_id>"
REV = f"{ITEM}/revisions/<int:number>"
ROUTES = {
    "GET /documents": Rule(ALL),
    "GET /documents/new": Rule(WRITERS),
    "POST /documents/new": Rule(WRITERS),
    f"GET /documents/{ITEM}": Rule(ALL, path=_page()),
    f"GET /documents/{ITEM}/edit": Rule(WRITERS, path=_page("/edit")),
    f"POST /documents/{ITEM}/edit": Rule(WRITERS, path=_page("/edit")),
    f"GET /documents/{ITEM}/details": Rule(WRITERS, path=_page("/details", "notification")),
    f"POST /documents/{ITEM}/details": Rule(WRITERS, path=_page("/details", "notification")),
    f"GET /documents/{REV}": Rule(ALL, path=_page("/revisions/1")),
    f"GET /documents/{REV}/download": Rule(ALL, path=_page("/revisions/2/download")),
    f"GET /documents/{REV}/agree": Rule(AGREERS, path=_page("/revisions/2/agree")),
    f"POST /documents/{REV}/agree": Rule(AGREERS, path=_page("/revisions/2/agree")),
    f"GET /documents/{ITEM}/compare": Rule(ALL, path=_page("/compare")),
    "GET /api/v1/documents": Rule(ALL),
    "POST /api/v1/documents": Rule(WRITERS),
    f"GET /api/v1/documents/{ITEM}": Rule(ALL, path=_api()),
    f"PATCH /api/v1/documents/{ITEM}": Rule(WRITERS, path=_api()),
    f"GET /api/v1/documents/{ITEM}/revisions": Rule(ALL, path=_api("/revisions")),
    f"POST /api/v1/documents/{ITEM}/revisions": Rule(WRITERS, path=_api("/revisions")),
    f"GET /api/v1/documents/{REV}": Rule(ALL, path=_api("/revisions/2")),
    f"GET /api/v1/documents/{REV}/agreements": Rule(ALL, path=_api("/revisions/2/agreements")),
    f"POST /api/v1/documents/{REV}/agreements": Rule(AGREERS,
                                                     path=_api("/revisions/2/agreements")),
    f"GET /api/v1/documents/{ITEM}/diff": Rule(ALL, path=_api("/diff")),
}
