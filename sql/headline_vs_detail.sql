-- description: China's headline rare-earth tonnage against the sum of the detailed tariff lines it covers (metals, oxides, compounds), by period: the two releases should agree.
-- topic: headline
-- param: from month = 2024-01 : first period (YYYY-MM)
-- param: to month = 2026-12 : last period (YYYY-MM)
WITH h AS (
    SELECT *
    FROM headline_series
    WHERE series = '稀土' AND flow = 'export' AND quantity_method <> 'missing'
),
-- one figure per period: the most recent release that states it (its first line if it
-- states it twice), as headline_monthly; so that a revised headline is not counted twice
headline AS (
    SELECT period, months, quantity FROM h
    WHERE NOT EXISTS (
        SELECT 1 FROM h newer
        WHERE newer.period = h.period AND newer.months = h.months
          AND (newer.release > h.release
               OR (newer.release = h.release AND newer.source_line < h.source_line))
    )
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
       round(d.tonnes - h.quantity, 1) AS difference_t
FROM headline h LEFT JOIN detail d ON d.period = h.period
WHERE h.period BETWEEN $from AND $to
ORDER BY h.period
