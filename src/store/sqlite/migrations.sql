-- SQLite schema, as numbered migrations. Applied in order at start and by `minicrm migrate`;
-- a released migration is never edited: add a new one.
--
-- Ids are the 12 id bytes (time-ordered), so tables are keyed by them directly.
-- Times are int64 milliseconds UTC, money int64 minor units.

-- migration: 1 customers and orders
CREATE TABLE customers (
  id               BLOB PRIMARY KEY,
  name             TEXT NOT NULL,
  email            TEXT NOT NULL,
  phone            TEXT,
  city             TEXT,
  base_spend       INTEGER NOT NULL DEFAULT 0,
  base_visits      INTEGER NOT NULL DEFAULT 0,
  base_last_active INTEGER NOT NULL,
  order_spend      INTEGER NOT NULL DEFAULT 0,
  order_visits     INTEGER NOT NULL DEFAULT 0,
  last_order_at    INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  -- Served aggregates (API.md): base plus completed orders, never below zero.
  total_spend      INTEGER GENERATED ALWAYS AS (max(0, base_spend + order_spend)) VIRTUAL,
  visits           INTEGER GENERATED ALWAYS AS (max(0, base_visits + order_visits)) VIRTUAL,
  last_active      INTEGER GENERATED ALWAYS AS (max(base_last_active, coalesce(last_order_at, base_last_active))) VIRTUAL
) WITHOUT ROWID;
CREATE UNIQUE INDEX customers_email ON customers (email);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE);
CREATE INDEX customers_last_active ON customers (last_active);

CREATE TABLE orders (
  id          BLOB PRIMARY KEY,
  customer_id BLOB NOT NULL,
  items       TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  order_date  INTEGER NOT NULL,
  status      TEXT NOT NULL,
  channel     TEXT,
  external_id TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX orders_customer ON orders (customer_id, status, order_date);
CREATE INDEX orders_date ON orders (order_date);
CREATE UNIQUE INDEX orders_external_id ON orders (external_id) WHERE external_id IS NOT NULL;

-- migration: 2 segments: change log for other processes, city index
-- Processes other than the server (the CLI importer) record the customers they write here,
-- so a running server's in-memory customer index notices them. The server prunes it, so
-- sequence numbers must never be reused: AUTOINCREMENT.
CREATE TABLE customer_changes (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id BLOB NOT NULL
);
CREATE INDEX customers_city ON customers (city);
-- Every order moves its customer's lastActive, so this index cost two page writes per
-- order; previews now order by lastActive in memory (the SQL fallback sorts its matches).
DROP INDEX customers_last_active;

-- migration: 3 campaigns and their communications
-- Delivery counters live on the campaign row and change in the same transaction as the
-- communications they count, so stats are exact without counting rows.
CREATE TABLE campaigns (
  id            BLOB PRIMARY KEY,
  name          TEXT NOT NULL,
  message       TEXT NOT NULL,
  segment_rules TEXT NOT NULL,
  status        TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  scheduled_at  INTEGER,
  audience_size INTEGER NOT NULL DEFAULT 0,
  launched_at   INTEGER,
  -- NULL until launched; 'materializing' while the audience is written; then 'ready'.
  launch_state  TEXT,
  completed_at  INTEGER,
  paused_reason TEXT,
  last_error    TEXT,
  pending       INTEGER NOT NULL DEFAULT 0,
  sent          INTEGER NOT NULL DEFAULT 0,
  failed        INTEGER NOT NULL DEFAULT 0,
  cancelled     INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX campaigns_status ON campaigns (status, scheduled_at);

-- One row per (campaign, customer). The id doubles as the vendor's idempotency key.
-- message is NULL while it is the campaign's template, then the rendered text.
CREATE TABLE communications (
  id              BLOB PRIMARY KEY,
  campaign_id     BLOB NOT NULL,
  customer_id     BLOB,
  message         TEXT,
  status          TEXT NOT NULL,
  vendor_response TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  submitted_at    INTEGER,
  receipt_at      INTEGER,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
-- Receipts find a row by (campaign, customer); a customer's deletion finds their rows.
CREATE UNIQUE INDEX communications_customer ON communications (customer_id, campaign_id);
CREATE INDEX communications_campaign ON communications (campaign_id, id);
-- The dispatcher's work list: rows still to send or to hear back about.
CREATE INDEX communications_due ON communications (campaign_id, next_attempt_at)
  WHERE status = 'PENDING';

-- migration: 4 import jobs
-- CSV imports (service/import.h). A job's progress (resume_offset/resume_line: where the
-- next record starts in its spooled input) is saved in the same transaction as the rows
-- before it, so an interrupted job resumes exactly. Rows an import creates carry the job's
-- tag in bytes 5..9 of their id; rows it replaces are listed in import_touched with their
-- old values, so a failed import can be undone and a key seen twice in one file is a
-- duplicate.
CREATE TABLE import_jobs (
  id             BLOB PRIMARY KEY,
  kind           TEXT NOT NULL,
  mode           TEXT NOT NULL,
  dry_run        INTEGER NOT NULL,
  status         TEXT NOT NULL,
  input_path     TEXT NOT NULL,
  input_bytes    INTEGER NOT NULL,
  tag            BLOB NOT NULL,
  id_state       INTEGER NOT NULL,
  resume_offset  INTEGER NOT NULL,
  resume_line    INTEGER NOT NULL,
  received       INTEGER NOT NULL,
  accepted       INTEGER NOT NULL,
  inserted       INTEGER NOT NULL,
  updated        INTEGER NOT NULL,
  duplicates     INTEGER NOT NULL,
  rejected       INTEGER NOT NULL,
  rows_truncated INTEGER NOT NULL,
  error          TEXT,
  active_ms      INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  started_at     INTEGER,
  finished_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX import_jobs_unfinished ON import_jobs (status) WHERE status IN ('queued', 'running');
CREATE TABLE import_job_rows (
  job_id BLOB NOT NULL,
  row    INTEGER NOT NULL,
  key    TEXT NOT NULL,
  status TEXT NOT NULL,
  issues TEXT NOT NULL,
  PRIMARY KEY (job_id, row)
) WITHOUT ROWID;
CREATE TABLE import_touched (
  tag    BLOB NOT NULL,
  row_id BLOB NOT NULL,
  old    TEXT NOT NULL,
  PRIMARY KEY (tag, row_id)
) WITHOUT ROWID;

-- migration: 5 api keys
-- Only the SHA-256 of a key is kept; `hint` is its last
-- 4 characters so `minicrm keys list` can tell keys apart.
CREATE TABLE api_keys (
  id           BLOB PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,
  key_hash     BLOB NOT NULL UNIQUE,
  hint         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  revoked_at   INTEGER,
  last_used_at INTEGER
) WITHOUT ROWID;
