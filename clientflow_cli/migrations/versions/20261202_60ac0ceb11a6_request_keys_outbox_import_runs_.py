"""request keys, outbox, import runs, integrations journal, outbound calls, instance version index

Revision ID: 60ac0ceb11a6
Revises: 8dcb7b59132a
Create Date: 2026-12-02 00:27:29.872758
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "60ac0ceb11a6"
down_revision: str | None = "8dcb7b59132a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "request_key",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_key")),
    )
    op.create_index(op.f("ix_request_key_created_at"), "request_key", ["created_at"], unique=False)
    op.create_table(
        "crm_import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("running", "completed", name="importstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_import_run")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_crm_import_run_instance_id")),
    )
    op.create_table(
        "crm_import_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("bad", "duplicate", name="issuekind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("of_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["crm_import_run.id"],
            name=op.f("fk_crm_import_issue_import_run_id_crm_import_run"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_import_issue")),
    )
    op.create_index(
        "ix_crm_import_issue_run_line", "crm_import_issue", ["import_run_id", "line"], unique=False
    )
    op.create_table(
        "crm_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", name="outboxchannel", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=True),
        sa.Column("thread_references", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("campaign_member_id", sa.Integer(), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.String(length=64), nullable=True),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum("queued", "sent", "failed", name="outboxstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["crm_campaign.id"],
            name=op.f("fk_crm_outbox_campaign_id_crm_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_member_id"],
            ["crm_campaign_member.id"],
            name=op.f("fk_crm_outbox_campaign_member_id_crm_campaign_member"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["crm_case.id"], name=op.f("fk_crm_outbox_case_id_crm_case")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["crm_contact.id"], name=op.f("fk_crm_outbox_contact_id_crm_contact")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["crm_customer.id"],
            name=op.f("fk_crm_outbox_customer_id_crm_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["crm_deal.id"], name=op.f("fk_crm_outbox_deal_id_crm_deal")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["crm_interaction.id"],
            name=op.f("fk_crm_outbox_interaction_id_crm_interaction"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["crm_lead.id"], name=op.f("fk_crm_outbox_lead_id_crm_lead")
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["crm_quote.id"], name=op.f("fk_crm_outbox_quote_id_crm_quote")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_crm_outbox_message_id")),
    )
    op.create_index(op.f("ix_crm_outbox_campaign_id"), "crm_outbox", ["campaign_id"], unique=False)
    op.create_index(
        op.f("ix_crm_outbox_campaign_member_id"), "crm_outbox", ["campaign_member_id"], unique=False
    )
    op.create_index(op.f("ix_crm_outbox_case_id"), "crm_outbox", ["case_id"], unique=False)
    op.create_index(op.f("ix_crm_outbox_contact_id"), "crm_outbox", ["contact_id"], unique=False)
    op.create_index(op.f("ix_crm_outbox_customer_id"), "crm_outbox", ["customer_id"], unique=False)
    op.create_index(op.f("ix_crm_outbox_deal_id"), "crm_outbox", ["deal_id"], unique=False)
    op.create_index(
        "ix_crm_outbox_due", "crm_outbox", ["status", "next_attempt_at", "id"], unique=False
    )
    op.create_index(op.f("ix_crm_outbox_instance_id"), "crm_outbox", ["instance_id"], unique=False)
    op.create_index(op.f("ix_crm_outbox_lead_id"), "crm_outbox", ["lead_id"], unique=False)
    op.create_index(op.f("ix_crm_outbox_quote_id"), "crm_outbox", ["quote_id"], unique=False)
    op.create_table(
        "integration_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.String(length=300), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("thread_key", sa.String(length=300), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("outcome", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_event")),
        sa.UniqueConstraint(
            "source", "provider_id", name=op.f("uq_integration_event_source_provider_id")
        ),
    )
    op.create_index(
        op.f("ix_integration_event_sender"), "integration_event", ["sender"], unique=False
    )
    op.create_index(
        "ix_integration_event_status_received",
        "integration_event",
        ["status", "received_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_integration_event_thread_key"), "integration_event", ["thread_key"], unique=False
    )
    op.create_table(
        "integration_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("starts", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["integration_event.id"],
            name=op.f("fk_integration_action_event_id_integration_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_action")),
        sa.UniqueConstraint("key", name=op.f("uq_integration_action_key")),
    )
    op.create_index(
        op.f("ix_integration_action_event_id"), "integration_action", ["event_id"], unique=False
    )
    op.create_index(
        "ix_integration_action_sender_created",
        "integration_action",
        ["sender", "created_at"],
        unique=False,
    )
    op.add_column("crm_interaction", sa.Column("sender", sa.String(length=254), nullable=True))
    op.add_column("crm_interaction", sa.Column("recipients", sa.JSON(), nullable=True))
    op.create_index(
        op.f("ix_process_instance_version_id"), "process_instance", ["version_id"], unique=False
    )
    # batch mode: SQLite drops a foreign key only by rebuilding the table
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_constraint(
            op.f("fk_process_instance_version_id_process_version"), type_="foreignkey"
        )
    op.create_table(
        "integration_outbound_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("employee", sa.String(length=100), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_outbound_call")),
        sa.UniqueConstraint("reference", name=op.f("uq_integration_outbound_call_reference")),
        sa.UniqueConstraint(
            "source", "call_id", name=op.f("uq_integration_outbound_call_source_call_id")
        ),
    )
    op.create_index(
        "ix_integration_outbound_call_customer",
        "integration_outbound_call",
        ["customer_id", "requested_at"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_integration_outbound_call_customer", table_name="integration_outbound_call")
    op.drop_table("integration_outbound_call")
    with op.batch_alter_table("process_instance") as batch:
        batch.create_foreign_key(
            op.f("fk_process_instance_version_id_process_version"),
            "process_version",
            ["version_id"],
            ["id"],
        )
    op.drop_index(op.f("ix_process_instance_version_id"), table_name="process_instance")
    op.drop_column("crm_interaction", "recipients")
    op.drop_column("crm_interaction", "sender")
    op.drop_index("ix_integration_action_sender_created", table_name="integration_action")
    op.drop_index(op.f("ix_integration_action_event_id"), table_name="integration_action")
    op.drop_table("integration_action")
    op.drop_index(op.f("ix_integration_event_thread_key"), table_name="integration_event")
    op.drop_index("ix_integration_event_status_received", table_name="integration_event")
    op.drop_index(op.f("ix_integration_event_sender"), table_name="integration_event")
    op.drop_table("integration_event")
    op.drop_index(op.f("ix_crm_outbox_quote_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_lead_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_instance_id"), table_name="crm_outbox")
    op.drop_index("ix_crm_outbox_due", table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_deal_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_customer_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_contact_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_case_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_campaign_member_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_campaign_id"), table_name="crm_outbox")
    op.drop_table("crm_outbox")
    op.drop_index("ix_crm_import_issue_run_line", table_name="crm_import_issue")
    op.drop_table("crm_import_issue")
    op.drop_table("crm_import_run")
    op.drop_index(op.f("ix_request_key_created_at"), table_name="request_key")
    op.drop_table("request_key")
