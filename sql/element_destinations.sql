-- description: Where one element's exports went in a month (kg by destination), e.g. dysprosium in October 2025.
-- topic: elements
-- param: element text = Dy : chemical symbol
-- param: month month = 2025-10 : the month (YYYY-MM)
SELECT partner, partner_name, SUM(quantity_kg) AS kg
FROM trade_flows
WHERE source = 'gacc' AND flow = 'export' AND element = $element
  AND product_group IN ('metal', 'oxide', 'compound')
  AND make_date(year, month, 1) = $month
GROUP BY partner, partner_name
ORDER BY kg DESC, partner
