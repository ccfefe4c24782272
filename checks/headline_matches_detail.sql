-- description: China's headline rare-earth tonnage (稀土, exports) equals the sum of the detailed metal, oxide and compound lines for the same period (as headline_vs_detail), tolerance 0.5 t (the headline is published to 0.1 t; a two-month period adds two roundings).
-- param: tolerance float = 0.5 : the largest difference accepted, tonnes
WITH latest AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY series, flow, period, months ORDER BY release DESC) AS pick
    FROM headline_series
    WHERE series = '稀土' AND flow = 'export' AND quantity_method <> 'missing' AND quantity IS NOT NULL
),
headline AS (
    SELECT period, months, quantity, release FROM latest WHERE pick = 1
),
detail AS (
    SELECT h.period, SUM(t.quantity_kg) / 1000 AS tonnes
    FROM headline h
    JOIN trade_flows t
      ON t.year * 12 + t.month - (date_part('year', h.period) * 12 + date_part('month', h.period))
         BETWEEN 0 AND h.months - 1
    WHERE t.source = 'gacc' AND t.flow = 'export' AND t.product_group IN ('metal', 'oxide', 'compound')
    GROUP BY h.period
)
SELECT h.period, h.months, h.quantity AS headline_t, round(d.tonnes, 1) AS detail_t,
       round(COALESCE(d.tonnes, 0) - h.quantity, 1) AS difference_t, h.release
FROM headline h LEFT JOIN detail d ON d.period = h.period
WHERE abs(COALESCE(d.tonnes, 0) - h.quantity) > $tolerance
ORDER BY h.period
