-- description: Rare-earth magnet exports (HS 85051110) by destination for a month, with the change on the month before and each destination's share.
-- topic: magnets
-- param: month month = 2025-11 : the month to report (YYYY-MM)
-- chart: bar x=partner y=tonnes highlight=USA title="Rare-earth magnet exports by destination (t)"
WITH monthly AS (
    SELECT partner, partner_name, period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export'
      AND product_group = 'magnet'
      AND partner_kind = 'country'
      -- on the partition columns, so only two months of files are read
      AND make_date(year, month, 1) BETWEEN $month - INTERVAL '1 month' AND $month
    GROUP BY partner, partner_name, period
)
SELECT
    cur.partner,
    cur.partner_name,
    round(cur.kg / 1000, 1)                        AS tonnes,
    round(prev.kg / 1000, 1)                       AS prev_month_tonnes,
    round(100 * (cur.kg / prev.kg - 1), 1)         AS mom_pct,
    round(100 * cur.kg / SUM(cur.kg) OVER (), 1)   AS share_pct
FROM monthly cur
LEFT JOIN monthly prev
       ON prev.partner = cur.partner
      AND prev.period = cur.period - INTERVAL '1 month'
WHERE cur.period = $month
ORDER BY cur.kg DESC, cur.partner
