"""The operators' web server: dashboard, /healthz, /metrics and the Telegram webhook."""
