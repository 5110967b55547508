"""Market analysis: sales breakdowns, cohorts, baskets, demand forecasts and low-stock alerts."""
