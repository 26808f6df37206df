"""The web chat channel: anonymous browser chats and the messages officers send them."""
