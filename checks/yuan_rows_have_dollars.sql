-- description: Every figure reported in yuan (currency CNY) with a value also has value_usd (converted at the month's rate in fx_rates).
SELECT source, source_file, source_line, period, hs_code, partner, value_native, currency, value_usd
FROM trade_flows
WHERE currency = 'CNY' AND value_native IS NOT NULL AND value_usd IS NULL
ORDER BY source_file, source_line
