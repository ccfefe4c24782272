-- description: The top destinations of rare-earth magnets in a month, with each one's share of the total and the running share.
-- topic: magnets
-- param: month month = 2025-11 : the month (YYYY-MM)
-- param: top int = 10 : how many destinations
WITH by_partner AS (
    SELECT partner, partner_name, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet' AND partner_kind = 'country'
      AND make_date(year, month, 1) = $month
    GROUP BY partner, partner_name
),
ranked AS (
    SELECT *,
           RANK() OVER (ORDER BY kg DESC) AS rank,
           kg / SUM(kg) OVER () AS share,
           SUM(kg) OVER (ORDER BY kg DESC, partner ROWS UNBOUNDED PRECEDING) / SUM(kg) OVER () AS running
    FROM by_partner
)
SELECT rank, partner, partner_name,
       round(kg / 1000, 1)       AS tonnes,
       round(100 * share, 1)     AS share_pct,
       round(100 * running, 1)   AS cumulative_share_pct
FROM ranked
WHERE rank <= $top
ORDER BY rank, partner
