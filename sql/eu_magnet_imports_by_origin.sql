-- description: EU imports of magnets by origin for one month (Eurostat Comext, the EU27_2020 reporter rows): tonnes, euros and each origin's share of all extra-EU imports.
-- topic: mirror
-- param: month month = 2025-11 : the month to report (YYYY-MM)
WITH eu AS (
    SELECT partner, partner_code, partner_name, partner_kind,
           SUM(quantity_kg) AS kg, SUM(value_native) AS eur
    FROM trade_flows
    WHERE source = 'comext' AND reporter = 'EUR' AND flow = 'import' AND product_group = 'magnet'
      AND make_date(year, month, 1) = $month
    GROUP BY partner, partner_code, partner_name, partner_kind
),
extra AS (
    SELECT SUM(kg) AS kg FROM eu WHERE partner_code = 'EXT_EU27_2020'
)
SELECT
    e.partner,
    e.partner_name,
    round(e.kg / 1000, 1)              AS tonnes,
    round(e.eur / 1e6, 2)              AS value_eur_m,
    round(100 * e.kg / x.kg, 1)        AS share_pct
FROM eu e CROSS JOIN extra x
WHERE e.partner_kind = 'country'
ORDER BY e.kg DESC, e.partner
