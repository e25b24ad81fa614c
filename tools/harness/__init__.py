"""Build and test harness for the astro.platform collection (development only, never shipped)."""
