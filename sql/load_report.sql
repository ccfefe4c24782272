-- description: Every raw file in the warehouse: rows read, loaded and rejected, periods covered and content hash.
-- topic: data quality
SELECT source_file, flow, encoding, layout, rows_read, rows_loaded, rows_rejected,
       first_period, last_period, substr(content_sha256, 1, 12) AS sha256_prefix
FROM ingest_log
ORDER BY source_file
