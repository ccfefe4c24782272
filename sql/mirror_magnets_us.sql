-- description: Mirror statistics for magnets: China's reported exports to the US against US-reported imports from China, by month, tonnes and dollars, with one- and two-month shipping lags.
-- topic: mirror
-- param: from month = 2025-01 : first month (YYYY-MM)
-- param: to month = 2025-12 : last month (YYYY-MM)
-- chart: line x=period y=china_reports_t,us_reports_next_month_t title="Magnets, China to the US: China's exports vs US imports a month later (t)"
WITH china AS (
    SELECT period, SUM(quantity_kg) AS kg, SUM(value_usd) AS usd
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND partner = 'USA' AND product_group = 'magnet'
    GROUP BY period
),
us AS (
    SELECT period, SUM(quantity_kg) AS kg, SUM(value_usd) AS usd, SUM(value_cif_usd) AS cif
    FROM trade_flows
    WHERE source = 'census' AND flow = 'import' AND partner = 'CHN' AND product_group = 'magnet'
    GROUP BY period
)
SELECT
    c.period,
    round(c.kg / 1000, 1)                           AS china_reports_t,
    round(u0.kg / 1000, 1)                          AS us_reports_same_month_t,
    round(u1.kg / 1000, 1)                          AS us_reports_next_month_t,
    round(u2.kg / 1000, 1)                          AS us_reports_month_after_t,
    round(100 * (u1.kg / c.kg - 1), 1)              AS gap_lag1_pct,
    round(c.usd / 1e6, 2)                           AS china_fob_usd_m,
    round(u1.usd / 1e6, 2)                          AS us_customs_value_next_month_usd_m,
    round(u1.cif / 1e6, 2)                          AS us_cif_next_month_usd_m
FROM china c
LEFT JOIN us u0 ON u0.period = c.period
LEFT JOIN us u1 ON u1.period = c.period + INTERVAL '1 month'
LEFT JOIN us u2 ON u2.period = c.period + INTERVAL '2 months'
WHERE c.period BETWEEN $from AND $to
ORDER BY c.period
