"""Access table for operations' routes: the benchmark floor is off (404 for everyone) unless
the BENCH_FLOOR setting is on, as it never is outside bench/http_bench.py."""

from tests.access.rules import Rule

ROUTES = {
    "GET /bench/floor": Rule(()),
}
