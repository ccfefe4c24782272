-- description: "Rare earths and related products including magnets": China's exports by month of the product groups listed in the query (edit the list to change the definition), tonnes, with MoM.
-- topic: headline
-- param: from month = 2024-01 : first month (YYYY-MM)
-- param: to month = 2026-12 : last month (YYYY-MM)
WITH monthly AS (
    SELECT t.period, SUM(t.quantity_kg) AS kg
    FROM trade_flows t
    WHERE t.source = 'gacc' AND t.flow = 'export'
      -- The aggregate, visible and changeable: add or drop groups here. A list rather than
      -- a joined VALUES table, so that no engine joins (or, on Ballista, sorts) every row.
      AND t.product_group IN ('metal', 'oxide', 'compound', 'alloy', 'magnet')
    GROUP BY t.period
)
SELECT cur.period,
       round(cur.kg / 1000, 1)                  AS tonnes,
       round(100 * (cur.kg / prev.kg - 1), 1)   AS mom_pct
FROM monthly cur
LEFT JOIN monthly prev ON prev.period = cur.period - INTERVAL '1 month'
WHERE cur.period BETWEEN $from AND $to
ORDER BY cur.period
