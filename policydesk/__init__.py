"""policydesk: the process entry points (CLI) and the wiring of app-wide resources."""
