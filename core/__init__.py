"""Shared foundation of policydesk: settings, database, migrations, tokens and domain errors."""
