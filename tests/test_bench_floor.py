"""The benchmark's floor page: off unless BENCH_FLOOR is set, and then a rendered page that
never touches the database (so that it measures the app's own overhead and nothing else)."""

from sqlalchemy import event


def test_floor_page_is_missing_unless_the_benchmark_turns_it_on(client):
    assert client.get("/bench/floor").status_code == 404


def test_floor_page_renders_without_touching_the_database(app, client):
    app.config["BENCH_FLOOR"] = True
    statements = []
    event.listen(app.extensions["coi.engine"], "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    response = client.get("/bench/floor")
    assert response.status_code == 200
    assert b"<h1" in response.data and b"Benchmark floor" in response.data
    assert statements == []
