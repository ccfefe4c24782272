-- description: Exports of one rare-earth element (all its metal, oxide and compound lines) by month, kg and US dollars.
-- topic: elements
-- param: element text = Dy : chemical symbol (Dy, Tb, Nd, Pr, Y, La, Ce, Sc, Lu, Eu)
-- param: from month = 2024-01 : first month (YYYY-MM)
-- param: to month = 2026-12 : last month (YYYY-MM)
-- chart: line x=period y=kg title="Exports of one rare-earth element: metals, oxides, compounds (kg)"
SELECT
    period,
    SUM(quantity_kg)                       AS kg,
    round(SUM(value_usd))                  AS usd,
    round(SUM(value_usd) / SUM(quantity_kg), 2) AS usd_per_kg,
    COUNT(DISTINCT partner)                AS destinations
FROM trade_flows
WHERE source = 'gacc' AND flow = 'export' AND element = $element
  AND product_group IN ('metal', 'oxide', 'compound')
  AND period BETWEEN $from AND $to
GROUP BY period
ORDER BY period
