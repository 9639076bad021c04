"""Access table for the relationship view: a ULO sees its own relationships, a commissioner its
body's, an auditor or administrator every one."""

from tests.access.rules import ALL, Rule


def _pair(world, role) -> str:
    return (f"/relationships?ulo_id={world['ulo'].id}"
            f"&commissioner_id={world['council'].id}")


ROUTES = {
    "GET /relationships": Rule(ALL, path=_pair),
}
