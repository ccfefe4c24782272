-- description: Total rare-earth magnet exports by month, tonnes, with month-on-month and year-on-year change.
-- topic: magnets
-- param: from month = 2024-01 : first month shown (YYYY-MM)
-- param: to month = 2026-12 : last month shown (YYYY-MM)
-- chart: line x=period y=tonnes title="Rare-earth magnet exports, all destinations (t)"
WITH monthly AS (
    SELECT period, SUM(quantity_kg) AS kg, SUM(value_usd) AS usd
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet'
    GROUP BY period
)
SELECT
    cur.period,
    round(cur.kg / 1000, 1)                         AS tonnes,
    round(100 * (cur.kg / prev.kg - 1), 1)          AS mom_pct,
    round(100 * (cur.kg / last_year.kg - 1), 1)     AS yoy_pct,
    round(cur.usd / 1e6, 1)                         AS usd_million
FROM monthly cur
LEFT JOIN monthly prev      ON prev.period = cur.period - INTERVAL '1 month'
LEFT JOIN monthly last_year ON last_year.period = cur.period - INTERVAL '1 year'
WHERE cur.period BETWEEN $from AND $to
ORDER BY cur.period
