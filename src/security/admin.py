"""Admin registrations for the package's models."""
