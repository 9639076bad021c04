"""An index for the rules: one ULO's engagements with one commissioning body

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:46:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """An index for the rules: one ULO's engagements with one commissioning body."""
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.create_index("ix_engagement_ulo_body", ["ulo_id", "commissioner_id"],
                              unique=False)


def downgrade() -> None:
    """Undo: an index for the rules: one ULO's engagements with one commissioning body."""
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index("ix_engagement_ulo_body")
