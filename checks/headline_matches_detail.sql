-- description: China's headline rare-earth tonnage (稀土, exports) equals the sum of the detailed metal, oxide and compound lines for the same period (the rows of the saved query headline_vs_detail, every period), tolerance 0.5 t (the headline is published to 0.1 t; a two-month period adds two roundings).
-- param: tolerance float = 0.5 : the largest difference accepted, tonnes
-- over: ../sql/headline_vs_detail.sql from=2000-01 to=2099-12
SELECT * FROM headline_vs_detail
WHERE headline_t IS NOT NULL AND abs(COALESCE(detail_t, 0) - headline_t) > $tolerance
