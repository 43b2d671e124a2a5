"""The benchmarks. `python -m analytics bench` runs bench.run (the one benchmark on a scale database: imports, core
functions, pages through AppTest, the naive pandas reading, the deck and the posting, peak memory); the scripts beside
it (compare, engine, first_visit, hotspots, meetings, pages, and the A/B scripts import_ab, work_ab, posting_ab,
fn_ab) are run on their own. Lives outside analytics/: page timing needs streamlit, which the core never imports."""
