-- create_user as the service sends it: BEGIN; INSERT users; INSERT guests; COMMIT,
-- with time-ordered ids (UUIDv7-like: 48-bit millisecond prefix, then random bits).
BEGIN;
INSERT INTO users (id, email, created_at, updated_at)
  VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text), 1, 20))::uuid,
          'u' || :client_id || '.' || md5(random()::text) || '@example.com', now(), now())
  RETURNING id \gset
INSERT INTO guests (id, user_id, created_at, updated_at)
  VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text), 1, 20))::uuid,
          :id, now(), now());
COMMIT;
