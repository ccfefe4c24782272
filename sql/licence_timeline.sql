-- description: The export-control timeline (policy_events) with magnet exports in the month before each event, its month and the month after: tonnes to one destination (default the US) and to all destinations; NULL where a month is not loaded.
-- topic: policy
-- param: partner text = USA : ISO 3166 alpha-3 of the destination
WITH monthly AS (
    SELECT
        period,
        SUM(CASE WHEN partner = $partner THEN quantity_kg ELSE 0 END) AS partner_kg,
        SUM(quantity_kg)                                              AS all_kg
    FROM trade_flows
    WHERE source = 'gacc' AND flow = 'export' AND product_group = 'magnet'
    GROUP BY period
),
events AS (
    SELECT event_date, authority, reference, description,
           CAST(date_trunc('month', event_date) AS DATE) AS event_month
    FROM policy_events
)
SELECT
    e.event_date,
    e.authority,
    e.reference,
    e.description,
    round(b.partner_kg / 1000, 1)   AS partner_before_t,
    round(m.partner_kg / 1000, 1)   AS partner_month_t,
    round(a.partner_kg / 1000, 1)   AS partner_after_t,
    round(b.all_kg / 1000, 1)       AS all_before_t,
    round(m.all_kg / 1000, 1)       AS all_month_t,
    round(a.all_kg / 1000, 1)       AS all_after_t
FROM events e
LEFT JOIN monthly b ON b.period = e.event_month - INTERVAL '1 month'
LEFT JOIN monthly m ON m.period = e.event_month
LEFT JOIN monthly a ON a.period = e.event_month + INTERVAL '1 month'
ORDER BY e.event_date
