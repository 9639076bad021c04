"""The server-rendered pages: one blueprint per feature, registered here."""

from flask import g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from coi import vocab
from coi.errors import DomainError


def _render_error(exc: DomainError):
    titles = {403: "You cannot do that", 404: "Page not found", 409: "That change was refused"}
    return render_template("error.html", status=exc.status,
                           heading=titles.get(exc.status, exc.title), detail=exc.detail), \
        exc.status


def _csrf_failed(exc: CSRFError):
    """Show the same form again, with what was typed, instead of losing it (WCAG 2.2.1)."""
    from flask import current_app
    view = current_app.view_functions.get(request.endpoint)
    if view is None or request.path.startswith("/api/"):
        return _handle_domain(DomainError("The CSRF token is missing or wrong: send the "
                                          "X-CSRFToken header, or use a bearer token."))
    g.csrf_failed = True
    return view(**(request.view_args or {}))


def _context():
    return {"vocab": vocab, "label": vocab.label, "user": current_user}


def init_app(app) -> None:
    from coi.web import account, crud, filters, pages, sessions, twofactor

    filters.init_app(app)
    app.register_blueprint(account.bp)
    app.register_blueprint(sessions.bp)
    twofactor.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(crud.make_blueprint())
    from coi.web import relationship
    app.register_blueprint(relationship.bp)
    from coi.web import declarations as declaring
    from coi.web import history
    app.register_blueprint(declaring.bp)
    app.register_blueprint(history.bp)
    from coi.web import admin
    app.register_blueprint(admin.bp)
    from coi.web import ocds
    app.register_blueprint(ocds.bp)
    from coi.web import documents
    app.register_blueprint(documents.bp)
    from coi.web import bench
    app.register_blueprint(bench.bp)
    from coi.web import flags
    app.register_blueprint(flags.bp)
    app.context_processor(_context)
    app.jinja_env.globals.update(vocab=vocab, label=vocab.label)  # macros see them too
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(404, _page_missing)
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(500, _server_error)


def _handle_domain(exc: DomainError):
    if request.path.startswith("/api/"):
        from coi.api.problems import problem
        return problem(exc.status, exc.title, exc.detail, exc.errors)
    return _render_error(exc)


def _plain(status: int, heading: str, detail: str):
    if request.path.startswith("/api/"):
        from coi.api.problems import problem
        return problem(status, heading, detail)
    return render_template("error.html", status=status, heading=heading, detail=detail), status


def _page_missing(_exc):
    return _plain(404, "Page not found", "There is no page at this address, or you may not "
                  "see it. Check the address, or use the menu.")


def _method_not_allowed(exc):
    from flask import current_app
    response = current_app.make_response(_plain(
        405, "That cannot be done here", "This address does not accept that kind of request."))
    if getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _too_large(_exc):
    return _plain(413, "Too much was sent", "What you sent is larger than the register "
                  "accepts (2 MB). Send less and try again.")


def _server_error(_exc):
    return _plain(500, "Sorry, something went wrong", "Nothing you sent was saved. Please try "
                  "again; if it happens again, tell your administrator.")
