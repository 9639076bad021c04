"""Access table for sign-in security: re-authentication, password and email changes,
two-factor sign-in, the session clock, and an administrator's controls over an account."""

from tests.access.rules import ALL, Rule, public

ROUTES = {
    "GET /account/confirm": Rule(ALL),
    "POST /account/confirm": Rule(ALL),
    "GET /account/password": Rule(ALL),  # sends to /account/confirm first
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
