"""Analytics: customer profiles, RFM segments and clusters computed from the CRM."""
