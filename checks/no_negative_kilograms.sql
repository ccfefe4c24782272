-- description: No figure has negative kilograms (trade_flows and trade_flows_annual).
SELECT 'trade_flows' AS table_name, source, source_file, source_line, period, hs_code, partner, quantity_kg
FROM trade_flows
WHERE quantity_kg < 0
UNION ALL
SELECT 'trade_flows_annual' AS table_name, source, source_file, source_line, period, hs_code, partner, quantity_kg
FROM trade_flows_annual
WHERE quantity_kg < 0
ORDER BY source_file, source_line
