-- description: What revisions changed: each figure a later release replaced, old against new (kg and US dollars), with both releases named. A release that changed neither (the dollar twin of a yuan download) is not a change.
-- topic: data quality
-- param: from month = 2018-01 : first period (YYYY-MM)
-- param: to month = 2030-12 : last period (YYYY-MM)
WITH old AS (
    SELECT source, reporter, flow, period, hs_code, partner, partner_code, customs_regime, classification,
           release_seq, MIN(source_file) AS release_file, MIN(loaded_at) AS loaded_at,
           SUM(quantity_kg) AS kg, SUM(value_usd) AS usd
    FROM trade_flows_superseded
    WHERE period BETWEEN $from AND $to
    GROUP BY source, reporter, flow, period, hs_code, partner, partner_code, customs_regime, classification, release_seq
),
-- Only the current figures of keys that were revised: the few superseded rows pick them
-- before any aggregation, so no engine sums the whole table (a cluster runs every stage,
-- where the local engine skipped the sum when nothing was superseded).
new AS (
    SELECT source, reporter, flow, period, hs_code, partner_code, customs_regime, classification,
           MIN(source_file) AS release_file, MIN(loaded_at) AS loaded_at,
           SUM(quantity_kg) AS kg, SUM(value_usd) AS usd
    FROM trade_flows t
    WHERE period BETWEEN $from AND $to
      AND EXISTS (
          SELECT 1 FROM trade_flows_superseded s
          WHERE s.source = t.source AND s.reporter = t.reporter AND s.flow = t.flow
            AND s.period = t.period AND s.hs_code = t.hs_code AND s.partner_code = t.partner_code
            AND s.classification = t.classification
            AND s.customs_regime IS NOT DISTINCT FROM t.customs_regime
      )
    GROUP BY source, reporter, flow, period, hs_code, partner_code, customs_regime, classification
)
SELECT
    o.source, o.flow, o.period, o.hs_code, o.partner, o.customs_regime,
    o.kg                    AS old_kg,
    n.kg                    AS new_kg,
    n.kg - o.kg             AS change_kg,
    round(o.usd)            AS old_usd,
    round(n.usd)            AS new_usd,
    o.release_file          AS old_release,
    n.release_file          AS new_release
FROM old o
JOIN new n
  ON n.source = o.source AND n.reporter = o.reporter AND n.flow = o.flow AND n.period = o.period
 AND n.hs_code = o.hs_code AND n.partner_code = o.partner_code
 AND n.classification = o.classification
 AND n.customs_regime IS NOT DISTINCT FROM o.customs_regime
WHERE (o.kg IS DISTINCT FROM n.kg) OR (round(o.usd) IS DISTINCT FROM round(n.usd))
ORDER BY o.period, o.hs_code, o.partner, o.customs_regime, o.release_seq
