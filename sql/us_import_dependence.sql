-- description: China's share of US imports by month: sintered NdFeB magnets (HTS 8505.11.0070) and rare-earth metals/compounds, by value and weight, from US Census data.
-- topic: mirror
-- param: from month = 2025-01 : first month (YYYY-MM)
-- param: to month = 2025-12 : last month (YYYY-MM)
WITH lines AS (
    SELECT period,
           CASE WHEN hs_code = '8505110070' THEN 'NdFeB magnets (8505.11.0070)'
                WHEN product_group IN ('metal', 'oxide', 'compound') THEN 'rare-earth metals and compounds'
           END AS product,
           partner, partner_kind, value_usd, quantity_kg
    FROM trade_flows
    WHERE source = 'census' AND flow = 'import'
)
SELECT
    period,
    product,
    round(SUM(value_usd) FILTER (WHERE partner_kind = 'world') / 1e6, 2)           AS all_countries_usd_m,
    round(SUM(value_usd) FILTER (WHERE partner = 'CHN') / 1e6, 2)                  AS china_usd_m,
    round(100 * SUM(value_usd) FILTER (WHERE partner = 'CHN')
              / SUM(value_usd) FILTER (WHERE partner_kind = 'world'), 1)           AS china_value_share_pct,
    round(100 * SUM(quantity_kg) FILTER (WHERE partner = 'CHN')
              / SUM(quantity_kg) FILTER (WHERE partner_kind = 'world'), 1)         AS china_weight_share_pct
FROM lines
WHERE product IS NOT NULL AND period BETWEEN $from AND $to
GROUP BY period, product
ORDER BY period, product
