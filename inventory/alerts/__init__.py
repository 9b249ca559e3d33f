"""Stock alerts: what needs attention today, for whom (docs/alerts.md)."""
