"""The ad-click (CTR) adapter: planted audits, crossing gains, raw-row models, audit time."""
