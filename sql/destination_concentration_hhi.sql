-- description: Concentration of magnet export destinations by month: Herfindahl-Hirschman index (0-10,000), the top destination's share and the number of destinations.
-- topic: magnets
-- param: from month = 2024-01 : first month (YYYY-MM)
-- param: to month = 2026-12 : last month (YYYY-MM)
WITH by_partner AS (
    SELECT period, partner, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet' AND partner_kind = 'country'
      AND period BETWEEN $from AND $to
    GROUP BY period, partner
),
shares AS (
    SELECT period, partner, kg / SUM(kg) OVER (PARTITION BY period) AS share
    FROM by_partner
)
SELECT
    period,
    round(SUM(10000 * share * share)) AS hhi,
    round(100 * MAX(share), 1)        AS top_share_pct,
    COUNT(*)                          AS destinations
FROM shares
GROUP BY period
ORDER BY period
