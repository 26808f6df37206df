"""The knowledge assistant: ingest policy texts and FAQs, retrieve, answer with sources."""
