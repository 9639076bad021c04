"""The benchmark's floor: a page of this app that renders a template and touches nothing else
(no database, no sign-in), so that bench/http_bench.py can say what each real page costs on
top of it. Answers 404 unless the BENCH_FLOOR setting is on (COI_BENCH_FLOOR=1)."""

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("bench", __name__)


@bp.route("/bench/floor")
def floor():
    """A page that only renders a template (404 unless BENCH_FLOOR is set)."""
    if not current_app.config.get("BENCH_FLOOR"):
        abort(404)
    return render_template("bench/floor.html")
