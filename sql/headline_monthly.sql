-- description: China's headline export series by month (default 稀土, rare earths, tonnes) with MoM and YoY; January-February stays one two-month period, so its MoM is left empty and March's MoM is against nothing.
-- topic: headline
-- param: series text = 稀土 : the commodity as published (稀土, 稀土永磁, ...)
-- param: from month = 2024-01 : first period (YYYY-MM)
-- param: to month = 2026-12 : last period (YYYY-MM)
-- chart: line x=period y=quantity title="China's headline rare-earth exports (t)"
WITH h AS (
    SELECT * FROM headline_series WHERE series = $series AND flow = 'export'
),
-- one figure per period: the most recent release that states it (its first line if it
-- states it twice); no window function, which Ballista 55 cannot run here (docs/cluster.md)
s AS (
    SELECT * FROM h
    WHERE NOT EXISTS (
        SELECT 1 FROM h newer
        WHERE newer.series = h.series AND newer.period = h.period AND newer.months = h.months
          AND (newer.release > h.release
               OR (newer.release = h.release AND newer.source_line < h.source_line))
    )
)
SELECT
    cur.period,
    cur.months,
    cur.quantity                                              AS quantity,
    cur.unit,
    -- month on month only between single months that follow each other
    CASE WHEN cur.months = 1 AND prev.months = 1
         THEN round(100 * (cur.quantity / prev.quantity - 1), 1) END AS mom_pct,
    -- year on year against the same period a year earlier (Jan-Feb against Jan-Feb)
    round(100 * (cur.quantity / ly.quantity - 1), 1)          AS yoy_pct,
    round(cur.value_usd / 1e6, 1)                             AS usd_million,
    cur.quantity_method,
    cur.revised
FROM s cur
LEFT JOIN s prev ON prev.period = cur.period - INTERVAL '1 month'
LEFT JOIN s ly   ON ly.period = cur.period - INTERVAL '1 year' AND ly.months = cur.months
WHERE cur.period BETWEEN $from AND $to
ORDER BY cur.period
