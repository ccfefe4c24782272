-- description: Mirror statistics for magnets stay within 30%: China's reported exports to the US over three months against US-reported imports from China over the same three months one month later (the shipping lag of mirror_magnets_us), for every window both sides report in full. Windows, not single months: a sudden fall (May 2025: 46 t) reaches US records spread over the next two months.
-- param: bound float = 30 : the largest gap accepted, percent of China's figure
WITH china AS (
    SELECT period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND partner = 'USA' AND product_group = 'magnet'
    GROUP BY period
),
us AS (
    SELECT period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'census' AND flow = 'import' AND partner = 'CHN' AND product_group = 'magnet'
    GROUP BY period
),
-- China's exports in the window ending at `period` (the month and the two before it)
china_window AS (
    SELECT c.period, SUM(x.kg) AS kg, COUNT(*) AS months
    FROM china c
    JOIN china x ON x.period BETWEEN c.period - INTERVAL '2 months' AND c.period
    GROUP BY c.period
),
-- US imports in the same window shifted one month later
us_window AS (
    SELECT c.period, SUM(u.kg) AS kg, COUNT(*) AS months
    FROM china c
    JOIN us u ON u.period BETWEEN c.period - INTERVAL '1 month' AND c.period + INTERVAL '1 month'
    GROUP BY c.period
)
SELECT c.period - INTERVAL '2 months' AS china_from, c.period AS china_to,
       round(c.kg / 1000, 1) AS china_reports_t, round(u.kg / 1000, 1) AS us_reports_next_month_t,
       round(100 * (u.kg / c.kg - 1), 1) AS gap_pct
FROM china_window c
JOIN us_window u ON u.period = c.period
WHERE c.months = 3 AND u.months = 3 AND c.kg > 0
  AND abs(100 * (u.kg / c.kg - 1)) > $bound
ORDER BY c.period
