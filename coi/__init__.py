"""Two Hats: the voice-versus-business conflict-of-interest register."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, database, sign-in, pages, API and commands."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_relative_config=True)

    from coi import config
    config.load(app, test_config)

    from coi import auth, cli, db, security
    from coi.api import init_app as init_api
    from coi.web import init_app as init_web

    db.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    init_web(app)
    init_api(app)
    cli.init_app(app)
    from coi.services import evaluation
    evaluation.init_app(app)
    return app
