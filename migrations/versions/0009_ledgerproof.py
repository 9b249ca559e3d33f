"""A ledger that proves itself: hash chains on movements and audit events, and append-only tables

Revision ID: 0009_ledgerproof
Revises: 0008_credentials
Create Date: 2026-12-03 07:00:00

- movement gets `facility_id` (its location's facility: the chain it belongs to), `chain_seq` and
  `chain_hash`; audit_event gets `chain_seq` and `chain_hash` (its chain is its facility_code);
  `ledger_chain` keeps each chain's head (last number and hash). inventory/chain.py defines the hash.
- The rows already there are chained here, in the order of their ids within each chain.
- The database computes the chain of every new row, whoever inserts it:
  PostgreSQL: a BEFORE INSERT row trigger (PL/pgSQL, sha256()) locks the chain's head row (after the
  balance rows the ledger statement locked already: one lock order) and links the row to the last one of
  its chain; an AFTER INSERT statement trigger moves the head once per statement.
  SQLite: an AFTER INSERT trigger calls vaxstock_chain_link (inventory.chain.sqlite_function, registered on
  every connection by inventory.db) and fills the row's chain columns once.
- movement, stock_document and audit_event refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) by trigger:
  only a superuser can get round it (session_replication_role = replica, or dropping the trigger), which is
  what `vaxstock verify` is there to catch. docs/ledgerproof.md says how to serve under a role that lacks
  those rights altogether.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inventory.types
from inventory.chain import AUDIT_FIELDS, GENESIS, MOVEMENT_FIELDS, audit_chain, link, movement_chain

revision: str = "0009_ledgerproof"
down_revision: str | None = "0008_credentials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("movement", "stock_document", "audit_event")


NOT_NULL = {"chain_seq", "id", "document_id", "kind", "location_id", "lot_id", "doses", "occurred_on"}
NOT_NULL |= {"recorded_at", "recorded_by", "at", "username", "action", "changes"}


def _pg_field(name: str) -> str:
    """One field of the canonical text (inventory/chain.py), as PL/pgSQL computes it from NEW."""
    value = (
        f"""to_char(NEW.{name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        if name in ("recorded_at", "at")
        else f"to_char(NEW.{name}, 'YYYY-MM-DD')"
        if name == "occurred_on"
        else f"NEW.{name}::text"
    )
    written = f"length({value}) || ':' || {value} || ';'"
    return written if name in NOT_NULL else f"CASE WHEN NEW.{name} IS NULL THEN '-;' ELSE {written} END"


_PG_MOVEMENT_TEXT = " || ".join(["'8:movement;'", *(_pg_field(f) for f in MOVEMENT_FIELDS)])
_PG_AUDIT_TEXT = " || ".join(["'5:audit;'", *(_pg_field(f) for f in AUDIT_FIELDS)])


def _pg_link(name: str, chain: str, setting: str, text: str, before: str = "") -> str:
    """The BEFORE INSERT row trigger of a chained table: the first row of a chain in a transaction locks the
    chain's head (FOR NO KEY UPDATE, held to commit) and starts from it; later rows of the same transaction
    continue from the last one, kept in a transaction-local setting (no query: a 500-line import reads the
    head once). The setting is undone with the rows if a savepoint rolls back."""
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE k text; v text; last_seq bigint; last_hash text;
    BEGIN
      {before}
      k := {setting};
      v := current_setting(k, true);
      IF coalesce(v, '') = '' THEN
        SELECT seq, hash INTO last_seq, last_hash FROM ledger_chain WHERE chain = {chain} FOR NO KEY UPDATE;
        IF NOT FOUND THEN
          INSERT INTO ledger_chain (chain, seq, hash) VALUES ({chain}, 0, '{GENESIS}') ON CONFLICT (chain) DO NOTHING;
          SELECT seq, hash INTO last_seq, last_hash FROM ledger_chain WHERE chain = {chain} FOR NO KEY UPDATE;
        END IF;
      ELSE
        last_seq := split_part(v, ' ', 1)::bigint;
        last_hash := split_part(v, ' ', 2);
      END IF;
      NEW.chain_seq := last_seq + 1;
      NEW.chain_hash := encode(sha256(convert_to(last_hash || {text}, 'UTF8')), 'hex');
      PERFORM set_config(k, NEW.chain_seq || ' ' || NEW.chain_hash, true);
      RETURN NEW;
    END $$"""


PG_UP = [
    _pg_link(
        "vaxstock_movement_link",
        "'movement:' || NEW.facility_id",
        "'vaxstock.chain_movement_' || NEW.facility_id",
        _PG_MOVEMENT_TEXT,
        before="SELECT facility_id INTO STRICT NEW.facility_id FROM location WHERE id = NEW.location_id;",
    ),
    _pg_link(
        "vaxstock_audit_link",
        "'audit:' || coalesce(NEW.facility_code, '')",
        "'vaxstock.chain_audit_' || md5(coalesce(NEW.facility_code, ''))",
        _PG_AUDIT_TEXT,
    ),
    """CREATE FUNCTION vaxstock_movement_head() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ledger_chain c SET seq = n.chain_seq, hash = n.chain_hash
      FROM (SELECT DISTINCT ON (facility_id) facility_id, chain_seq, chain_hash FROM new_rows
            ORDER BY facility_id, chain_seq DESC) n
      WHERE c.chain = 'movement:' || n.facility_id AND c.seq < n.chain_seq;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION vaxstock_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ledger_chain c SET seq = n.chain_seq, hash = n.chain_hash
      FROM (SELECT DISTINCT ON (coalesce(facility_code, '')) coalesce(facility_code, '') AS code,
                   chain_seq, chain_hash FROM new_rows
            ORDER BY coalesce(facility_code, ''), chain_seq DESC) n
      WHERE c.chain = 'audit:' || n.code AND c.seq < n.chain_seq;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION vaxstock_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'vaxstock: % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'a mistake is corrected by a reversal or an adjustment, never by editing the ledger';
    END $$""",
    "CREATE TRIGGER movement_chain_link BEFORE INSERT ON movement FOR EACH ROW "
    "EXECUTE FUNCTION vaxstock_movement_link()",
    "CREATE TRIGGER movement_chain_head AFTER INSERT ON movement REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION vaxstock_movement_head()",
    "CREATE TRIGGER audit_event_chain_link BEFORE INSERT ON audit_event FOR EACH ROW "
    "EXECUTE FUNCTION vaxstock_audit_link()",
    "CREATE TRIGGER audit_event_chain_head AFTER INSERT ON audit_event REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION vaxstock_audit_head()",
    *(
        statement
        for table in APPEND_ONLY
        for statement in (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION vaxstock_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION vaxstock_append_only()",
        )
    ),
]
PG_DOWN = [
    *(f"DROP TRIGGER {t}_{n} ON {t}" for t in APPEND_ONLY for n in ("append_only", "no_truncate")),
    "DROP TRIGGER audit_event_chain_head ON audit_event",
    "DROP TRIGGER audit_event_chain_link ON audit_event",
    "DROP TRIGGER movement_chain_head ON movement",
    "DROP TRIGGER movement_chain_link ON movement",
    "DROP FUNCTION vaxstock_append_only()",
    "DROP FUNCTION vaxstock_audit_head()",
    "DROP FUNCTION vaxstock_movement_head()",
    "DROP FUNCTION vaxstock_audit_link()",
    "DROP FUNCTION vaxstock_movement_link()",
]


def _sqlite_args(fields: Sequence[str], chain_seq: str) -> str:
    return ", ".join(chain_seq if f == "chain_seq" else f"NEW.{f}" for f in fields)


_SQLITE_MOVEMENT_KEY = "'movement:' || (SELECT facility_id FROM location WHERE id = NEW.location_id)"
_SQLITE_AUDIT_KEY = "'audit:' || coalesce(NEW.facility_code, '')"
SQLITE_UP = [
    f"""CREATE TRIGGER movement_chain_link AFTER INSERT ON movement BEGIN
      INSERT INTO ledger_chain (chain, seq, hash) SELECT {_SQLITE_MOVEMENT_KEY}, 0, '{GENESIS}' WHERE true
        ON CONFLICT (chain) DO NOTHING;
      UPDATE ledger_chain SET seq = seq + 1,
        hash = vaxstock_chain_link(hash, 'movement', {_sqlite_args(MOVEMENT_FIELDS, "seq + 1")})
        WHERE chain = {_SQLITE_MOVEMENT_KEY};
      UPDATE movement SET facility_id = (SELECT facility_id FROM location WHERE id = NEW.location_id),
        chain_seq = (SELECT seq FROM ledger_chain WHERE chain = {_SQLITE_MOVEMENT_KEY}),
        chain_hash = (SELECT hash FROM ledger_chain WHERE chain = {_SQLITE_MOVEMENT_KEY})
        WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER audit_event_chain_link AFTER INSERT ON audit_event BEGIN
      INSERT INTO ledger_chain (chain, seq, hash) SELECT {_SQLITE_AUDIT_KEY}, 0, '{GENESIS}' WHERE true
        ON CONFLICT (chain) DO NOTHING;
      UPDATE ledger_chain SET seq = seq + 1,
        hash = vaxstock_chain_link(hash, 'audit', {_sqlite_args(AUDIT_FIELDS, "seq + 1")})
        WHERE chain = {_SQLITE_AUDIT_KEY};
      UPDATE audit_event SET chain_seq = (SELECT seq FROM ledger_chain WHERE chain = {_SQLITE_AUDIT_KEY}),
        chain_hash = (SELECT hash FROM ledger_chain WHERE chain = {_SQLITE_AUDIT_KEY})
        WHERE id = NEW.id;
    END""",
    # the chain columns are filled once, by the trigger above; nothing else may change
    """CREATE TRIGGER movement_append_only BEFORE UPDATE ON movement
      WHEN OLD.chain_hash IS NOT NULL OR NEW.chain_hash IS NULL OR NEW.id IS NOT OLD.id
        OR NEW.document_id IS NOT OLD.document_id OR NEW.kind IS NOT OLD.kind
        OR NEW.location_id IS NOT OLD.location_id OR NEW.lot_id IS NOT OLD.lot_id OR NEW.doses IS NOT OLD.doses
        OR NEW.occurred_on IS NOT OLD.occurred_on OR NEW.recorded_at IS NOT OLD.recorded_at
        OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.reason_code IS NOT OLD.reason_code
        OR NEW.reverses_movement_id IS NOT OLD.reverses_movement_id
    BEGIN SELECT RAISE(ABORT, 'vaxstock: movement is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
      WHEN OLD.chain_hash IS NOT NULL OR NEW.chain_hash IS NULL OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
        OR NEW.username IS NOT OLD.username OR NEW.address IS NOT OLD.address OR NEW.action IS NOT OLD.action
        OR NEW.facility_code IS NOT OLD.facility_code OR NEW.entity IS NOT OLD.entity
        OR NEW.changes IS NOT OLD.changes
    BEGIN SELECT RAISE(ABORT, 'vaxstock: audit_event is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER stock_document_append_only BEFORE UPDATE ON stock_document
    BEGIN SELECT RAISE(ABORT, 'vaxstock: stock_document is append-only: UPDATE refused'); END""",
    *(
        f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} "
        f"BEGIN SELECT RAISE(ABORT, 'vaxstock: {t} is append-only: DELETE refused'); END"
        for t in APPEND_ONLY
    ),
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER {t}_{n}" for t in APPEND_ONLY for n in ("append_only", "no_delete")),
    "DROP TRIGGER audit_event_chain_link",
    "DROP TRIGGER movement_chain_link",
]


def _backfill() -> None:
    """Chain the rows already there, in id order within each chain, and record each chain's head."""
    connection = op.get_bind()
    movement = sa.table(
        "movement",
        *(sa.column(f) for f in MOVEMENT_FIELDS if f not in ("occurred_on", "recorded_at")),
        sa.column("occurred_on", sa.Date()),
        sa.column("recorded_at", inventory.types.UTCDateTime(timezone=True)),
        sa.column("facility_id"),
        sa.column("chain_hash"),
    )
    audit = sa.table(
        "audit_event",
        *(sa.column(f) for f in AUDIT_FIELDS if f != "at"),
        sa.column("at", inventory.types.UTCDateTime(timezone=True)),
        sa.column("chain_hash"),
    )
    location = sa.table("location", sa.column("id"), sa.column("facility_id"))
    heads: dict[str, tuple[int, str]] = {}
    rows = connection.execute(
        sa.select(location.c.facility_id, *(movement.c[f] for f in MOVEMENT_FIELDS if f != "chain_seq"))
        .join(location, location.c.id == movement.c.location_id)
        .order_by(location.c.facility_id, movement.c.id)
    ).all()
    updates = []
    for row in rows:
        chain = movement_chain(row.facility_id)
        seq, previous = heads.get(chain, (0, GENESIS))
        values = [seq + 1, *(row._mapping[f] for f in MOVEMENT_FIELDS if f != "chain_seq")]
        digest = link(previous, "movement", values)
        heads[chain] = (seq + 1, digest)
        updates.append({"k": row.id, "f": row.facility_id, "s": seq + 1, "h": digest})
    if updates:
        connection.execute(
            movement.update()
            .where(movement.c.id == sa.bindparam("k"))
            .values(facility_id=sa.bindparam("f"), chain_seq=sa.bindparam("s"), chain_hash=sa.bindparam("h")),
            updates,
        )
    rows = connection.execute(
        sa.select(*(audit.c[f] for f in AUDIT_FIELDS if f != "chain_seq")).order_by(
            sa.func.coalesce(audit.c.facility_code, ""), audit.c.id
        )
    ).all()
    updates = []
    for row in rows:
        chain = audit_chain(row.facility_code)
        seq, previous = heads.get(chain, (0, GENESIS))
        values = [seq + 1, *(row._mapping[f] for f in AUDIT_FIELDS if f != "chain_seq")]
        digest = link(previous, "audit", values)
        heads[chain] = (seq + 1, digest)
        updates.append({"k": row.id, "s": seq + 1, "h": digest})
    if updates:
        connection.execute(
            audit.update()
            .where(audit.c.id == sa.bindparam("k"))
            .values(chain_seq=sa.bindparam("s"), chain_hash=sa.bindparam("h")),
            updates,
        )
    if heads:
        chains = sa.table("ledger_chain", sa.column("chain"), sa.column("seq"), sa.column("hash"))
        connection.execute(
            chains.insert(), [{"chain": c, "seq": s, "hash": h} for c, (s, h) in sorted(heads.items())]
        )


def upgrade() -> None:
    op.create_table(
        "ledger_chain",
        sa.Column("chain", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_ledger_chain")),
    )
    with op.batch_alter_table("movement") as batch:
        batch.add_column(sa.Column("facility_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
    _backfill()
    op.create_index("ix_movement_chain", "movement", ["facility_id", "chain_seq"], unique=True)
    op.create_index("ix_audit_event_chain", "audit_event", ["facility_code", "chain_seq"], unique=False)
    for statement in PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in PG_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_audit_event_chain", table_name="audit_event")
    op.drop_index("ix_movement_chain", table_name="movement")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("chain_hash")
        batch.drop_column("chain_seq")
    with op.batch_alter_table("movement") as batch:
        batch.drop_column("chain_hash")
        batch.drop_column("chain_seq")
        batch.drop_column("facility_id")
    op.drop_table("ledger_chain")
