-- Every fixed SQL statement of the SQLite store, by name. Generated statements (list
-- filters, sort keys) are assembled in sqlite_store.cpp from the column map there.
-- Parameters are numbered; ids are bound as 12-byte blobs.

-- name: customer-get
SELECT id, name, email, phone, city, base_spend, base_visits, base_last_active,
       order_spend, order_visits, last_order_at, created_at, updated_at
FROM customers WHERE id = ?1

-- name: customer-ref
SELECT id, name, email, phone FROM customers WHERE id = ?1

-- name: customer-insert
INSERT INTO customers (id, name, email, phone, city, base_spend, base_visits, base_last_active,
                       order_spend, order_visits, last_order_at, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)

-- name: customer-update
UPDATE customers
SET name = ?2, email = ?3, phone = ?4, city = ?5, base_spend = ?6, base_visits = ?7,
    base_last_active = ?8, order_spend = ?9, order_visits = ?10, last_order_at = ?11,
    created_at = ?12, updated_at = ?13
WHERE id = ?1

-- name: customer-delete
DELETE FROM customers WHERE id = ?1

-- name: customer-add-order
UPDATE customers
SET order_spend = order_spend + ?2, order_visits = order_visits + 1,
    last_order_at = max(coalesce(last_order_at, ?3), ?3), updated_at = ?4
WHERE id = ?1
RETURNING id, name, email, phone, city, total_spend, visits, last_active, created_at

-- name: customer-recompute-aggregates
UPDATE customers
SET (order_spend, order_visits, last_order_at) =
      (SELECT coalesce(sum(amount), 0), count(*), max(order_date)
       FROM orders WHERE customer_id = ?1 AND status = 'completed'),
    updated_at = ?2
WHERE id = ?1
RETURNING id, name, email, phone, city, total_spend, visits, last_active, created_at

-- name: customer-search-email-prefix
SELECT id, name, email, phone FROM customers
WHERE email >= ?1 AND email < ?2
ORDER BY email LIMIT ?3

-- name: customer-search-name-prefix
SELECT id, name, email, phone FROM customers
WHERE name >= ?1 COLLATE NOCASE AND name < ?2 COLLATE NOCASE
ORDER BY name COLLATE NOCASE LIMIT ?3

-- name: customer-search-substring
SELECT id, name, email, phone FROM customers
WHERE instr(email, ?1) > 0 OR instr(lower(name), ?1) > 0
ORDER BY name COLLATE NOCASE LIMIT ?2

-- name: orders-delete-by-customer
DELETE FROM orders WHERE customer_id = ?1

-- name: order-get
SELECT id, customer_id, items, amount, order_date, status, channel, external_id,
       created_at, updated_at
FROM orders WHERE id = ?1

-- name: order-get-with-customer
SELECT o.id, o.customer_id, o.items, o.amount, o.order_date, o.status, o.channel,
       o.external_id, o.created_at, o.updated_at, c.name, c.email, c.phone
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.id = ?1

-- name: order-insert
INSERT INTO orders (id, customer_id, items, amount, order_date, status, channel, external_id,
                    created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)

-- name: order-update
UPDATE orders
SET customer_id = ?2, items = ?3, amount = ?4, order_date = ?5, status = ?6, channel = ?7,
    external_id = ?8, created_at = ?9, updated_at = ?10
WHERE id = ?1

-- name: order-delete
DELETE FROM orders WHERE id = ?1

-- name: revenue-by-day
SELECT order_date - (((order_date % 86400000) + 86400000) % 86400000) AS day,
       sum(amount), count(*)
FROM orders
WHERE status = 'completed' AND order_date >= ?1 AND order_date <= ?2
GROUP BY day ORDER BY day

-- name: top-customers
SELECT t.customer_id, c.name, c.email, c.phone, t.revenue, t.n
FROM (SELECT customer_id, sum(amount) AS revenue, count(*) AS n
      FROM orders
      WHERE status = 'completed' AND order_date >= ?1 AND order_date <= ?2
      GROUP BY customer_id
      ORDER BY revenue DESC, customer_id
      LIMIT ?3) t
JOIN customers c ON c.id = t.customer_id
ORDER BY t.revenue DESC, t.customer_id

-- name: customer-count
SELECT count(*) FROM customers

-- name: customer-facts-all
SELECT id, name, email, phone, city, total_spend, visits, last_active, created_at
FROM customers

-- name: customer-facts-one
SELECT id, name, email, phone, city, total_spend, visits, last_active, created_at
FROM customers WHERE id = ?1

-- name: customer-changes-max
SELECT coalesce(max(seq), 0) FROM customer_changes

-- name: customer-changes-since
SELECT seq, customer_id FROM customer_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2

-- name: customer-changes-insert
INSERT INTO customer_changes (customer_id) VALUES (?1)

-- name: customer-changes-prune
DELETE FROM customer_changes WHERE seq <= ?1

-- name: ping
SELECT 1

-- Campaigns -------------------------------------------------------------------------------

-- name: campaign-get
SELECT id, name, message, segment_rules, status, created_by, scheduled_at, audience_size,
       launched_at, completed_at, paused_reason, last_error, pending, sent, failed, cancelled,
       created_at, updated_at, launch_state
FROM campaigns WHERE id = ?1

-- name: campaign-insert
INSERT INTO campaigns (id, name, message, segment_rules, status, created_by, scheduled_at,
                       audience_size, launched_at, completed_at, paused_reason, last_error,
                       created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)

-- name: campaign-update
UPDATE campaigns
SET name = ?2, message = ?3, segment_rules = ?4, status = ?5, created_by = ?6,
    scheduled_at = ?7, audience_size = ?8, launched_at = ?9, completed_at = ?10,
    paused_reason = ?11, last_error = ?12, created_at = ?13, updated_at = ?14
WHERE id = ?1

-- name: campaign-delete
DELETE FROM campaigns WHERE id = ?1

-- name: campaign-communications-delete-chunk
DELETE FROM communications
WHERE id IN (SELECT id FROM communications WHERE campaign_id = ?1 LIMIT ?2)

-- name: campaign-launch-materializing
-- A launch starts with no communications (a redone one has discarded the partial ones).
UPDATE campaigns
SET launch_state = 'materializing', pending = 0, sent = 0, failed = 0, cancelled = 0,
    updated_at = ?2
WHERE id = ?1

-- name: campaign-launch-ready
-- While the audience was written, only cancellations (deleted customers) moved pending,
-- downwards: adding the audience size makes it exact without counting rows.
UPDATE campaigns SET launch_state = 'ready', pending = pending + ?3, updated_at = ?2
WHERE id = ?1

-- name: campaign-stats-add
UPDATE campaigns
SET pending = pending + ?2, sent = sent + ?3, failed = failed + ?4, cancelled = cancelled + ?5,
    updated_at = ?6
WHERE id = ?1

-- name: campaign-complete-if-done
UPDATE campaigns SET status = 'completed', completed_at = ?2, updated_at = ?2
WHERE id = ?1 AND status = 'running' AND launch_state = 'ready' AND pending = 0

-- name: campaigns-due-scheduled
SELECT id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= ?1

-- name: campaigns-interrupted-launches
SELECT id FROM campaigns WHERE launch_state = 'materializing'

-- name: campaigns-dispatchable
SELECT id, message FROM campaigns WHERE status = 'running' AND launch_state = 'ready'

-- name: campaign-recount
SELECT
  coalesce(sum(status = 'PENDING'), 0), coalesce(sum(status = 'SENT'), 0),
  coalesce(sum(status = 'FAILED'), 0), coalesce(sum(status = 'CANCELLED'), 0)
FROM communications WHERE campaign_id = ?1

-- Communications --------------------------------------------------------------------------

-- name: audience-insert
INSERT INTO communications (id, campaign_id, customer_id, status, created_at, updated_at)
VALUES (?1, ?2, ?3, 'PENDING', ?4, ?4)

-- name: communication-get
SELECT id, campaign_id, customer_id, message, status, vendor_response, attempts,
       submitted_at, receipt_at, next_attempt_at, created_at, updated_at
FROM communications WHERE id = ?1

-- name: communication-by-recipient
SELECT id, status, receipt_at FROM communications WHERE customer_id = ?1 AND campaign_id = ?2

-- name: communication-insert
INSERT INTO communications (id, campaign_id, customer_id, message, status, vendor_response,
                            attempts, submitted_at, receipt_at, next_attempt_at, created_at,
                            updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)

-- name: communication-update
UPDATE communications
SET campaign_id = ?2, customer_id = ?3, message = ?4, status = ?5, vendor_response = ?6,
    attempts = ?7, submitted_at = ?8, receipt_at = ?9, next_attempt_at = ?10,
    created_at = ?11, updated_at = ?12
WHERE id = ?1

-- name: communication-delete
DELETE FROM communications WHERE id = ?1

-- name: communications-due
SELECT c.id, c.customer_id, c.attempts, u.name, u.email, u.city
FROM communications c LEFT JOIN customers u ON u.id = c.customer_id
WHERE c.campaign_id = ?1 AND c.status = 'PENDING' AND c.next_attempt_at <= ?2
ORDER BY c.next_attempt_at LIMIT ?3

-- name: communication-claim
UPDATE communications
SET attempts = attempts + 1, next_attempt_at = ?2, updated_at = ?3, message = ?4
WHERE id = ?1

-- name: communication-accepted
-- The receipt may have come first: the row then keeps its final status and receipt.
UPDATE communications
SET submitted_at = coalesce(submitted_at, ?2),
    next_attempt_at = CASE WHEN status = 'PENDING' THEN ?3 ELSE next_attempt_at END,
    vendor_response = CASE WHEN status = 'PENDING' THEN NULL ELSE vendor_response END,
    updated_at = ?2
WHERE id = ?1

-- name: communication-retry
UPDATE communications SET next_attempt_at = ?3, vendor_response = ?4, updated_at = ?2
WHERE id = ?1 AND status = 'PENDING'

-- name: communication-final
UPDATE communications
SET status = ?3, vendor_response = ?4, receipt_at = ?5, updated_at = ?2
WHERE id = ?1 AND status = 'PENDING'
RETURNING campaign_id

-- name: communication-receipt
UPDATE communications SET status = ?2, vendor_response = ?3, receipt_at = ?4, updated_at = ?5
WHERE id = ?1

-- name: communications-cancel-unsent
UPDATE communications SET status = 'CANCELLED', vendor_response = ?3, updated_at = ?4
WHERE id IN (SELECT id FROM communications
             WHERE campaign_id = ?1 AND status = 'PENDING' AND submitted_at IS NULL
             LIMIT ?2)

-- name: communications-cancel-customer
UPDATE communications SET status = 'CANCELLED', vendor_response = 'customer deleted',
                          updated_at = ?2
WHERE customer_id = ?1 AND status = 'PENDING' AND submitted_at IS NULL
RETURNING campaign_id
-- name: api-key-insert
INSERT INTO api_keys (id, name, role, key_hash, hint, created_at, expires_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)

-- name: api-key-list
SELECT id, name, role, key_hash, hint, created_at, expires_at, revoked_at, last_used_at
FROM api_keys ORDER BY id

-- name: api-key-revoke
UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL

-- name: api-key-record-use
UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1

-- name: customer-get-by-email
SELECT id, name, email, phone, city, base_spend, base_visits, base_last_active,
       order_spend, order_visits, last_order_at, created_at, updated_at
FROM customers WHERE email = ?1

-- name: import-customer-insert
INSERT INTO customers (id, name, email, phone, city, base_spend, base_visits, base_last_active,
                       order_spend, order_visits, last_order_at, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT (email) DO NOTHING

-- name: import-customer-upsert
UPDATE customers
SET name = coalesce(?2, name), phone = coalesce(?3, phone), city = coalesce(?4, city),
    base_spend = coalesce(?5, base_spend), base_visits = coalesce(?6, base_visits),
    base_last_active = coalesce(?7, base_last_active), updated_at = ?8
WHERE id = ?1

-- name: import-customer-restore
UPDATE customers
SET name = ?2, phone = ?3, city = ?4, base_spend = ?5, base_visits = ?6,
    base_last_active = ?7, updated_at = ?8
WHERE id = ?1
RETURNING id, name, email, phone, city, total_spend, visits, last_active, created_at

-- name: import-touched-insert
INSERT INTO import_touched (tag, row_id, old) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING

-- name: import-touched-page
SELECT row_id, old FROM import_touched WHERE tag = ?1 LIMIT ?2

-- name: import-touched-delete
DELETE FROM import_touched WHERE tag = ?1 AND row_id = ?2

-- name: import-tagged-customers
SELECT id FROM customers WHERE id >= ?1 AND id < ?2 AND substr(id, 5, 5) = ?3 LIMIT ?4

-- name: import-tagged-orders
SELECT id, customer_id FROM orders WHERE id >= ?1 AND id < ?2 AND substr(id, 5, 5) = ?3 LIMIT ?4

-- name: customer-id-by-email
SELECT id FROM customers WHERE email = ?1

-- name: customer-exists
SELECT 1 FROM customers WHERE id = ?1

-- name: import-order-insert
INSERT INTO orders (id, customer_id, items, amount, order_date, status, channel, external_id,
                    created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT DO NOTHING

-- name: order-get-by-external-id
SELECT id, customer_id, items, amount, order_date, status, channel, external_id,
       created_at, updated_at
FROM orders WHERE external_id = ?1

-- name: customer-add-orders
-- (No RETURNING: in a large transaction each RETURNING statement's journal is costly.)
UPDATE customers
SET order_spend = order_spend + ?2, order_visits = order_visits + ?3,
    last_order_at = max(coalesce(last_order_at, ?4), ?4), updated_at = ?5
WHERE id = ?1

-- name: import-job-upsert
INSERT INTO import_jobs (id, kind, mode, dry_run, status, input_path, input_bytes, tag, id_state,
                         resume_offset, resume_line, received, accepted, inserted, updated,
                         duplicates, rejected, rows_truncated, error, active_ms, created_at,
                         updated_at, started_at, finished_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
        ?20, ?21, ?22, ?23, ?24)
ON CONFLICT (id) DO UPDATE SET
  status = excluded.status, id_state = excluded.id_state,
  resume_offset = excluded.resume_offset, resume_line = excluded.resume_line,
  received = excluded.received, accepted = excluded.accepted, inserted = excluded.inserted,
  updated = excluded.updated, duplicates = excluded.duplicates, rejected = excluded.rejected,
  rows_truncated = excluded.rows_truncated, error = excluded.error,
  active_ms = excluded.active_ms, updated_at = excluded.updated_at,
  started_at = excluded.started_at, finished_at = excluded.finished_at

-- name: import-job-row-insert
INSERT INTO import_job_rows (job_id, row, key, status, issues) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT DO NOTHING

-- name: import-job-get
SELECT id, kind, mode, dry_run, status, input_path, input_bytes, tag, id_state, resume_offset,
       resume_line, received, accepted, inserted, updated, duplicates, rejected, rows_truncated,
       error, active_ms, created_at, updated_at, started_at, finished_at
FROM import_jobs WHERE id = ?1

-- name: import-jobs-unfinished
SELECT id FROM import_jobs WHERE status IN ('queued', 'running') ORDER BY id

-- name: import-job-rows
SELECT row, key, status, issues FROM import_job_rows WHERE job_id = ?1 ORDER BY row LIMIT ?2

-- name: import-dry-run-seen-create
CREATE TEMP TABLE IF NOT EXISTS import_seen (key TEXT PRIMARY KEY) WITHOUT ROWID

-- name: import-dry-run-seen-insert
INSERT INTO temp.import_seen (key) VALUES (?1) ON CONFLICT DO NOTHING
