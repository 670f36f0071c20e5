-- find_user by email as the service sends it: one SELECT, two LEFT JOINs, unique key. The
-- addresses are those `accounts seed` writes: replace 8a067203 with the tag of your seed run.
\set n random(0, 99999)
SELECT u.*, g.*, h.* FROM users u LEFT JOIN guests g ON g.user_id = u.id LEFT JOIN hosts h ON h.user_id = u.id
 WHERE u.email = 'seed' || :n || '.8a067203@example.com';
