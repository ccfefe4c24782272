-- description: Rows that did not load, by file and reason, with the first line of each (where to look).
-- topic: data quality
SELECT source_file, reason_code, COUNT(*) AS rows, MIN(source_line) AS first_line, MIN(reason) AS example
FROM rejects
GROUP BY source_file, reason_code
ORDER BY source_file, reason_code
