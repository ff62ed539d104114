"""History: daily snapshots of the figures and time series per repository."""
