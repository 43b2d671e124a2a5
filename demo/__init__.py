"""Producers of data outside the core: year/ (the demo year, clerks' sheets loaded through the real importer) and
scale/ (a city-sized data set written straight into DuckDB for the benchmarks)."""
