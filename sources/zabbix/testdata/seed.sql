-- Seed for the sources/zabbix integration tests (Zabbix 6.0, PostgreSQL),
-- written straight into the tables as zabbix_server would (way A; way B, the
-- trapper protocol, is in integration_test.go).
--
-- Timeline: 2025-11-19T15:00:00Z .. 2025-11-22T15:00:00Z (unix 1763564400 ..
-- 1763823600, end excluded), 60 s step, 4320 samples per item:
--   every night 18:00-18:19Z: latency spike on shop-web (2.4-2.9 s), CPU spike;
--   2025-11-21 05:03-05:09Z (1763701380 .. 1763701799, 7 samples): shop down.
-- Values are deterministic: n = (ts * 2654435761 mod 1000) / 1000, so the Go
-- test computes the same numbers (seedNoise).
-- Prerequisites (created through the API by the test): hosts shop-web and
-- empty-host, the items below, web scenario "Shop home", trigger "Shop is down".
BEGIN;
CREATE TEMP TABLE seed_ts AS
  SELECT ts,
         (ts % 86400) / 60 BETWEEN 1080 AND 1099 AS spike,   -- 18:00-18:19Z
         (ts >= 1763701380 AND ts < 1763701800) AS down,
         ((ts * 2654435761::bigint) % 1000) / 1000.0 AS n
  FROM generate_series(1763564400, 1763823540, 60) AS ts;

CREATE TEMP TABLE seed_item AS
  SELECT i.key_, i.itemid FROM items i JOIN hosts h ON h.hostid = i.hostid
  WHERE h.host = 'shop-web';

CREATE FUNCTION pg_temp.item(k text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT itemid FROM seed_item WHERE key_ = k $$;

-- icmppingsec and the web step time: the latency the tests assert.
INSERT INTO history (itemid, clock, value, ns)
SELECT pg_temp.item(k), ts,
       CASE WHEN down THEN 10.0
            WHEN spike THEN round((2.4 + 0.5 * n)::numeric, 4)
            ELSE round((0.12 + 0.03 * n)::numeric, 4) END, 0
FROM seed_ts, unnest(ARRAY['icmppingsec', 'web.test.time[Shop home,home,resp]']) AS k;

INSERT INTO history (itemid, clock, value, ns)
SELECT pg_temp.item('system.cpu.util[,user]'), ts,
       CASE WHEN spike THEN round((80 + 15 * n)::numeric, 2) ELSE round((20 + 10 * n)::numeric, 2) END, 0
FROM seed_ts;

INSERT INTO history_uint (itemid, clock, value, ns)
SELECT pg_temp.item('app.error.count'), ts, CASE WHEN down THEN 5 ELSE 0 END, 0 FROM seed_ts;
INSERT INTO history_uint (itemid, clock, value, ns)
SELECT pg_temp.item('web.test.fail[Shop home]'), ts, CASE WHEN down THEN 1 ELSE 0 END, 0 FROM seed_ts;
INSERT INTO history_uint (itemid, clock, value, ns)
SELECT pg_temp.item('web.test.rspcode[Shop home,home]'), ts, CASE WHEN down THEN 503 ELSE 200 END, 0 FROM seed_ts;

-- A text item: the source must skip it with a note.
INSERT INTO history_text (itemid, clock, value, ns)
SELECT pg_temp.item('app.log'), ts, 'backup started', 0 FROM seed_ts WHERE ts % 86400 = 64800;

-- system.cpu.load[all,avg1] keeps 1h of history: only its hourly trends
-- remain for 2025, as after the housekeeper ran. value = hour of day / 10.
INSERT INTO trends (itemid, clock, num, value_min, value_avg, value_max)
SELECT pg_temp.item('system.cpu.load[all,avg1]'), h, 60,
       (h % 86400) / 36000.0, (h % 86400) / 36000.0 + 0.05, (h % 86400) / 36000.0 + 0.1
FROM generate_series(1763564400, 1763820000, 3600) AS h;

-- Trends for the history items too, as zabbix_server writes them.
INSERT INTO trends (itemid, clock, num, value_min, value_avg, value_max)
SELECT itemid, clock - clock % 3600, count(*), min(value), avg(value), max(value)
FROM history WHERE itemid IN (SELECT itemid FROM seed_item)
GROUP BY itemid, clock - clock % 3600;

-- The outage as a problem (eventid 900001, severity 4 high) resolved by
-- 900002, acknowledged with a message, with tags.
INSERT INTO events (eventid, source, object, objectid, clock, ns, value, acknowledged, name, severity)
SELECT 900001, 0, 0, t.triggerid, 1763701380, 0, 1, 1, t.description, t.priority
FROM triggers t WHERE t.description = 'Shop is down'
UNION ALL
SELECT 900002, 0, 0, t.triggerid, 1763701800, 0, 0, 0, t.description, 0
FROM triggers t WHERE t.description = 'Shop is down';
INSERT INTO event_recovery (eventid, r_eventid) VALUES (900001, 900002);
INSERT INTO problem (eventid, source, object, objectid, clock, ns, r_eventid, r_clock, r_ns, name, acknowledged, severity)
SELECT eventid, source, object, objectid, clock, ns, 900002, 1763701800, 0, name, 1, severity
FROM events WHERE eventid = 900001;
INSERT INTO event_tag (eventtagid, eventid, tag, value) VALUES
  (900001, 900001, 'service', 'shop'), (900002, 900001, 'scope', 'availability');
INSERT INTO acknowledges (acknowledgeid, userid, eventid, clock, message, action, old_severity, new_severity)
VALUES (900001, 1, 900001, 1763701500, 'looking into it', 6, 0, 0);

-- A problem open since before the window (no recovery): problem.get finds it.
INSERT INTO events (eventid, source, object, objectid, clock, ns, value, acknowledged, name, severity)
SELECT 900003, 0, 0, t.triggerid, 1763564400 - 3600, 0, 1, 0, 'Shop certificate expires soon', 2
FROM triggers t WHERE t.description = 'Shop is down';
INSERT INTO problem (eventid, source, object, objectid, clock, ns, name, acknowledged, severity)
SELECT eventid, source, object, objectid, clock, ns, name, 0, severity FROM events WHERE eventid = 900003;

-- A problem that began before the window (30 minutes before) and was
-- resolved in it (20 minutes in): an event.get on the problems' start
-- times misses it; problem_time_from/till finds it.
INSERT INTO events (eventid, source, object, objectid, clock, ns, value, acknowledged, name, severity)
SELECT 900004, 0, 0, t.triggerid, 1763564400 - 1800, 0, 1, 0, 'Shop backups are late', 3
FROM triggers t WHERE t.description = 'Shop is down'
UNION ALL
SELECT 900005, 0, 0, t.triggerid, 1763564400 + 1200, 0, 0, 0, 'Shop backups are late', 0
FROM triggers t WHERE t.description = 'Shop is down';
INSERT INTO event_recovery (eventid, r_eventid) VALUES (900004, 900005);

INSERT INTO ids (table_name, field_name, nextid) VALUES
  ('events', 'eventid', 900005), ('event_tag', 'eventtagid', 900002), ('acknowledges', 'acknowledgeid', 900001)
ON CONFLICT (table_name, field_name) DO UPDATE SET nextid = GREATEST(ids.nextid, EXCLUDED.nextid);
COMMIT;
