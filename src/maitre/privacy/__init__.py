"""Personal-data handling: find and redact PII before text leaves the process."""
