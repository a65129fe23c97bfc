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
