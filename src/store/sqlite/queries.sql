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
