-- description: How far one destination's magnets in a month stand above the lows after a date (default the licensing of 2025-04-04): the month's tonnes against the month `since` and against the lowest month from `since` to the month before, and how many times higher. partner=ALL for every destination. Looking back instead for the last month as low: lowest_since.
-- topic: magnets
-- param: partner text = USA : ISO 3166 alpha-3 of the destination, or ALL for every destination
-- param: month month = 2025-11 : the month (YYYY-MM)
-- param: since month = 2025-04 : where the lows are looked for from (YYYY-MM)
WITH monthly AS (
    -- as in lowest_since, with ALL for every destination
    SELECT period, SUM(quantity_kg) AS kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet'
      AND ($partner = 'ALL' OR partner = $partner)
    GROUP BY period
),
-- Each part is an aggregate, so exactly one row (NULLs where there is no month): the parts
-- are crossed, never outer-joined on `true`, which Ballista answers with extra rows.
target AS (
    SELECT MAX(kg) AS kg FROM monthly WHERE period = $month
),
at_since AS (
    SELECT MAX(kg) AS kg FROM monthly WHERE period = $since
),
low AS (
    SELECT MIN(kg) AS kg FROM monthly WHERE period >= $since AND period < $month
),
lowest AS (
    -- the earliest of equal lows
    SELECT MIN(m.period) AS period, MIN(m.kg) AS kg
    FROM low
    JOIN monthly m ON m.kg = low.kg AND m.period >= $since AND m.period < $month
)
SELECT
    $partner                       AS partner,
    $month                         AS period,
    round(t.kg / 1000, 1)          AS tonnes,
    $since                         AS since,
    round(s.kg / 1000, 1)          AS since_tonnes,
    round(t.kg / s.kg, 1)          AS times_since,
    l.period                       AS lowest_period,
    round(l.kg / 1000, 1)          AS lowest_tonnes,
    round(t.kg / l.kg, 1)          AS times_lowest
FROM target t
CROSS JOIN at_since s
CROSS JOIN lowest l
