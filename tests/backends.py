"""Tests that must run on both databases, whatever DATABASE_URL the suite itself runs on.

    @pytest.fixture(params=backends.BACKENDS)
    def url(request, tmp_path):
        return backends.fresh_url(request.param, tmp_path)

SQLite is a file in the test's tmp_path. PostgreSQL is COI_TEST_POSTGRES_URL with its public
schema emptied first; without that variable the PostgreSQL case is skipped on a laptop, and fails
when COI_REQUIRE_POSTGRES=1 (CI), so that CI can never pass by skipping it.
"""

import os

import pytest
from sqlalchemy import create_engine, text

BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str:
    """COI_TEST_POSTGRES_URL; skip the test without it, or fail when PostgreSQL is required."""
    url = os.environ.get("COI_TEST_POSTGRES_URL", "")
    if url:
        return url
    if os.environ.get("COI_REQUIRE_POSTGRES") == "1":
        pytest.fail("COI_REQUIRE_POSTGRES=1 but COI_TEST_POSTGRES_URL is not set: this test "
                    "needs PostgreSQL (see .ci/run)")
    pytest.skip("needs PostgreSQL: set COI_TEST_POSTGRES_URL=postgresql+psycopg://…")


def empty_postgres(url: str) -> None:
    """Drop everything in the database's public schema."""
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def fresh_url(backend: str, tmp_path, name: str = "register") -> str:
    """The URL of an empty database of that backend, for this test alone."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    url = postgres_url()
    empty_postgres(url)
    return url
