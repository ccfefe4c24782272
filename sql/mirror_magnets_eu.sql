-- description: Mirror statistics for magnets, China and each EU member: China's reported exports of magnets to the member against the member's declared imports from China (Eurostat Comext), by month, tonnes, with one- and two-month shipping lags.
-- topic: mirror
-- param: from month = 2025-01 : first month (YYYY-MM)
-- param: to month = 2025-11 : last month (YYYY-MM)
-- The members first: China's figures are read only for countries that report to Eurostat,
-- before any sum (a cluster then skips China's side when no member reports).
WITH eu AS (
    SELECT reporter AS member, period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'comext' AND flow = 'import' AND partner = 'CHN' AND product_group = 'magnet'
      AND reporter <> 'EUR'
    GROUP BY reporter, period
),
china AS (
    SELECT partner AS member, period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet' AND partner_kind = 'country'
      AND partner IN (SELECT member FROM eu)
    GROUP BY partner, period
)
SELECT
    c.period,
    c.member,
    round(c.kg / 1000, 1)                  AS china_reports_t,
    round(e0.kg / 1000, 1)                 AS member_reports_same_month_t,
    round(e1.kg / 1000, 1)                 AS member_reports_next_month_t,
    round(e2.kg / 1000, 1)                 AS member_reports_month_after_t,
    round(100 * (e1.kg / c.kg - 1), 1)     AS gap_lag1_pct
FROM china c
LEFT JOIN eu e0 ON e0.member = c.member AND e0.period = c.period
LEFT JOIN eu e1 ON e1.member = c.member AND e1.period = c.period + INTERVAL '1 month'
LEFT JOIN eu e2 ON e2.member = c.member AND e2.period = c.period + INTERVAL '2 months'
WHERE c.period BETWEEN $from AND $to
ORDER BY c.period, c.member
