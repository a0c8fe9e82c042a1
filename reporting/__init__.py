"""Static HTML reports of completeness, findings, units over time and crawl health."""
