"""The HTTP front door (FastAPI): public routes, admin routes, web pages."""
