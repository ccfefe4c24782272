-- description: Where a release reports a world total and partner countries for the same figure (source, reporter, flow, period, line, customs regime), the countries do not add up to more than the world total (kg or US dollars), tolerance 1% (rounding of published figures). Partial partner lists add up to less, which is fine.
-- param: tolerance float = 0.01 : the share by which countries may exceed the world total
WITH keyed AS (
    SELECT source, reporter, flow, period, hs_code, classification,
           COALESCE(customs_regime, '') AS customs_regime, partner_kind, quantity_kg, value_usd
    FROM trade_flows
),
world AS (
    SELECT source, reporter, flow, period, hs_code, classification, customs_regime,
           SUM(quantity_kg) AS world_kg, SUM(value_usd) AS world_usd
    FROM keyed
    WHERE partner_kind = 'world'
    GROUP BY source, reporter, flow, period, hs_code, classification, customs_regime
),
countries AS (
    SELECT source, reporter, flow, period, hs_code, classification, customs_regime,
           SUM(quantity_kg) AS countries_kg, SUM(value_usd) AS countries_usd, COUNT(*) AS countries
    FROM keyed
    WHERE partner_kind = 'country'
    GROUP BY source, reporter, flow, period, hs_code, classification, customs_regime
)
SELECT w.source, w.reporter, w.flow, w.period, w.hs_code, c.countries,
       w.world_kg, c.countries_kg, w.world_usd, c.countries_usd
FROM world w
JOIN countries c
  ON c.source = w.source AND c.reporter = w.reporter AND c.flow = w.flow AND c.period = w.period
 AND c.hs_code = w.hs_code AND c.classification = w.classification AND c.customs_regime = w.customs_regime
WHERE c.countries_kg > w.world_kg * (1 + $tolerance)
   OR c.countries_usd > w.world_usd * (1 + $tolerance)
ORDER BY w.source, w.reporter, w.flow, w.period, w.hs_code
