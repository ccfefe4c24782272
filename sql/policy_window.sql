-- description: Monthly average exports before and after a policy date (default: licensing of seven heavy rare earths, 2025-04-04), by product group and for controlled elements.
-- topic: policy
-- param: event date = 2025-04-04 : the policy date; its month counts as "after"
-- param: months int = 3 : months on each side
WITH monthly AS (
    SELECT
        CASE WHEN p.controlled_element THEN 'controlled elements (Sm Gd Tb Dy Lu Sc Y)'
             ELSE t.product_group END AS series,
        t.period,
        SUM(t.quantity_kg) AS kg
    FROM trade_flows t
    JOIN products p ON p.hs_code = t.hs_code
    WHERE t.source = 'gacc' AND t.flow = 'export' AND p.is_rare_earth
    GROUP BY 1, 2
),
windowed AS (
    -- months counted as year * 12 + month, so the window is whole calendar months
    SELECT series, kg,
           (date_part('year', period) * 12 + date_part('month', period))
         - (date_part('year', $event) * 12 + date_part('month', $event)) AS month_offset
    FROM monthly
),
sides AS (
    SELECT series, kg, CASE WHEN month_offset < 0 THEN 'before' ELSE 'after' END AS side
    FROM windowed
    WHERE month_offset >= -$months AND month_offset < $months
)
SELECT
    series,
    round(SUM(CASE WHEN side = 'before' THEN kg ELSE 0 END) / $months / 1000, 1) AS before_t_per_month,
    round(SUM(CASE WHEN side = 'after'  THEN kg ELSE 0 END) / $months / 1000, 1) AS after_t_per_month,
    round(100 * (SUM(CASE WHEN side = 'after' THEN kg ELSE 0 END)
               / SUM(CASE WHEN side = 'before' THEN kg ELSE 0 END) - 1), 1)      AS change_pct
FROM sides
GROUP BY series
ORDER BY series
