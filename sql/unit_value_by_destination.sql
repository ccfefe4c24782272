-- description: Unit value of rare-earth magnet exports (US dollars per kg) by destination for a month, largest destinations first.
-- topic: magnets
-- param: month month = 2025-11 : the month (YYYY-MM)
SELECT
    partner,
    partner_name,
    round(SUM(quantity_kg) / 1000, 1)               AS tonnes,
    round(SUM(value_usd) / 1e6, 2)                  AS usd_million,
    round(SUM(value_usd) / SUM(quantity_kg), 2)     AS usd_per_kg
FROM trade_flows
WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet' AND partner_kind = 'country'
  AND make_date(year, month, 1) = $month
  AND quantity_kg > 0
GROUP BY partner, partner_name
ORDER BY SUM(quantity_kg) DESC, partner
