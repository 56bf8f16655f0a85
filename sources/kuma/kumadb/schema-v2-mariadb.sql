-- The tables hindsight reads, as Kuma 2 creates them on MariaDB: Kuma's
-- db/knex_init_db.js (the basic tables, built with knex's MariaDB column
-- types) and the knex migrations after it that touch them
-- (2023-08-16-0000-create-uptime, 2023-08-18-0301-heartbeat,
-- 2023-09-29-0000-heartbeat-retires, 2023-12-21-0000-stat-ping-min-max,
-- 2023-12-22-0000-hourly-uptime, 2024-01-22-0000-stats-extras), written
-- out as the DDL knex sends. Kuma's other tables are left out: hindsight
-- never reads them.
CREATE TABLE `knex_migrations` (`id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` varchar(255), `batch` int, `migration_time` timestamp NULL);
CREATE TABLE `monitor` (
  `id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `name` varchar(150),
  `active` boolean NOT NULL DEFAULT 1,
  `user_id` int unsigned,
  `interval` int NOT NULL DEFAULT 20,
  `url` text,
  `type` varchar(20),
  `weight` int DEFAULT 2000,
  `hostname` varchar(255),
  `port` int,
  `created_date` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `keyword` varchar(255),
  `maxretries` int NOT NULL DEFAULT 0,
  `grpc_url` varchar(255) DEFAULT NULL,
  `description` text DEFAULT NULL
);
CREATE TABLE `heartbeat` (
  `id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `important` boolean NOT NULL DEFAULT 0,
  `monitor_id` int unsigned NOT NULL,
  `status` smallint NOT NULL,
  `msg` text,
  `time` datetime NOT NULL,
  `ping` int,
  `duration` int NOT NULL DEFAULT 0,
  `down_count` int NOT NULL DEFAULT 0,
  `end_time` datetime NULL DEFAULT NULL,
  `retries` int NOT NULL DEFAULT 0,
  KEY `important` (`important`),
  KEY `monitor_time_index` (`monitor_id`, `time`),
  KEY `monitor_important_time_index` (`monitor_id`, `important`, `time`),
  CONSTRAINT `heartbeat_monitor_id_foreign` FOREIGN KEY (`monitor_id`) REFERENCES `monitor` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE `stat_minutely` (
  `id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `monitor_id` int unsigned NOT NULL,
  `timestamp` int NOT NULL COMMENT 'Unix timestamp rounded down to the nearest minute',
  `ping` float NOT NULL COMMENT 'Average ping in milliseconds',
  `up` smallint NOT NULL,
  `down` smallint NOT NULL,
  `ping_min` float NOT NULL DEFAULT 0,
  `ping_max` float NOT NULL DEFAULT 0,
  `extras` text DEFAULT NULL,
  UNIQUE KEY `stat_minutely_monitor_id_timestamp_unique` (`monitor_id`, `timestamp`),
  CONSTRAINT `stat_minutely_monitor_id_foreign` FOREIGN KEY (`monitor_id`) REFERENCES `monitor` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE `stat_hourly` (
  `id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `monitor_id` int unsigned NOT NULL,
  `timestamp` int NOT NULL COMMENT 'Unix timestamp rounded down to the nearest hour',
  `ping` float NOT NULL COMMENT 'Average ping in milliseconds',
  `up` smallint NOT NULL,
  `down` smallint NOT NULL,
  `ping_min` float NOT NULL DEFAULT 0,
  `ping_max` float NOT NULL DEFAULT 0,
  `extras` text DEFAULT NULL,
  UNIQUE KEY `stat_hourly_monitor_id_timestamp_unique` (`monitor_id`, `timestamp`),
  CONSTRAINT `stat_hourly_monitor_id_foreign` FOREIGN KEY (`monitor_id`) REFERENCES `monitor` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE `stat_daily` (
  `id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `monitor_id` int unsigned NOT NULL,
  `timestamp` int NOT NULL COMMENT 'Unix timestamp rounded down to the nearest day',
  `ping` float NOT NULL COMMENT 'Average ping in milliseconds',
  `up` smallint NOT NULL,
  `down` smallint NOT NULL,
  `ping_min` float NOT NULL DEFAULT 0,
  `ping_max` float NOT NULL DEFAULT 0,
  `extras` text DEFAULT NULL,
  UNIQUE KEY `stat_daily_monitor_id_timestamp_unique` (`monitor_id`, `timestamp`),
  CONSTRAINT `stat_daily_monitor_id_foreign` FOREIGN KEY (`monitor_id`) REFERENCES `monitor` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
);
