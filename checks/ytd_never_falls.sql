-- description: China's headline year-to-date totals (headline_series.quantity_ytd) never fall from one period to the next within a year, tolerance 0.05 (half the published 0.1 t rounding).
-- param: tolerance float = 0.05 : how far a year-to-date total may fall before it is flagged, in the series' unit
WITH latest AS (
    -- one figure per period: the most recent release that states it (as headline_monthly)
    SELECT *, ROW_NUMBER() OVER (PARTITION BY series, flow, period, months ORDER BY release DESC) AS pick
    FROM headline_series
    WHERE quantity_ytd IS NOT NULL
),
ordered AS (
    SELECT series, flow, period, quantity_ytd, release,
           LAG(quantity_ytd) OVER (PARTITION BY series, flow, date_part('year', period) ORDER BY period) AS previous_ytd,
           LAG(period) OVER (PARTITION BY series, flow, date_part('year', period) ORDER BY period) AS previous_period
    FROM latest
    WHERE pick = 1
)
SELECT series, flow, previous_period, previous_ytd, period, quantity_ytd, release
FROM ordered
WHERE quantity_ytd < previous_ytd - $tolerance
ORDER BY series, period
