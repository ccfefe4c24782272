-- description: For one destination's magnets in a month: the last earlier month that was as low or lower ("lowest since ...").
-- topic: magnets
-- param: partner text = USA : ISO 3166 alpha-3 of the destination
-- param: month month = 2026-03 : the month (YYYY-MM)
WITH monthly AS (
    SELECT period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet' AND partner = $partner
    GROUP BY period
),
target AS (
    SELECT kg FROM monthly WHERE period = $month
),
last_as_low AS (
    SELECT m.period, m.kg
    FROM monthly m CROSS JOIN target t
    WHERE m.period < $month AND m.kg <= t.kg
    ORDER BY m.period DESC
    LIMIT 1
)
SELECT
    $partner                  AS partner,
    $month                    AS period,
    round(t.kg / 1000, 1)     AS tonnes,
    l.period                  AS lowest_since,
    round(l.kg / 1000, 1)     AS tonnes_then
FROM target t
LEFT JOIN last_as_low l ON true
