"""Settings read from the environment, once (no Dagster): the bottom layer every other package may use."""
