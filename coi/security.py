"""Security headers on every response, CSRF protection on every form, hardened session
cookies, a guard against text the register cannot store, and a record of refused access."""

import contextlib
import hashlib
import logging

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from coi import inputs
from coi.errors import Invalid

csrf = CSRFProtect()
log = logging.getLogger("coi.security")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")
HSTS = "max-age=63072000; includeSubDomains"


def _headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        h.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html" or request.path.startswith("/api/"):
        h.setdefault("Cache-Control", "no-store")
    return response


def _over_https() -> bool:
    return has_request_context() and request.is_secure


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie: HttpOnly and SameSite=Lax always; Secure unless local development
    asked otherwise (COI_INSECURE_COOKIES=1, set by `make run`); and over HTTPS named with the
    __Host- prefix, which the browser only accepts when Secure, host-only and for path /.
    Signed with HMAC-SHA256 (Flask's default is SHA-1)."""

    digest_method = staticmethod(hashlib.sha256)

    def get_cookie_name(self, app) -> str:
        name = app.config["SESSION_COOKIE_NAME"]
        if _over_https() and not app.config.get("SESSION_COOKIE_DOMAIN"):
            return "__Host-" + name
        return name

    def get_cookie_secure(self, app) -> bool:
        if _over_https():
            return True
        return bool(app.config["SESSION_COOKIE_SECURE"]) and not app.config.get(
            "INSECURE_COOKIES")

    def get_cookie_path(self, app) -> str:
        return "/"


def _guard_input():
    """Refuse, clearly, text that could not be stored (NUL, broken characters) wherever it
    comes in: the address, the query, a form or a JSON body. Never a 500 further down."""
    if request.endpoint == "static":
        return None
    sources = [request.view_args or {}, request.args.to_dict(flat=False)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form.to_dict(flat=False))
        if request.is_json:
            with contextlib.suppress(RecursionError):  # absurdly nested: the API's 400
                sources.append(request.get_json(silent=True))
    for source in sources:
        where = inputs.first_unstorable(source)
        if where:
            raise Invalid({where: f"{where.replace('_', ' ').capitalize()} "
                                  f"{inputs.UNSTORABLE}"},
                          detail=f"What you sent {inputs.UNSTORABLE}.")
    return None


def _record_refusal(response):
    """Every refused access is recorded: a 403 for a signed-in account as an audit event
    (it tried something its role may not do); 401s and 404s only in the security log, so
    that scanners and typing mistakes cannot flood the audit chain."""
    status = response.status_code
    if status not in (401, 403, 404) or request.endpoint == "static":
        return response
    signed_in = current_user.is_authenticated
    who = current_user.email if signed_in else "anonymous"
    log.warning("refused %s %s %s for %s from %s", status, request.method,
                request.path[:200], who, request.remote_addr)
    if status == 403 and signed_in:
        try:
            from coi.services import logins
            logins.record_refusal(current_user.user, request.method, request.path)
        except Exception:  # the refusal must still be answered, never turned into a 500
            log.exception("could not record a refused access")
    return response


def init_app(app) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from coi import sessions
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.session_interface = SessionCookies()
    # Order matters: an expired session ends before the CSRF check re-shows a form.
    app.before_request(sessions.enforce)
    app.before_request(_guard_input)
    csrf.init_app(app)
    app.after_request(_record_refusal)
    app.after_request(_headers)
