-- description: Finished goods against raw materials, by month, to one destination or to all (partner=ALL): tonnes of rare-earth magnets against raw materials (ores, metals, oxides, compounds, Nd-Fe-B alloys), of which dysprosium and terbium in kg, magnets per tonne of raw materials, and each one's share of all rare-earth products China exported there.
-- topic: magnets
-- param: partner text = USA : ISO 3166 alpha-3 of the destination, or ALL for every destination
-- param: from month = 2025-01 : first month (YYYY-MM)
-- param: to month = 2026-12 : last month (YYYY-MM)
-- chart: line x=period y=magnets_t,raw_t title="Finished magnets against raw materials (t)"
WITH monthly AS (
    -- "all rare-earth products" is products.is_rare_earth: raw materials, magnets and
    -- pyrophoric alloys (thorium ore and other magnets are not rare-earth products)
    SELECT
        t.period,
        SUM(CASE WHEN t.product_group = 'magnet' THEN t.quantity_kg ELSE 0 END) AS magnet_kg,
        SUM(CASE WHEN t.product_group IN ('ore', 'metal', 'oxide', 'compound', 'alloy')
                 THEN t.quantity_kg ELSE 0 END)                               AS raw_kg,
        SUM(CASE WHEN t.product_group IN ('ore', 'metal', 'oxide', 'compound', 'alloy')
                  AND t.element = 'Dy' THEN t.quantity_kg ELSE 0 END)         AS dy_kg,
        SUM(CASE WHEN t.product_group IN ('ore', 'metal', 'oxide', 'compound', 'alloy')
                  AND t.element = 'Tb' THEN t.quantity_kg ELSE 0 END)         AS tb_kg,
        SUM(t.quantity_kg)                                                    AS total_kg
    FROM trade_flows t
    JOIN products p ON p.hs_code = t.hs_code
    WHERE t.source = 'gacc' AND t.flow = 'export' AND p.is_rare_earth
      AND ($partner = 'ALL' OR t.partner = $partner)
      AND t.period BETWEEN $from AND $to
    GROUP BY t.period
)
SELECT
    period,
    round(magnet_kg / 1000, 1)                    AS magnets_t,
    round(raw_kg / 1000, 1)                       AS raw_t,
    round(dy_kg)                                  AS dy_kg,
    round(tb_kg)                                  AS tb_kg,
    round(magnet_kg / NULLIF(raw_kg, 0), 2)       AS magnets_per_raw_t,
    round(100 * magnet_kg / total_kg, 1)          AS magnets_share_pct,
    round(100 * raw_kg / total_kg, 1)             AS raw_share_pct,
    round(100 * dy_kg / total_kg, 2)              AS dy_share_pct,
    round(100 * tb_kg / total_kg, 2)              AS tb_share_pct
FROM monthly
ORDER BY period
