"""Access table for the API's own routes: your API tokens."""

from tests.access.rules import ALL, Rule

ROUTES = {
    "GET /api/v1/tokens": Rule(ALL),
    "POST /api/v1/tokens": Rule(ALL),  # an empty body is a 422: allowed, but invalid
    # Each role revokes its own token (made in the access test's world); anyone else's is 404.
    "DELETE /api/v1/tokens/<int:token_id>": Rule(
        ALL, path=lambda w, role: f"/api/v1/tokens/{w['tokens'].get(role, 1)}"),
}
