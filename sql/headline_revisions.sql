-- description: Headline figures whose month column disagrees with the difference of year-to-date totals (revisions), with both numbers.
-- topic: headline
SELECT series, period, quantity AS month_column, quantity_from_ytd, round(quantity_from_ytd - quantity, 1) AS difference, release, note
FROM headline_series
WHERE revised
ORDER BY series, period
