"""PostgreSQL links the hash chains when the transaction commits, not when the row is inserted

Revision ID: 0016_chainatcommit
Revises: 0015_signer
Create Date: 2026-12-03 13:40:00

Since 0009 a BEFORE INSERT row trigger numbered and hashed each new movement and audit event, which meant
locking its chain's head row (one per facility) at the insert and holding it until the client's COMMIT
arrived: every posting of a facility waited for the one before it to finish its round trips to the
application (its result read, its answer built, its COMMIT sent). Now:

- a BEFORE INSERT trigger only sets `movement.facility_id` from the location (no lock);
- an AFTER INSERT statement trigger notes the chains the statement touched in a transaction-local setting;
- a deferred constraint trigger (`DEFERRABLE INITIALLY DEFERRED`, one event per row) runs at COMMIT: the
  first one of the transaction locks every chain the transaction touched, in sorted order (so two
  committing transactions never wait for each other in a cycle), and each row is then numbered, hashed
  and written, and its chain's head moved. The head rows are held only while PostgreSQL commits.

Writing the number and hash is an UPDATE of a row that was inserted by the same transaction, its chain
columns still empty: the append-only trigger allows exactly that (chain columns from empty to filled, no
other column changed), as SQLite's already did. The trigger functions are SECURITY DEFINER, so a server
role without the UPDATE right (docs/ledgerproof.md) still gets its rows chained. The hash itself and its
canonical text are unchanged (inventory/chain.py); rows already chained stay as they are. SQLite is
unchanged: it has one writer at a time.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0016_chainatcommit"
down_revision: str | None = "0015_signer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ledgerproof():  # type: ignore[no-untyped-def]
    """Migration 0009, whose canonical-text SQL and first triggers this one reuses (and restores on downgrade)."""
    spec = importlib.util.spec_from_file_location(
        "vaxstock_0009", Path(__file__).with_name("0009_ledgerproof.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0009 = _ledgerproof()
GENESIS = _0009.GENESIS
CHAINED = ("movement", "audit_event")

_SETTING = "'vaxstock.c_' || md5({chain})"
"""The transaction-local setting that holds a chain's last number and hash once the transaction holds it."""


def _note(table: str, chain_of_row: str) -> str:
    """The AFTER INSERT statement trigger: add the chains of the statement's rows to `vaxstock.chains`."""
    return f"""CREATE FUNCTION vaxstock_{table}_note() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM set_config('vaxstock.chains', (
        SELECT jsonb_agg(DISTINCT c)::text FROM (
          SELECT jsonb_array_elements_text(coalesce(nullif(current_setting('vaxstock.chains', true), ''), '[]')::jsonb)
          UNION SELECT {chain_of_row} FROM new_rows) AS t(c)), true);
      RETURN NULL;
    END $$"""


LOCK_CHAINS = f"""CREATE FUNCTION vaxstock_lock_chains() RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE c text; last_seq bigint; last_hash text;
    BEGIN
      FOR c IN SELECT x FROM jsonb_array_elements_text(current_setting('vaxstock.chains')::jsonb) AS t(x)
               ORDER BY x COLLATE "C" LOOP
        SELECT seq, hash INTO last_seq, last_hash FROM ledger_chain WHERE chain = c FOR NO KEY UPDATE;
        IF NOT FOUND THEN
          INSERT INTO ledger_chain (chain, seq, hash) VALUES (c, 0, '{GENESIS}') ON CONFLICT (chain) DO NOTHING;
          SELECT seq, hash INTO last_seq, last_hash FROM ledger_chain WHERE chain = c FOR NO KEY UPDATE;
        END IF;
        PERFORM set_config({_SETTING.format(chain="c")}, last_seq || ' ' || last_hash, true);
      END LOOP;
    END $$"""
"""Lock every chain the committing transaction touched, in one order, and remember where each stands."""


def _link(table: str, chain: str, text: str) -> str:
    """The deferred row trigger: number and hash the row after the last of its chain, write both into the
    row and move the head. Runs at COMMIT, after every insert of the transaction."""
    return f"""CREATE FUNCTION vaxstock_{table}_link_at_commit() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE c text; k text; v text;
    BEGIN
      c := {chain};
      k := {_SETTING.format(chain="c")};
      v := current_setting(k, true);
      IF coalesce(v, '') = '' THEN
        PERFORM vaxstock_lock_chains();
        v := current_setting(k);
      END IF;
      NEW.chain_seq := split_part(v, ' ', 1)::bigint + 1;
      NEW.chain_hash := encode(sha256(convert_to(split_part(v, ' ', 2) || {text}, 'UTF8')), 'hex');
      UPDATE {table} SET chain_seq = NEW.chain_seq, chain_hash = NEW.chain_hash WHERE id = NEW.id;
      UPDATE ledger_chain SET seq = NEW.chain_seq, hash = NEW.chain_hash WHERE chain = c;
      PERFORM set_config(k, NEW.chain_seq || ' ' || NEW.chain_hash, true);
      RETURN NULL;
    END $$"""


APPEND_ONLY = """CREATE OR REPLACE FUNCTION vaxstock_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- the one update allowed: the chain link at commit fills a new row's empty chain columns, nothing else
      -- (through jsonb: stock_document has no chain columns, and PL/pgSQL would refuse OLD.chain_hash there)
      IF TG_OP = 'UPDATE' AND TG_TABLE_NAME IN ('movement', 'audit_event')
         AND to_jsonb(OLD) ->> 'chain_hash' IS NULL AND to_jsonb(NEW) ->> 'chain_hash' IS NOT NULL
         AND to_jsonb(OLD) - 'chain_seq' - 'chain_hash' = to_jsonb(NEW) - 'chain_seq' - 'chain_hash' THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'vaxstock: % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'a mistake is corrected by a reversal or an adjustment, never by editing the ledger';
    END $$"""

MOVEMENT_CHAIN = "'movement:' || NEW.facility_id"
AUDIT_CHAIN = "'audit:' || coalesce(NEW.facility_code, '')"

PG_UP = [
    "DROP TRIGGER movement_chain_link ON movement",
    "DROP TRIGGER movement_chain_head ON movement",
    "DROP TRIGGER audit_event_chain_link ON audit_event",
    "DROP TRIGGER audit_event_chain_head ON audit_event",
    "DROP FUNCTION vaxstock_movement_link()",
    "DROP FUNCTION vaxstock_movement_head()",
    "DROP FUNCTION vaxstock_audit_link()",
    "DROP FUNCTION vaxstock_audit_head()",
    APPEND_ONLY,
    """CREATE FUNCTION vaxstock_movement_facility() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT facility_id INTO STRICT NEW.facility_id FROM location WHERE id = NEW.location_id;
      RETURN NEW;
    END $$""",
    _note("movement", "'movement:' || facility_id"),
    _note("audit_event", "'audit:' || coalesce(facility_code, '')"),
    LOCK_CHAINS,
    _link("movement", MOVEMENT_CHAIN, _0009._PG_MOVEMENT_TEXT),
    _link("audit_event", AUDIT_CHAIN, _0009._PG_AUDIT_TEXT),
    "CREATE TRIGGER movement_facility BEFORE INSERT ON movement FOR EACH ROW "
    "EXECUTE FUNCTION vaxstock_movement_facility()",
    *(
        statement
        for table in CHAINED
        for statement in (
            f"CREATE TRIGGER {table}_chain_note AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION vaxstock_{table}_note()",
            f"CREATE CONSTRAINT TRIGGER {table}_chain_link AFTER INSERT ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION vaxstock_{table}_link_at_commit()",
        )
    ),
]

PG_DOWN = [
    *(
        f"DROP TRIGGER {table}_{name} ON {table}"
        for table in CHAINED
        for name in ("chain_link", "chain_note")
    ),
    "DROP TRIGGER movement_facility ON movement",
    *(f"DROP FUNCTION vaxstock_{table}_{name}()" for table in CHAINED for name in ("link_at_commit", "note")),
    "DROP FUNCTION vaxstock_lock_chains()",
    "DROP FUNCTION vaxstock_movement_facility()",
    "DROP FUNCTION vaxstock_append_only() CASCADE",
    *_0009.PG_UP,
]
"""Back to 0009's triggers (dropping the append-only function drops its triggers; 0009 creates them again)."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
