"""Indexes for the rules' reads on a write

A write reads the ULO's current engagements with a body that end inside a bid's look-back (or
go on), the ULO's bids for a body's work published or submitted since an engagement began, and
the stored flags it answers for: one bid's or engagement's, and a rule's for one ULO and body.
The bid index on the ULO alone goes (the (ULO, opportunity) unique index leads with it), and so
do the flag indexes on the rule alone and on the status alone (the new rule index and the
status-and-severity index lead with the same columns).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Indexes for the rules' reads on a write."""
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.drop_index("ix_bid_ulo_id")
        batch_op.create_index("ix_bid_ulo_submitted", ["ulo_id", "submitted_on", "opportunity_id"],
                              unique=False)
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index("ix_engagement_ulo_body")
        batch_op.create_index("ix_engagement_ulo_body_end",
                              ["ulo_id", "commissioner_id", "withdrawn_at", "ended_on"],
                              unique=False)
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_rule")
        batch_op.drop_index("ix_flag_status")
        batch_op.create_index("ix_flag_rule_pair", ["rule", "ulo_id", "commissioner_id"],
                              unique=False)
        batch_op.create_index("ix_flag_ulo_bid", ["ulo_id", "bid_id"], unique=False)
        batch_op.create_index("ix_flag_ulo_engagement", ["ulo_id", "engagement_id"],
                              unique=False)


def downgrade() -> None:
    """Undo: indexes for the rules' reads on a write."""
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_ulo_engagement")
        batch_op.drop_index("ix_flag_ulo_bid")
        batch_op.drop_index("ix_flag_rule_pair")
        batch_op.create_index("ix_flag_status", ["status"], unique=False)
        batch_op.create_index("ix_flag_rule", ["rule"], unique=False)
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index("ix_engagement_ulo_body_end")
        batch_op.create_index("ix_engagement_ulo_body", ["ulo_id", "commissioner_id"],
                              unique=False)
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.drop_index("ix_bid_ulo_submitted")
        batch_op.create_index("ix_bid_ulo_id", ["ulo_id"], unique=False)
