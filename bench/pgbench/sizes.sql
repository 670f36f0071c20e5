-- Bytes per row of each table and index of the schema (SCALING.md, section 1). Run after
-- `accounts seed --users 100000 --hosts-every 10` and `VACUUM ANALYZE`.
SELECT c.relname AS relation, c.reltuples::bigint AS rows, pg_relation_size(c.oid) AS bytes,
       round(pg_relation_size(c.oid) / greatest(c.reltuples::numeric, 1), 1) AS bytes_per_row
  FROM pg_class c WHERE c.relname IN ('users', 'guests', 'hosts')
UNION ALL
SELECT i.relname, t.reltuples::bigint, pg_relation_size(i.oid),
       round(pg_relation_size(i.oid) / greatest(t.reltuples::numeric, 1), 1)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
 WHERE t.relname IN ('users', 'guests', 'hosts')
 ORDER BY 1;
SELECT 'users' AS tbl, avg(pg_column_size(u.*))::numeric(6, 1) AS avg_row,
       avg(pg_column_size(email))::numeric(6, 1) AS avg_email FROM users u
UNION ALL SELECT 'guests', avg(pg_column_size(g.*))::numeric(6, 1), NULL FROM guests g
UNION ALL SELECT 'hosts', avg(pg_column_size(h.*))::numeric(6, 1), NULL FROM hosts h;
