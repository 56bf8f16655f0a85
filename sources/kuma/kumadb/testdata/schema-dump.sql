-- Normalised schema of an SQLite database: one line per column, foreign key,
-- index and other object, sorted by table. The kumadb tests run this same
-- query on the databases kumadb builds and compare with real-schema-v*.txt.
-- Regenerate those files from the real Uptime Kuma fixtures (shared folder
-- beside the repository) with, from sources/kuma/kumadb:
--   sqlite3 -readonly ../../../../shared/fixtures/uptime-kuma/kuma-v1-empty.db < testdata/schema-dump.sql > testdata/real-schema-v1.txt
--   sqlite3 -readonly ../../../../shared/fixtures/uptime-kuma/kuma-v2-empty.db < testdata/schema-dump.sql > testdata/real-schema-v2.txt
SELECT line FROM (
  SELECT m.name AS t, 1 AS k, printf('%05d', p.cid) AS o,
         'table ' || m.name || ' column ' || p.cid || ' ' || p.name || ' ' || p.type ||
         ' notnull=' || p."notnull" || ' default=' || ifnull(p.dflt_value, 'NULL') || ' pk=' || p.pk AS line
    FROM sqlite_master m, pragma_table_info(m.name) p
   WHERE m.type = 'table'
  UNION ALL
  SELECT m.name, 2, printf('%05d.%05d', f.id, f.seq),
         'table ' || m.name || ' fk ' || f.id || ' ' || f."from" || ' -> ' || f."table" || '(' || ifnull(f."to", '') || ')' ||
         ' on_update=' || f.on_update || ' on_delete=' || f.on_delete
    FROM sqlite_master m, pragma_foreign_key_list(m.name) f
   WHERE m.type = 'table'
  UNION ALL
  SELECT m.name, 3, il.name,
         'table ' || m.name || ' index ' || il.name || ' unique=' || il."unique" || ' origin=' || il.origin ||
         ' partial=' || il.partial || ' columns=' ||
         (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) ||
         ' sql=' || ifnull((SELECT replace(sql, char(10), ' ') FROM sqlite_master WHERE name = il.name), 'auto')
    FROM sqlite_master m, pragma_index_list(m.name) il
   WHERE m.type = 'table'
  UNION ALL
  SELECT name, 4, name, type || ' ' || name || ' on ' || tbl_name
    FROM sqlite_master
   WHERE type NOT IN ('table', 'index')
)
ORDER BY t, k, o;
