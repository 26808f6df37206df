"""One router per feature; ``api.app.create_app`` assembles them."""
