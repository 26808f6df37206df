"""The Telegram front door: aiogram routers over the knowledge, events and campaigns services."""
