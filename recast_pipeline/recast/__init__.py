"""The Recast Insights API layer: client, errors, batch runs, catalog, forms. No Dagster imports here or below."""
