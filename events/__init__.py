"""Event registration: companies sign up for trainings and matchmaking events."""
