"""Publicity campaigns: subscribers, segments, broadcasts and their deliveries."""
