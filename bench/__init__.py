"""``make bench``: one module per benchmark (importer, reports, load), what they share (common,
mix, cases), the summary in docs/performance.md (summary), and run.py, which runs them."""
